"""The performance scorecard (绩效评估) per department and year: the Office's assessed scores
(信息公开, 网上办事, 公众参与, 网站建设), the indicators PlanGuard computes (reports.scorecard:
on-time milestones, budget execution, compliance pass rate, disclosure share), public
satisfaction (公众评价) and training (培训), weighted by EVALUATION_WEIGHTS (configuration).

Every indicator is a ratio 0..1: an assessed score / 100; public satisfaction (average rating -
1) / 4; people trained / TRAINING_TARGET_PEOPLE (at most 1); the pass rate passed / attendees.
The score is the weighted mean of the indicators a department has figures for, times 100
(missing figures neither help nor hurt). Computed indicators of a year are taken as of its
31 December (or today, for the current year).
"""
import datetime as dt
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core import clock, registry
from core.audit import AuditEvent
from core.extensions import db
from core.security import is_department_scoped
from evaluation.enums import ASSESSED_AREAS
from evaluation.models import DepartmentAssessment, PublicEvaluation, TrainingRecord
from evaluation.public import satisfaction_by_department
from evaluation.training import training_by_department
from plan.models import Department
from reports import scorecard as computed

INDICATORS = dict(ASSESSED_AREAS)
INDICATORS.update(computed.INDICATORS)
INDICATORS.update({"public_satisfaction": _l("Public satisfaction"),
                   "people_trained": _l("People trained"),
                   "training_pass_rate": _l("Training pass rate")})
GROUPS = (
    (_l("Assessed by the Office"), tuple(ASSESSED_AREAS)),
    (_l("Computed by PlanGuard"), tuple(computed.INDICATORS)),
    (_l("Public and training"), ("public_satisfaction", "people_trained", "training_pass_rate")),
)


@dataclass
class Card:
    department_id: int
    department: str
    year: int
    values: dict = field(default_factory=dict)  # indicator -> ratio 0..1 or None
    figures: dict = field(default_factory=dict)  # what the ratios were made of, for people
    score: float | None = None


def weights() -> dict:
    configured = current_app.config["EVALUATION_WEIGHTS"]
    return {k: float(configured.get(k, 0)) for k in INDICATORS}


def weighted_score(values: dict, weight: dict) -> float | None:
    known = {k: v for k, v in values.items() if v is not None and weight.get(k)}
    total = sum(weight[k] for k in known)
    return round(100 * sum(weight[k] * v for k, v in known.items()) / total, 1) if total else None


def _as_of(year: int, today: dt.date) -> dt.date:
    return min(dt.date(year, 12, 31), today)


def cards_for_year(year: int, user=None, today: dt.date | None = None,
                   department_id: int | None = None) -> list[Card]:
    """One card per department with figures in the year, best score first. A ProjectManager
    gets its own department's card only."""
    today = today or clock.today()
    if user is not None and is_department_scoped(user):
        department_id = user.department_id
    cards = _all_cards(year, today)
    return [c for c in cards if not department_id or c.department_id == department_id]


def _all_cards(year: int, today: dt.date) -> list[Card]:
    """Every department's card, computed once per year, day and state of the data: the key
    holds the head of the audit trail, which every change of a figure moves (a trend over the
    plan's years costs one computation per year, then one indexed query)."""
    head = tuple(db.session.execute(select(func.max(AuditEvent.id),
                                           func.max(AuditEvent.at))).one())
    cache = registry.registry().providers.setdefault("evaluation_scorecards", {})
    key = (year, today, head, tuple(sorted(weights().items())),
           str(Department.label_column()))  # the cards name departments in the UI's language
    if key not in cache:
        if len(cache) > 64:
            cache.clear()
        cache[key] = _compute(year, today)
    return cache[key]


def _compute(year: int, today: dt.date) -> list[Card]:
    names = dict(db.session.execute(select(Department.id, Department.label_column())).all())
    by_name = {name: dep for dep, name in db.session.execute(  # the computed cards' key
        select(Department.id, Department.name))}
    cards: dict[int, Card] = {}

    def card(dep):
        if dep not in cards:
            cards[dep] = Card(dep, names.get(dep, str(dep)), year)
        return cards[dep]

    for c in computed.department_scorecard(on=_as_of(year, today)):
        target = card(by_name[c.department])
        target.values.update(c.values)
        target.figures["projects"] = c.projects
    for item in db.session.scalars(select(DepartmentAssessment).where(
            DepartmentAssessment.year == year)):
        target = card(item.department_id)
        for key in ASSESSED_AREAS:
            target.values[key] = float(getattr(item, key)) / 100
        target.figures["assessment"] = {"assessed_by": item.assessed_by,
                                        "evidence_note": item.evidence_note or ""}
    for dep, (avg, count) in satisfaction_by_department(year).items():
        target = card(dep)
        target.values["public_satisfaction"] = (avg - 1) / 4
        target.figures["ratings"] = (count, round(avg, 2))
    goal = max(int(current_app.config["TRAINING_TARGET_PEOPLE"]), 1)
    for dep, (courses, hours, attendees, passed) in training_by_department(year).items():
        target = card(dep)
        target.values["people_trained"] = min(attendees / goal, 1.0)
        target.values["training_pass_rate"] = passed / attendees if attendees else None
        target.figures["training"] = (courses, hours, attendees, passed)
    weight = weights()
    for c in cards.values():
        c.score = weighted_score(c.values, weight)
    return sorted(cards.values(),
                  key=lambda c: (-(c.score if c.score is not None else -1), c.department))


def years_with_figures() -> list[int]:
    """Years with an assessment, a training course or a public rating, oldest first."""
    years = set(db.session.scalars(select(DepartmentAssessment.year).distinct()))
    years |= {int(y) for y in db.session.scalars(
        select(func.extract("year", TrainingRecord.held_on)).distinct()) if y is not None}
    years |= {int(y) for y in db.session.scalars(
        select(func.extract("year", PublicEvaluation.submitted_at)).distinct()) if y is not None}
    return sorted(years)


def trend(user=None, department_id: int | None = None, today: dt.date | None = None,
          limit: int = 8) -> tuple[list[int], dict]:
    """(years, {department name: [score per year or None]}) for the departments with the best
    latest score (at most `limit`), or the one department asked for."""
    years = years_with_figures() or [(today or clock.today()).year]
    series: dict[str, list] = {}
    for n, year in enumerate(years):
        for c in cards_for_year(year, user, today, department_id):
            series.setdefault(c.department, [None] * len(years))[n] = c.score
    latest = sorted(series, key=lambda name: -next(
        (v for v in reversed(series[name]) if v is not None), -1))
    return years, {name: series[name] for name in latest[:limit]}


def trend_png(years, series, title) -> bytes:
    from core.charts import plt, png_bytes
    figure, axes = plt.subplots(figsize=(7.5, 3.4))
    for name, values in series.items():  # years as categories: a gap of years stays narrow
        points = [(n, v) for n, v in enumerate(values) if v is not None]
        if points:
            axes.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=name)
    axes.set_xticks(range(len(years)))
    axes.set_xticklabels([str(y) for y in years])
    axes.set_ylim(0, 100)
    axes.set_ylabel(_("Score"))
    axes.set_title(title)
    if series:
        axes.legend(fontsize=8, loc="lower left", ncol=2)
    axes.grid(axis="y", alpha=0.3)
    axes.spines[["top", "right"]].set_visible(False)
    return png_bytes(figure)


def write_cards(target, cards: list[Card], year_label: str) -> None:
    """The scorecard as xlsx: one row per department and year, every indicator, the score, and
    the weights; text written as text."""
    import xlsxwriter
    book = xlsxwriter.Workbook(target, {"strings_to_formulas": False, "strings_to_urls": False})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    pct = book.add_format({"num_format": "0.0%"})
    sheet = book.add_worksheet(_("Performance scorecard")[:31])
    headers = [_("Year"), _("Department")] + [str(v) for v in INDICATORS.values()] + \
        [_("Score"), _("Evidence")]
    for col, header in enumerate(headers):
        sheet.write_string(0, col, header, head)
        sheet.set_column(col, col, 22 if col == 1 else 12)
    for row, c in enumerate(cards, start=1):
        sheet.write_number(row, 0, c.year)
        sheet.write_string(row, 1, c.department)
        for col, key in enumerate(INDICATORS, start=2):
            if c.values.get(key) is not None:
                sheet.write_number(row, col, c.values[key], pct)
        if c.score is not None:
            sheet.write_number(row, len(headers) - 2, c.score)
        assessment = c.figures.get("assessment")
        if assessment and assessment["evidence_note"]:
            sheet.write_string(row, len(headers) - 1, assessment["evidence_note"])
    note = len(cards) + 2
    sheet.write_string(note, 1, _("Weights"), head)
    for col, (key, value) in enumerate(weights().items(), start=2):
        sheet.write_number(note, col, value, pct)
    sheet.write_string(note + 1, 1, year_label)
    sheet.freeze_panes(1, 2)
    sheet.autofilter(0, 0, max(len(cards), 1), len(headers) - 1)
    book.close()
