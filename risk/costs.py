"""The cost-variance interface the funding package (budgets/) fills.

Budgets is built on its own branch. Until it registers a provider, PlanGuard has no cost
figures: the cost rule raises no risks, the rating counts no cost points, and pages say the
rule is inactive. Nothing here invents numbers.

Contract for a provider, registered on the app in app.register_rules():

    from risk.costs import register_cost_variance
    register_cost_variance(budgets.figures.cost_variance_percent, app=app)

    def cost_variance(project, since: datetime.date | None = None) -> Decimal | None:
        '''Cost variance of the project in percent of what was planned, signed (+12.5 means
        12.5% over plan, -20 means 20% under), or None when there are no figures yet. With
        `since`, only plans and spending dated on or after that day (the recent view); a
        provider that cannot window returns None for it.'''
"""
from decimal import Decimal

from core import registry

PROVIDER = "cost_variance"  # its name in the app's registry (core.registry)
BATCH = "cost_variances"


def register_cost_variance(provider, batch=None, app=None) -> None:
    """`batch(projects, since)` -> {project id: percent or None} answers many projects in a few
    statements (pages and refreshes rate thousands); without it `provider` is asked per project."""
    registry.provide(PROVIDER, provider, app)
    registry.provide(BATCH, batch, app)


def unregister_cost_variance(app=None) -> None:
    registry.provide(PROVIDER, None, app)
    registry.provide(BATCH, None, app)


def current_provider(app=None):
    """The registered provider (None without one); cache keys tell providers apart by it."""
    return registry.provider(PROVIDER, app)


def cost_rule_active(app=None) -> bool:
    return registry.provider(PROVIDER, app) is not None


def cost_variance(project, since=None) -> Decimal | None:
    """The registered provider's figure, or None (no provider, or no figures)."""
    provider = registry.provider(PROVIDER)
    if provider is None:
        return None
    value = provider(project, since=since)
    return None if value is None else Decimal(str(value))


def cost_variances(projects, since=None) -> dict:
    """{project id: cost_variance(project, since)} for many projects at once."""
    if registry.provider(PROVIDER) is None:
        return {p.id: None for p in projects}
    batch = registry.provider(BATCH)
    if batch is None:
        return {p.id: cost_variance(p, since) for p in projects}
    values = batch(projects, since=since)
    return {p.id: None if values.get(p.id) is None else Decimal(str(values[p.id]))
            for p in projects}
