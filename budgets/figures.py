"""Figures of money: per project and for the portfolio, every aggregate computed in SQL.

Definitions (issue 4, DESIGN §2):
- planned: the sum of the project's funding lines as they stand (资金计划);
- disbursed / spent: the sums of its disbursements (拨付) / expenditures (支出);
- execution rate (执行率) = spent / planned;
- baseline: the budget approved at approval, i.e. today's budget minus what approved change
  requests (re-baselines) added since;
- forecast: the budget the project is now expected to need, i.e. today's budget plus what a
  pending change request asks for (spent can never pass the plan, so it never raises the forecast);
- cost variance (成本偏差) = (forecast - baseline) / baseline, in bands by its size: within 10%,
  10-30%, over 30% (DESIGN §2). Only approved projects have a baseline.
The portfolio is grouped by the funding line's budget year, source and the project's department.
"""
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, literal, select

from budgets.money import cents
from budgets.models import BudgetChange, FundingLine, FundingSource
from core import scoping
from core.extensions import db
from plan.models import Department
from projects.enums import APPROVED_OR_LATER
from projects.models import Project

ZERO = Decimal("0.00")
BANDS = {"within_10": _l("within 10%"), "10_30": _l("10-30%"), "over_30": _l("over 30%")}


def band_of(variance) -> str | None:
    if variance is None:
        return None
    size = abs(Decimal(variance))
    return "within_10" if size <= Decimal("0.10") else "10_30" if size <= Decimal("0.30") \
        else "over_30"


def ratio(part, whole):
    return (Decimal(part) / Decimal(whole)) if whole else None


# --- one project ------------------------------------------------------------------------

def _change_sums():
    """Per project: what approved change requests added, and what a pending one asks for."""
    delta = BudgetChange.new_budget_total - BudgetChange.old_budget_total
    return (select(BudgetChange.project_id,
                   func.sum(case((BudgetChange.status == "approved", delta), else_=0))
                   .label("rebased"),
                   func.sum(case((BudgetChange.status == "pending", delta), else_=0))
                   .label("pending"),
                   func.sum(case((BudgetChange.status == "approved", 1), else_=0))
                   .label("rebaselines"))
            .group_by(BudgetChange.project_id))


def line_rows(project_id) -> list[dict]:
    """The project's funding lines with what was disbursed and spent on each."""
    query = (select(FundingLine).join(FundingSource, FundingLine.source_id == FundingSource.id)
             .where(FundingLine.project_id == project_id)
             .order_by(FundingLine.year, FundingSource.position))
    return [{"line": line, "disbursed": cents(line.disbursed), "spent": cents(line.spent)}
            for line in db.session.scalars(query)]


def project_figures(project: Project, lines=None) -> dict:
    lines = line_rows(project.id) if lines is None else lines
    planned = sum((r["line"].amount for r in lines), ZERO)
    disbursed = sum((r["disbursed"] for r in lines), ZERO)
    spent = sum((r["spent"] for r in lines), ZERO)
    changes = db.session.execute(_change_sums().where(
        BudgetChange.project_id == project.id)).first()
    rebased = cents(changes.rebased) if changes else ZERO
    pending = cents(changes.pending) if changes else ZERO
    approved = project.status in APPROVED_OR_LATER
    baseline = project.budget_total - rebased if approved else None
    forecast = project.budget_total + pending
    variance = ratio(forecast - baseline, baseline) if approved else None
    return {"planned": planned, "disbursed": disbursed, "spent": spent,
            "execution_rate": ratio(spent, planned), "disbursement_rate": ratio(disbursed, planned),
            "baseline": baseline, "forecast": forecast, "cost_variance": variance,
            "band": band_of(variance), "rebaselines": int(changes.rebaselines or 0) if changes else 0,
            "plan_matches_budget": planned == project.budget_total}


# --- the portfolio ----------------------------------------------------------------------

@dataclass
class Totals:
    planned: Decimal = ZERO
    disbursed: Decimal = ZERO
    spent: Decimal = ZERO

    @property
    def execution_rate(self):
        return ratio(self.spent, self.planned)

    @property
    def disbursement_rate(self):
        return ratio(self.disbursed, self.planned)


@dataclass
class Portfolio:
    total: Totals = field(default_factory=Totals)
    by_source: dict = field(default_factory=dict)  # source name -> Totals
    by_department: dict = field(default_factory=dict)
    by_year: dict = field(default_factory=dict)
    social_planned: Decimal = ZERO
    bands: dict = field(default_factory=dict)  # band key -> project count
    overruns: list = field(default_factory=list)

    @property
    def social_share(self):
        return ratio(self.social_planned, self.total.planned)


def _scoped(query, user, year, department_id):
    """Restrict a query joined to FundingLine and Project to the filters and the user's view."""
    clause = scoping.clause(Project, user)
    if clause is not None:
        query = query.where(clause)
    if year:
        query = query.where(FundingLine.year == year)
    if department_id:
        query = query.where(Project.department_id == department_id)
    return query


def _cube(user, year, department_id):
    """{(source_id, department_id, year): [planned, disbursed, spent]} in one GROUP BY over the
    funding lines (their running totals of disbursements and expenditures)."""
    # Department first: SQLite then walks the lines in (project, source, year) index order.
    keys = (Project.department_id, FundingLine.source_id, FundingLine.year)
    query = (select(*keys, func.sum(FundingLine.amount), func.sum(FundingLine.disbursed),
                    func.sum(FundingLine.spent))
             .select_from(Project).join(FundingLine, FundingLine.project_id == Project.id)
             .group_by(*keys))
    return {(source_id, dept_id, line_year): [cents(p), cents(d), cents(s)]
            for dept_id, source_id, line_year, p, d, s in db.session.execute(
                _scoped(query, user, year, department_id))}


def portfolio(user, year=None, department_id=None, overrun_limit=15,
              variances=True) -> Portfolio:
    """Planned, disbursed and spent by source, department and year; the share of social capital;
    projects per cost-variance band and the largest overruns."""
    sources = {s.id: s for s in db.session.scalars(select(FundingSource)
                                                   .order_by(FundingSource.position))}
    departments = dict(db.session.execute(select(Department.id, Department.label_column())).all())
    result = Portfolio()
    for source in sources.values():
        result.by_source[source.name] = Totals()
    for (source_id, dept_id, line_year), (planned, disbursed, spent) in sorted(
            _cube(user, year, department_id).items()):
        groups = (result.total, result.by_source.setdefault(sources[source_id].name, Totals()),
                  result.by_department.setdefault(departments.get(dept_id, "?"), Totals()),
                  result.by_year.setdefault(line_year, Totals()))
        for totals in groups:
            totals.planned += planned
            totals.disbursed += disbursed
            totals.spent += spent
        if sources[source_id].social_capital:
            result.social_planned += planned
    result.by_department = dict(sorted(result.by_department.items(),
                                       key=lambda item: -item[1].planned))
    if variances:
        _variances(result, user, year, department_id, overrun_limit)
    return result


def cached_portfolio(user, year=None, department_id=None, variances=True) -> Portfolio:
    """portfolio() once per portfolio version, scope, filters and language (the execution
    page and its charts): a disbursement, an expenditure or a changed line moves the version,
    so the page never shows older figures than the database holds."""
    from core import summaries
    key = (summaries.user_scope(user), year, department_id, variances, summaries.language())
    return summaries.cached("budget_execution", key,
                            lambda: portfolio(user, year, department_id, variances=variances))


def _approved_projects(query, user, year, department_id):
    """Approved (or later) projects within the user's view and the filters."""
    query = query.where(Project.status.in_(APPROVED_OR_LATER))
    clause = scoping.clause(Project, user)
    if clause is not None:
        query = query.where(clause)
    if department_id:
        query = query.where(Project.department_id == department_id)
    if year:
        query = query.where(select(FundingLine.id).where(and_(
            FundingLine.project_id == Project.id, FundingLine.year == year)).exists())
    return query


def _variances(result, user, year, department_id, limit):
    """Projects per band and the largest overruns. A project without change requests has a
    forecast equal to its baseline (variance 0), so only projects with requests are computed."""
    changes = _change_sums().subquery()
    baseline = Project.budget_total - changes.c.rebased
    variance = (changes.c.rebased + changes.c.pending) * literal(1.0) / baseline
    size = func.abs(variance)
    band = case((size <= 0.10, "within_10"), (size <= 0.30, "10_30"), else_="over_30")
    changed = _approved_projects(
        select(Project.id, Project.code, Project.name, baseline.label("baseline"),
               (Project.budget_total + changes.c.pending).label("forecast"),
               variance.label("variance"), band.label("band"))
        .join(changes, changes.c.project_id == Project.id), user, year, department_id).subquery()
    approved = db.session.scalar(_approved_projects(
        select(func.count()).select_from(Project), user, year, department_id))
    result.bands = {key: 0 for key in BANDS}
    result.bands.update(dict(db.session.execute(
        select(changed.c.band, func.count()).group_by(changed.c.band)).all()))
    result.bands["within_10"] += approved - sum(result.bands.values())
    if limit:
        rows = db.session.execute(select(changed).where(changed.c.variance > 0.10)
                                  .order_by(changed.c.variance.desc()).limit(limit))
        result.overruns = [dict(row._mapping) for row in rows]


def project_rows(user, year=None, department_id=None):
    """Per visible project: budget, planned, disbursed, spent, baseline, forecast, variance,
    re-baselines (for exports), in one SQL statement."""
    lines = select(FundingLine.project_id, func.sum(FundingLine.amount).label("planned"),
                   func.sum(FundingLine.disbursed).label("disbursed"),
                   func.sum(FundingLine.spent).label("spent"))
    if year:
        lines = lines.where(FundingLine.year == year)
    lines = lines.group_by(FundingLine.project_id).subquery()
    changes = _change_sums().subquery()
    query = (select(Project.code, Project.name, Department.label_column(), Project.status,
                    Project.budget_total, func.coalesce(lines.c.planned, 0),
                    func.coalesce(lines.c.disbursed, 0), func.coalesce(lines.c.spent, 0),
                    func.coalesce(changes.c.rebased, 0), func.coalesce(changes.c.pending, 0),
                    func.coalesce(changes.c.rebaselines, 0))
             .join(Department, Project.department_id == Department.id)
             .outerjoin(lines, lines.c.project_id == Project.id)
             .outerjoin(changes, changes.c.project_id == Project.id)
             .order_by(Project.code))
    clause = scoping.clause(Project, user)
    if clause is not None:
        query = query.where(clause)
    if department_id:
        query = query.where(Project.department_id == department_id)
    if year:
        query = query.where(lines.c.planned.is_not(None))
    for code, name, dept, status, budget, pl, di, sp, rebased, pending, count in \
            db.session.execute(query):
        pl, di, sp = cents(pl), cents(di), cents(sp)
        approved = status in APPROVED_OR_LATER
        baseline = cents(budget) - cents(rebased) if approved else None
        forecast = cents(budget) + cents(pending)
        variance = ratio(forecast - baseline, baseline) if approved else None
        yield dict(code=code, name=name, department=dept, status=status, budget=budget,
                   planned=pl, disbursed=di, spent=sp, execution_rate=ratio(sp, pl),
                   baseline=baseline, forecast=forecast, cost_variance=variance,
                   band=band_of(variance), rebaselines=int(count))


def cost_variance_percent(project: Project, since=None):
    """The risk package's cost figure: signed percent over (or under) the approved baseline,
    None before approval. Funding figures have no windowed view, so `since` gives None."""
    if since is not None:
        return None
    variance = project_figures(project)["cost_variance"]
    return None if variance is None else variance * 100


def cost_variance_percents(projects, since=None) -> dict:
    """cost_variance_percent for many projects in one statement per 500 projects: the rating
    of a whole portfolio reads this (rows are only projects with change requests; the others
    have a forecast equal to their baseline)."""
    approved = [p for p in projects if p.status in APPROVED_OR_LATER]
    if since is not None:
        return {p.id: None for p in projects}
    result = {p.id: None for p in projects}
    result.update({p.id: Decimal("0") if p.budget_total else None for p in approved})
    by_id = {p.id: p for p in approved}
    ids = list(by_id)
    for start in range(0, len(ids), 500):
        for pid, rebased, pending, _count in db.session.execute(_change_sums().where(
                BudgetChange.project_id.in_(ids[start:start + 500]))):
            project = by_id[pid]
            baseline = project.budget_total - cents(rebased)
            forecast = project.budget_total + cents(pending)
            variance = ratio(forecast - baseline, baseline)
            result[pid] = None if variance is None else variance * 100
    return result
