"""Department scorecard (绩效评估 记分卡): indicators PlanGuard holds, weighted by
SCORECARD_WEIGHTS (configuration), per department.

- on_time_milestones: milestones reached by their baseline date plus the grace days, out of
  those reached plus those still open past it;
- budget_execution: spent out of the funding plan of approved projects (执行率);
- compliance_pass_rate: passes out of passes and failures over every applicable rule;
- disclosure_share: approved projects on the public page (not withheld, 不予公开) whose public
  record is complete (description, and the contractor once construction started) out of all
  approved projects.
The score is the weighted mean of the indicators a department has figures for, times 100.
"""
import datetime as dt
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select

from budgets.models import FundingLine
from core import clock
from core.extensions import db
from plan.models import Department
from projects import enums as s
from projects.models import Project
from projects.schedule.enums import DONE, OPEN_MILESTONE
from projects.schedule.models import Milestone
from reports.rules import FAIL, PASS, Filters, evaluate_cached

INDICATORS = {
    "on_time_milestones": _l("On-time milestones"),
    "budget_execution": _l("Budget execution"),
    "compliance_pass_rate": _l("Compliance pass rate"),
    "disclosure_share": _l("Approved projects disclosed"),
}


@dataclass
class Card:
    department: str
    projects: int = 0
    values: dict = field(default_factory=dict)  # indicator -> ratio 0..1 or None
    score: float | None = None


def weights() -> dict:
    configured = current_app.config["SCORECARD_WEIGHTS"]
    return {k: float(configured.get(k, 0)) for k in INDICATORS}


def _ratio(part, whole):
    return float(part) / float(whole) if whole else None


def department_scorecard(on: dt.date | None = None, user=None) -> list[Card]:
    """One card per department with projects, best score first."""
    on = on or clock.today()
    grace = dt.timedelta(days=int(current_app.config["MILESTONE_GRACE_DAYS"]))
    cards = {dep_id: Card(name) for dep_id, name in db.session.execute(
        select(Department.id, Department.name))}
    for dep_id, count in db.session.execute(
            select(Project.department_id, func.count()).group_by(Project.department_id)):
        cards[dep_id].projects = count
    # SQLite stores dates as text: compare with the grace shift done in Python via the cutoff
    # for open milestones; reached milestones compare actual against baseline + grace days.
    on_time = and_(Milestone.status == DONE,
                   Milestone.actual_date <= func.coalesce(Milestone.baseline_date,
                                                          Milestone.planned_date))
    late_open = and_(Milestone.status.in_(OPEN_MILESTONE),
                     Milestone.planned_date < on - grace)
    for dep_id, good, judged in db.session.execute(
            select(Project.department_id, func.sum(case((on_time, 1), else_=0)),
                   func.sum(case((or_(Milestone.status == DONE, late_open), 1), else_=0)))
            .join(Project, Project.id == Milestone.project_id)
            .group_by(Project.department_id)):
        cards[dep_id].values["on_time_milestones"] = _ratio(good or 0, judged or 0)
    for dep_id, planned, spent in db.session.execute(
            select(Project.department_id, func.sum(FundingLine.amount),
                   func.sum(FundingLine.spent))
            .join(Project, Project.id == FundingLine.project_id)
            .where(Project.status.in_(s.APPROVED_OR_LATER)).group_by(Project.department_id)):
        cards[dep_id].values["budget_execution"] = _ratio(spent or 0, planned or 0)
    complete = and_(Project.withheld.is_(False),
                    func.coalesce(func.trim(Project.description), "") != "",
                    or_(Project.status == s.APPROVED,
                        func.coalesce(func.trim(Project.contractor), "") != ""))
    for dep_id, done, total in db.session.execute(
            select(Project.department_id, func.sum(case((complete, 1), else_=0)), func.count())
            .where(Project.status.in_(s.APPROVED_OR_LATER)).group_by(Project.department_id)):
        cards[dep_id].values["disclosure_share"] = _ratio(done or 0, total)
    _compliance(cards, on, user)
    weight = weights()
    for card in cards.values():
        known = {k: v for k, v in card.values.items() if v is not None and weight.get(k)}
        total = sum(weight[k] for k in known)
        card.score = round(100 * sum(weight[k] * v for k, v in known.items()) / total, 1) \
            if total else None
    return sorted((c for c in cards.values() if c.projects),
                  key=lambda c: (-(c.score or 0), c.department))


def cached_scorecard(on: dt.date | None = None) -> list[Card]:
    """department_scorecard() once per portfolio version, day, weights and rules (the page)."""
    from core import summaries
    from reports.rules import load_rules, registered_checks
    on = on or clock.today()
    key = (on, tuple(sorted(weights().items())), id(load_rules()),
           tuple((k, id(v)) for k, v in sorted(registered_checks().items())),
           current_app.config["MILESTONE_GRACE_DAYS"])
    return summaries.cached("scorecard", key, lambda: department_scorecard(on))


def _compliance(cards, on, user):
    result = evaluate_cached(Filters(user=user), on)
    dep_of = {pid: dep for pid, _c, _n, dep, _s in result.projects}
    by_name = {c.department: c for c in cards.values()}
    tally = {}
    for values in result.outcomes.values():
        for pid, outcome in values.items():
            entry = tally.setdefault(dep_of[pid], [0, 0])
            entry[0 if outcome == PASS else 1] += outcome in (PASS, FAIL)
    for dep, (passed, failed) in tally.items():
        by_name[dep].values["compliance_pass_rate"] = _ratio(passed, passed + failed)


def write_scorecard(target, cards: list[Card]) -> None:
    import xlsxwriter
    book = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_formulas": False})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    pct = book.add_format({"num_format": "0.0%"})
    sheet = book.add_worksheet(_("Scorecard"))
    headers = [_("Department"), _("Projects")] + [str(v) for v in INDICATORS.values()] + \
        [_("Score")]
    for col, header in enumerate(headers):
        sheet.write_string(0, col, header, head)
        sheet.set_column(col, col, 22 if col == 0 else 14)
    for row, card in enumerate(cards, start=1):
        sheet.write_string(row, 0, card.department)
        sheet.write_number(row, 1, card.projects)
        for col, key in enumerate(INDICATORS, start=2):
            if card.values.get(key) is not None:
                sheet.write_number(row, col, card.values[key], pct)
        if card.score is not None:
            sheet.write_number(row, len(headers) - 1, card.score)
    weight = weights()
    note = len(cards) + 2
    sheet.write_string(note, 0, _("Weights"), head)
    for col, key in enumerate(INDICATORS, start=2):
        sheet.write_number(note, col, weight[key], pct)
    sheet.freeze_panes(1, 1)
    sheet.autofilter(0, 0, max(len(cards), 1), len(headers) - 1)
    if cards:
        chart = book.add_chart({"type": "bar"})
        name = sheet.get_name()
        chart.add_series({"name": _("Score"), "categories": [name, 1, 0, len(cards), 0],
                          "values": [name, 1, len(headers) - 1, len(cards), len(headers) - 1],
                          "fill": {"color": "#2E75B6"}})
        chart.set_title({"name": _("Department scorecard")})
        chart.set_legend({"none": True})
        chart.set_size({"width": 620, "height": 40 + 22 * len(cards)})
        sheet.insert_chart(1, len(headers) + 1, chart)
    book.close()
