"""The cost-variance interface the funding package (budgets/) fills.

Budgets is built on its own branch. Until it registers a provider, PlanGuard has no cost
figures: the cost rule raises no risks, the rating counts no cost points, and pages say the
rule is inactive. Nothing here invents numbers.

Contract for a provider, registered on the app in app.register_rules():

    from risk.costs import register_cost_variance
    register_cost_variance(budgets.figures.cost_variance_percent, app)

    def cost_variance(project, since: datetime.date | None = None) -> Decimal | None:
        '''Cost variance of the project in percent of what was planned, signed (+12.5 means
        12.5% over plan, -20 means 20% under), or None when there are no figures yet. With
        `since`, only plans and spending dated on or after that day (the recent view); a
        provider that cannot window returns None for it.'''
"""
from decimal import Decimal

from core import registry

PROVIDER = "cost_variance"  # its name in the app's registry (core.registry)


def register_cost_variance(provider, app=None) -> None:
    registry.provide(PROVIDER, provider, app)


def unregister_cost_variance(app=None) -> None:
    registry.provide(PROVIDER, None, app)


def cost_rule_active(app=None) -> bool:
    return registry.provider(PROVIDER, app) is not None


def cost_variance(project, since=None) -> Decimal | None:
    """The registered provider's figure, or None (no provider, or no figures)."""
    provider = registry.provider(PROVIDER)
    if provider is None:
        return None
    value = provider(project, since=since)
    return None if value is None else Decimal(str(value))
