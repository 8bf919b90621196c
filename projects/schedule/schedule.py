"""The schedule: overdue milestones, schedule variance against the baseline, upcoming
deadlines, and re-baselines that the Office approves (DESIGN §2 Milestone, Rating)."""
import datetime as dt
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, func, select
from sqlalchemy.orm import contains_eager

from core import clock, scoping
from core.audit import current_actor, utcnow
from core.errors import Conflict, NotAllowed, ValidationFailed
from core.extensions import db
from core.security import OFFICE, has_role
from core.sqlhints import rare
from projects.models import Project
from projects.schedule.enums import APPROVED, CANCELLED, DONE, OPEN_MILESTONE, PENDING, REJECTED
from projects.schedule.models import Milestone, Rebaseline
from projects.schedule.services import ensure_may_keep_milestones


def grace_days() -> int:
    return int(current_app.config["MILESTONE_GRACE_DAYS"])


def is_overdue(milestone: Milestone, on: dt.date | None = None) -> bool:
    """A milestone not reached more than MILESTONE_GRACE_DAYS after its planned date."""
    on = on or clock.today()
    return milestone.status in OPEN_MILESTONE and \
        milestone.planned_date + dt.timedelta(days=grace_days()) < on


def _visible(query, user):
    clause = scoping.clause(Project, user)
    return query if clause is None else query.where(clause)


def overdue_milestones_query(user, on: dt.date | None = None, department_id=None, q: str = ""):
    """A SELECT of the milestones the user may see that are overdue on `on`, the longest
    overdue first (walks the planned_date index), projects loaded with them."""
    from core.paging import like_pattern
    on = on or clock.today()
    cutoff = on - dt.timedelta(days=grace_days())
    query = (select(Milestone).join(Project, Milestone.project_id == Project.id)
             .where(Milestone.status.in_(OPEN_MILESTONE), rare(Milestone.planned_date < cutoff))
             .options(contains_eager(Milestone.project))
             .order_by(Milestone.planned_date, Milestone.id))
    if department_id is not None:
        query = query.where(Project.department_id == department_id)
    if q:
        pattern = like_pattern(q)
        query = query.where(Project.code.like(pattern, escape="\\")
                            | Project.name.like(pattern, escape="\\"))
    return _visible(query, user)


def overdue_count_query(user, on: dt.date | None = None, department_id=None, q: str = ""):
    """The rows of overdue_milestones_query, counted without the project join when nothing
    asks for the project (the Office's whole portfolio: a covering index range)."""
    if department_id is not None or q or scoping.clause(Project, user) is not None:
        return None
    cutoff = (on or clock.today()) - dt.timedelta(days=grace_days())
    return select(Milestone.id).where(Milestone.status.in_(OPEN_MILESTONE),
                                      Milestone.planned_date < cutoff)


def overdue_milestones(user, on: dt.date | None = None, department_id=None, limit=None):
    """Milestones the user may see that are overdue on `on`, the longest overdue first."""
    query = overdue_milestones_query(user, on, department_id)
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def upcoming_milestones(user, on: dt.date | None = None, days: int = 30, department_id=None):
    """Open milestones due from `on` to `days` later, soonest first."""
    on = on or clock.today()
    query = (select(Milestone).join(Project, Milestone.project_id == Project.id)
             .where(Milestone.status.in_(OPEN_MILESTONE),
                    Milestone.planned_date.between(on, on + dt.timedelta(days=days)))
             .order_by(Milestone.planned_date, Milestone.id))
    if department_id is not None:
        query = query.where(Project.department_id == department_id)
    return list(db.session.scalars(_visible(query, user)))


# --- variance -------------------------------------------------------------------------------

@dataclass
class Variance:
    project_id: int
    days: int | None  # positive: behind the baseline
    percent: float | None  # days as a share of the planned project duration
    overdue: int
    rebaselines: int


def slip_days(planned: dt.date, baseline: dt.date, actual: dt.date | None, status: str,
              on: dt.date) -> int:
    """How far a milestone is from its baseline: reached on the actual date, or expected on
    its planned date, and not before today if it is still open."""
    if status == DONE and actual is not None:
        forecast = actual
    else:
        forecast = max(planned, on)
    return (forecast - baseline).days


def variance_of(start: dt.date, end: dt.date, rows, on: dt.date, rebaselines: int = 0,
                project_id=None) -> Variance:
    """Schedule variance of one project from its milestones' (planned, baseline, actual,
    status) rows: the largest slip in days, and that slip as a percent of the planned
    duration from start to end. Cancelled milestones do not count."""
    rows = [r for r in rows if r[3] != CANCELLED]
    grace = dt.timedelta(days=grace_days())
    overdue = sum(1 for p, _b, _a, status in rows if status in OPEN_MILESTONE and p + grace < on)
    if not rows:
        return Variance(project_id, None, None, 0, rebaselines)
    days = max(slip_days(p, b, a, st, on) for p, b, a, st in rows)
    duration = max((end - start).days, 1)
    return Variance(project_id, days, round(100.0 * days / duration, 1), overdue, rebaselines)


def project_variance(project: Project, on: dt.date | None = None) -> Variance:
    rows = [(m.planned_date, m.baseline_date, m.actual_date, m.status) for m in project.milestones]
    return variance_of(project.start_date, project.end_date, rows, on or clock.today(),
                       rebaseline_count(project.id), project.id)


def portfolio_variance(user, on: dt.date | None = None, department_id=None):
    """(project, Variance) for every project with milestones the user may see, the largest
    variance first; one query for the milestones, one for the re-baseline counts."""
    on = on or clock.today()
    projects = select(Project).where(Project.milestones.any())
    if department_id is not None:
        projects = projects.where(Project.department_id == department_id)
    projects = {p.id: p for p in db.session.scalars(_visible(projects, user))}
    rows: dict[int, list] = {}
    ms = select(Milestone.project_id, Milestone.planned_date, Milestone.baseline_date,
                Milestone.actual_date, Milestone.status).join(
        Project, Milestone.project_id == Project.id)
    if department_id is not None:
        ms = ms.where(Project.department_id == department_id)
    for pid, *row in db.session.execute(_visible(ms, user)):
        rows.setdefault(pid, []).append(tuple(row))
    counts = dict(db.session.execute(
        select(Rebaseline.project_id, func.count()).where(Rebaseline.status == APPROVED)
        .group_by(Rebaseline.project_id)).all())
    result = [(p, variance_of(p.start_date, p.end_date, rows.get(pid, []), on,
                              counts.get(pid, 0), pid)) for pid, p in projects.items()]
    return sorted(result, key=lambda pv: (-(pv[1].days or 0), pv[0].code))


@dataclass(frozen=True)
class VarianceRow:
    """A project's variance in a cached summary: plain data, no ORM object."""
    project_id: int
    code: str
    name: str
    department_id: int
    variance: Variance


def variance_summary(user, on: dt.date | None = None, department_id=None) -> list[VarianceRow]:
    """portfolio_variance as plain rows, computed once per portfolio version, day and scope
    (core.summaries): the variance page slices it."""
    from core import summaries
    from core.security import is_department_scoped
    on = on or clock.today()
    scope = user.department_id if user is not None and is_department_scoped(user) else None

    def compute():
        projects = select(Project.id, Project.code, Project.name, Project.department_id,
                          Project.start_date, Project.end_date).where(Project.milestones.any())
        if department_id is not None:
            projects = projects.where(Project.department_id == department_id)
        projects = list(db.session.execute(_visible(projects, user)))
        rows: dict[int, list] = {}
        ms = select(Milestone.project_id, Milestone.planned_date, Milestone.baseline_date,
                    Milestone.actual_date, Milestone.status).join(
            Project, Milestone.project_id == Project.id)
        if department_id is not None:
            ms = ms.where(Project.department_id == department_id)
        for pid, *row in db.session.execute(_visible(ms, user)):
            rows.setdefault(pid, []).append(tuple(row))
        counts = dict(db.session.execute(
            select(Rebaseline.project_id, func.count()).where(Rebaseline.status == APPROVED)
            .group_by(Rebaseline.project_id)).all())
        result = [VarianceRow(p.id, p.code, p.name, p.department_id, variance_of(
            p.start_date, p.end_date, rows.get(p.id, []), on, counts.get(p.id, 0), p.id))
            for p in projects]
        return sorted(result, key=lambda r: (-(r.variance.days or 0), r.code))
    return summaries.cached("schedule_variance", (on, scope, department_id, grace_days()),
                            compute)


# --- re-baseline ----------------------------------------------------------------------------

def rebaseline_count(project_id: int) -> int:
    """How many times the project's baseline was changed with the Office's approval."""
    return db.session.scalar(select(func.count()).select_from(Rebaseline).where(and_(
        Rebaseline.project_id == project_id, Rebaseline.status == APPROVED))) or 0


def request_rebaseline(project: Project, reason: str, user=None) -> Rebaseline:
    """The department asks to make its current planned dates the baseline, saying why. The
    dates asked for are frozen in the request; one request waits at a time."""
    ensure_may_keep_milestones(user, project)
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationFailed(_("Say why the baseline should change."),
                               {"reason": _("This field is required.")})
    if db.session.scalar(select(Rebaseline.id).where(
            Rebaseline.project_id == project.id, Rebaseline.status == PENDING)):
        raise Conflict(_("A re-baseline of this project is already awaiting the Office."))
    proposed = {str(m.id): m.planned_date.isoformat() for m in project.milestones
                if m.status != CANCELLED and m.planned_date != m.baseline_date}
    if not proposed:
        raise ValidationFailed(_("The planned dates equal the baseline: move planned dates "
                                 "first, then ask for a re-baseline."))
    request = Rebaseline(project=project, reason=reason, proposed=proposed, status=PENDING,
                         requested_by=user.username if user else current_actor())
    db.session.add(request)
    db.session.flush()
    return request


def decide_rebaseline(request: Rebaseline, approve: bool, comment: str = "",
                      user=None) -> Rebaseline:
    """The Office approves (the frozen dates become the baseline) or rejects (with a
    comment) a pending re-baseline."""
    if user is not None and not has_role(user, OFFICE):
        raise NotAllowed(_("Only the Office approves a re-baseline."))
    if request.status != PENDING:
        raise Conflict(_("This re-baseline has been decided already."))
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationFailed(_("Say why the re-baseline is rejected."),
                               {"comment": _("This field is required.")})
    if approve:
        by_id = {m.id: m for m in request.project.milestones}
        for milestone_id, day in request.proposed.items():
            milestone = by_id.get(int(milestone_id))
            if milestone is not None:
                milestone.baseline_date = dt.date.fromisoformat(day)
    request.status = APPROVED if approve else REJECTED
    request.decided_by = user.username if user else current_actor()
    request.decided_at = utcnow()
    request.decision_comment = comment or None
    db.session.flush()
    return request
