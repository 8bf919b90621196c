"""The home page per role (issue 7): what the Office, a ProjectManager and an Auditor each need
first. HomeView calls `dashboard_for(user)`; the template reports/dashboard.html shows it and
the PNG charts come from DashboardView."""
import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import aliased, contains_eager

from core import clock, scoping
from core.extensions import db
from core.security import AUDITOR, OFFICE, PROJECT_MANAGER, has_role, is_department_scoped
from projects import enums as s
from projects.guard.models import DuplicateCheck
from projects.models import Project, Review
from projects.schedule import findings
from projects.schedule.enums import OPEN_MILESTONE
from projects.schedule.models import AuditFinding, Milestone


def _visible(query, user):
    clause = scoping.clause(Project, user)
    return query if clause is None else query.where(clause)


def office_dashboard(user) -> dict:
    from reports.coverage import coverage_headline
    waiting_now = Project.status.in_((s.SUBMITTED, s.IN_REVIEW))
    # the oldest eight by id first (a narrow sort of the waiting projects), then their rows
    first = list(db.session.scalars(
        select(Project.id).where(waiting_now)
        .order_by(Project.submitted_at.is_(None), Project.submitted_at, Project.code).limit(8)))
    rows = {p.id: p for p in db.session.scalars(select(Project).where(Project.id.in_(first)))}
    queue = [rows[pid] for pid in first]
    waiting = db.session.scalar(select(func.count()).select_from(Project).where(waiting_now))
    # each waiting project's latest check (an index lookup each), not every project's
    other = aliased(DuplicateCheck)
    latest = (select(func.max(other.id)).where(other.project_id == Project.id)
              .correlate(Project).scalar_subquery())
    flagged_where = (DuplicateCheck.flagged > 0, waiting_now)
    best = db.session.execute(
        select(Project.id, DuplicateCheck.flagged)
        .join(DuplicateCheck, DuplicateCheck.id == latest)
        .where(*flagged_where)
        .order_by(DuplicateCheck.top_score.desc(), Project.code).limit(8)).all()
    flagged_total, flagged_threshold = db.session.execute(
        select(func.count(), func.min(DuplicateCheck.threshold))
        .select_from(Project).join(DuplicateCheck, DuplicateCheck.id == latest)
        .where(*flagged_where)).one()
    rows = {p.id: p for p in db.session.scalars(select(Project).where(
        Project.id.in_([pid for pid, _n in best])))} if best else {}
    flagged = [(rows[pid], count) for pid, count in best]
    coverage = coverage_headline(user)
    escalations, escalation_total = _overdue_findings(user, 8)
    return {"role": "office", "queue": queue, "waiting": waiting, "flagged": flagged,
            "flagged_total": flagged_total, "flagged_threshold": flagged_threshold,
            "tasks": coverage["tasks"], "uncovered": coverage["uncovered"][:10],
            "uncovered_count": len(coverage["uncovered"]),
            "escalations": escalations, "escalation_total": escalation_total}


def _overdue_findings(user, limit) -> tuple[list, int]:
    """The first `limit` rectifications past their deadline (with their projects), and how
    many there are."""
    query = _visible(select(AuditFinding).join(Project, Project.id == AuditFinding.project_id)
                     .where(findings.overdue_clause()), user)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    shown = db.session.scalars(query.options(contains_eager(AuditFinding.project))
                               .order_by(AuditFinding.deadline).limit(limit)).all()
    return shown, total


def manager_dashboard(user) -> dict:
    own = Project.department_id == user.department_id
    returned = db.session.execute(
        select(Project, func.max(Review.decided_at))
        .outerjoin(Review, (Review.project_id == Project.id) & (Review.decision == "return"))
        .where(own, Project.status == s.RETURNED).group_by(Project.id)
        .order_by(Project.code).limit(10)).all()
    returned_total = db.session.scalar(select(func.count()).select_from(Project).where(
        own, Project.status == s.RETURNED))
    comments = dict(db.session.execute(
        select(Review.project_id, Review.comments).where(
            Review.decision == "return",
            Review.project_id.in_([p.id for p, _at in returned]))).all())
    today = clock.today()
    deadlines = db.session.scalars(
        select(Milestone).join(Project, Project.id == Milestone.project_id)
        .where(own, Milestone.status.in_(OPEN_MILESTONE),
               Milestone.planned_date <= today + dt.timedelta(days=60))
        .order_by(Milestone.planned_date).limit(10)).all()
    return {"role": "manager", "returned": returned, "returned_total": returned_total,
            "comments": comments,
            "deadlines": deadlines, "today": today}


def auditor_dashboard(user) -> dict:
    findings = db.session.scalars(
        select(AuditFinding).where(AuditFinding.status != "closed")
        .order_by(AuditFinding.deadline).limit(10)).all()
    open_count = db.session.scalar(select(func.count()).select_from(AuditFinding).where(
        AuditFinding.status != "closed"))
    return {"role": "auditor", "findings": findings, "open_findings": open_count,
            "today": clock.today()}


def dashboard_for(user) -> list[dict]:
    """The dashboards of the user's roles (an Admin sees the Office's)."""
    if user is None:
        return []
    boards = []
    if has_role(user, OFFICE, "Admin"):
        boards.append(office_dashboard(user))
    if is_department_scoped(user) and user.department_id and has_role(user, PROJECT_MANAGER):
        boards.append(manager_dashboard(user))
    if has_role(user, AUDITOR):
        boards.append(auditor_dashboard(user))
    return boards
