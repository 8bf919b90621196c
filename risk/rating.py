"""The project rating (风险评级): computed from evidence by the rules in risk.scoring, for the
project's whole life (cumulative) and for the last six months (recent: open milestones and
those reached in the window, so that a slip recovered long ago no longer weighs, while
cumulative variance cannot hide a recent one; open risks and findings count in both), shown beside the Office's manual rating, whose override needs a reason. Computed
ratings are recorded when they change (`flask risk refresh`), manual ones when given."""
import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from core import clock, scoping
from core.audit import current_actor
from core.errors import NotAllowed, ValidationFailed
from core.extensions import db
from core.security import OFFICE, has_role
from projects.models import Project
from projects.schedule import schedule
from projects.schedule.enums import OPEN as FINDING_OPEN
from projects.schedule.enums import OPEN_MILESTONE
from projects.schedule.models import AuditFinding, Milestone
from projects.schedule.rules import add_months
from core.schemas import parse
from risk import costs, scoring
from risk.enums import ACTIVE
from risk.models import RatingEntry, Risk
from risk.schemas import ManualRatingSchema
from risk.system import WATCHED

CUMULATIVE, RECENT = "cumulative", "recent"


def window_start(on: dt.date) -> dt.date:
    return add_months(on, -int(scoring.load_rules()["rating"]["recent_months"]))


@dataclass
class ProjectRating:
    project: Project
    cumulative: scoring.Rating
    recent: scoring.Rating
    manual: RatingEntry | None

    @property
    def worst(self) -> int:
        values = [self.cumulative.rating, self.recent.rating]
        if self.manual is not None:
            values.append(self.manual.rating)
        return min(values)


def _counts(query) -> dict:
    return dict(db.session.execute(query).all())


def evidence_for(projects: list[Project], on: dt.date) -> dict:
    """(cumulative, recent) Evidence per project id, from a few queries for all of them."""
    ids = [p.id for p in projects]
    start = window_start(on)
    rows: dict[int, list] = {}
    for pid, *row in db.session.execute(select(
            Milestone.project_id, Milestone.planned_date, Milestone.baseline_date,
            Milestone.actual_date, Milestone.status).where(Milestone.project_id.in_(ids))):
        rows.setdefault(pid, []).append(tuple(row))
    counted = scoring.load_rules()["rating"]["not_counted_as_risks"]
    high = (Risk.status.in_(ACTIVE), Risk.score >= scoring.high_score_floor(),
            Risk.project_id.in_(ids), Risk.cause.is_(None) | Risk.cause.not_in(counted))
    risks_all = _counts(select(Risk.project_id, func.count()).where(*high)
                        .group_by(Risk.project_id))
    open_findings = (AuditFinding.status == FINDING_OPEN, AuditFinding.project_id.in_(ids))
    findings_all = _counts(select(AuditFinding.project_id, func.count()).where(*open_findings)
                           .group_by(AuditFinding.project_id))
    costs_all = costs.cost_variances(projects)
    costs_recent = costs.cost_variances(projects, since=start)
    result = {}
    for p in projects:
        mine = rows.get(p.id, [])
        # recent: what is still open, and milestones reached within the window; a slip
        # recovered before the window no longer weighs on the project
        recent_rows = [r for r in mine if r[3] in OPEN_MILESTONE or
                       (r[2] is not None and start <= r[2] <= on)]
        views = []
        for window_rows, risks, findings, cost in (
                (mine, risks_all, findings_all, costs_all[p.id]),
                (recent_rows, risks_all, findings_all, costs_recent[p.id])):
            variance = schedule.variance_of(p.start_date, p.end_date, window_rows, on)
            views.append(scoring.Evidence(
                cost_percent=cost,
                cost_available=costs.cost_rule_active(),
                schedule_percent=variance.percent, schedule_days=variance.days,
                open_high_risks=risks.get(p.id, 0), overdue_milestones=variance.overdue,
                open_audit_findings=findings.get(p.id, 0)))
        result[p.id] = tuple(views)
    return result


def latest_manual(project_ids: list[int]) -> dict[int, RatingEntry]:
    newest = select(RatingEntry.project_id, func.max(RatingEntry.id).label("id")).where(
        RatingEntry.kind == "manual", RatingEntry.project_id.in_(project_ids)).group_by(
        RatingEntry.project_id).subquery()
    return {e.project_id: e for e in db.session.scalars(
        select(RatingEntry).join(newest, RatingEntry.id == newest.c.id))}


def rate_projects(projects: list[Project], on: dt.date | None = None) -> list[ProjectRating]:
    on = on or clock.today()
    out = []
    for start in range(0, len(projects), 1000):
        chunk = projects[start:start + 1000]
        evidence = evidence_for(chunk, on)
        manual = latest_manual([p.id for p in chunk])
        for p in chunk:
            cumulative, recent = evidence[p.id]
            out.append(ProjectRating(p, scoring.rate(cumulative), scoring.rate(recent),
                                     manual.get(p.id)))
    return out


def project_rating(project: Project, on: dt.date | None = None) -> ProjectRating:
    return rate_projects([project], on)[0]


def rated_projects(user, department_id=None):
    """Projects that get a rating: approved until evaluated, that the user may see."""
    query = select(Project).where(Project.status.in_(WATCHED)).order_by(Project.code)
    if department_id is not None:
        query = query.where(Project.department_id == department_id)
    clause = scoping.clause(Project, user)
    return list(db.session.scalars(query if clause is None else query.where(clause)))


# --- manual rating and history --------------------------------------------------------------

def set_manual_rating(project: Project, raw: dict, user=None) -> RatingEntry:
    """The Office overrides the rating with its own judgement (1-5) and must say why."""
    if user is not None and not has_role(user, OFFICE):
        raise NotAllowed(_("Only the Office gives a manual rating."))
    data = parse(ManualRatingSchema(), raw, _("The rating has invalid fields."))
    errors = {}
    if data["rating"] not in range(1, 6):
        errors["rating"] = _("Give a whole number from 1 to 5.")
    reason = (data.get("reason") or "").strip()
    if len(reason) < 4:
        errors["reason"] = _("Say why the rating differs from the evidence.")
    if errors:
        raise ValidationFailed(_("A manual rating needs a rating from 1 to 5 and a reason."),
                               errors)
    record_computed(project)
    entry = RatingEntry(project=project, kind="manual", span=CUMULATIVE,
                        rating=data["rating"], reason=reason,
                        rated_by=user.username if user else current_actor())
    db.session.add(entry)
    db.session.flush()
    return entry


def latest_computed(project_ids: list[int]) -> dict[tuple[int, str], int]:
    """(project id, window) -> the last recorded computed rating."""
    newest = select(func.max(RatingEntry.id)).where(
        RatingEntry.kind == "computed", RatingEntry.project_id.in_(project_ids)).group_by(
        RatingEntry.project_id, RatingEntry.span)
    return {(e.project_id, e.span): e.rating for e in db.session.scalars(
        select(RatingEntry).where(RatingEntry.id.in_(newest)))}


def record_computed(project: Project, on: dt.date | None = None,
                    rated: ProjectRating | None = None, last: dict | None = None) -> int:
    """Keep the computed ratings' history: a row per window whose rating changed since the
    last recorded one. Returns the number of rows added."""
    rated = rated or project_rating(project, on)
    last = latest_computed([project.id]) if last is None else last
    added = 0
    for window, rating in ((CUMULATIVE, rated.cumulative), (RECENT, rated.recent)):
        if last.get((project.id, window)) == rating.rating:
            continue
        db.session.add(RatingEntry(project_id=project.id, kind="computed", span=window,
                                   rating=rating.rating, contributions=rating.as_json(),
                                   rated_by=current_actor()))
        added += 1
    if added:
        db.session.flush()
    return added


def record_all(on: dt.date | None = None) -> int:
    """Record changed computed ratings of every rated project (`flask risk refresh`)."""
    added = 0
    rated = rate_projects(rated_projects(None), on)
    for start in range(0, len(rated), 1000):
        chunk = rated[start:start + 1000]
        last = latest_computed([r.project.id for r in chunk])
        for r in chunk:
            added += record_computed(r.project, on, r, last)
    return added


def rating_history(project: Project) -> list[RatingEntry]:
    return list(db.session.scalars(select(RatingEntry).where(
        RatingEntry.project_id == project.id).order_by(RatingEntry.id.desc())))


# --- escalation -----------------------------------------------------------------------------

def escalation(user, on: dt.date | None = None) -> dict:
    """The Office's escalation list: open risks scoring at or above the threshold (15), and
    projects rated at or below the threshold (2) by the rules (either view) or by hand.
    Everything at once, for exports; pages use escalated_projects and escalated_risks."""
    rules = scoring.load_rules()["escalation"]
    rows = escalated_projects(user, on)
    projects = _projects_by_id([r.project_id for r in rows])
    return {"risks": list(db.session.scalars(escalated_risks(user))),
            "projects": [EscalatedProject(r, projects[r.project_id]) for r in rows],
            "score_at_least": rules["score_at_least"], "rating_at_most": rules["rating_at_most"]}


@dataclass(frozen=True)
class Escalated:
    """An escalated project in a cached summary: plain data, no ORM object."""
    project_id: int
    code: str
    name: str
    department_id: int
    worst: int
    cumulative: int
    recent: int
    manual: int | None
    manual_reason: str | None
    contributions: tuple  # (key, value, points) of the cumulative view


class EscalatedProject:
    """An Escalated row with its Project loaded for the page (the shape templates use)."""

    def __init__(self, row: Escalated, project: Project):
        self.row, self.project = row, project
        self.cumulative = _Shown(row.cumulative, row.contributions)
        self.recent = _Shown(row.recent, ())
        self.manual = _Shown(row.manual, (), row.manual_reason) if row.manual else None


@dataclass
class _Shown:
    rating: int
    raw: tuple
    reason: str | None = None

    @property
    def contributions(self):
        return [scoring.Contribution(key, value, None, points) for key, value, points in self.raw]


def _projects_by_id(ids) -> dict:
    return {p.id: p for p in db.session.scalars(select(Project).where(Project.id.in_(ids)))} \
        if ids else {}


def escalated_projects(user, on: dt.date | None = None) -> list[Escalated]:
    """Projects rated at or below the escalation threshold, worst first: rating every watched
    project takes seconds at 20,000 projects, so the list is a summary cached per portfolio
    version, day, scope and cost provider (core.summaries)."""
    from core import summaries
    from core.security import is_department_scoped
    on = on or clock.today()
    scope = user.department_id if user is not None and is_department_scoped(user) else None
    return summaries.cached("escalated_projects", (on, scope, id(costs.current_provider())),
                            lambda: _escalated(user, on))


def _escalated(user, on) -> list[Escalated]:
    limit = scoring.load_rules()["escalation"]["rating_at_most"]
    query = select(Project.id, Project.code, Project.name, Project.department_id,
                   Project.status, Project.start_date, Project.end_date, Project.budget_total) \
        .where(Project.status.in_(WATCHED)).order_by(Project.code)
    clause = scoping.clause(Project, user)
    projects = list(db.session.execute(query if clause is None else query.where(clause)))
    out = []
    for r in rate_projects(projects, on):
        if r.worst > limit:
            continue
        p = r.project
        out.append(Escalated(p.id, p.code, p.name, p.department_id, r.worst,
                             r.cumulative.rating, r.recent.rating,
                             r.manual.rating if r.manual else None,
                             r.manual.reason if r.manual else None,
                             tuple((c.key, c.value, c.points)
                                   for c in r.cumulative.contributions if c.points)))
    out.sort(key=lambda e: (e.worst, e.cumulative, e.code))
    return out


def escalated_risks(user, department_id=None, q: str = ""):
    """A SELECT of the open risks at or above the escalation score, highest first."""
    from core.paging import like_pattern
    from risk.services import risk_query
    floor = scoring.load_rules()["escalation"]["score_at_least"]
    query = risk_query(user, active_only=True).where(Risk.score >= floor)
    if department_id:
        query = query.where(Project.department_id == department_id)
    if q:
        pattern = like_pattern(q)
        query = query.where(Project.code.like(pattern, escape="\\")
                            | Project.name.like(pattern, escape="\\"))
    return query.options(contains_eager(Risk.project)).order_by(
        Risk.score.desc(), Project.code, Risk.id)
