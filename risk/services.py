"""The risk register's rules: who sees and keeps which risks, what a valid risk is, its
history, and reviews that are due. Views, API, CLI and demo call these; `user=None` is the
system itself (CLI, seeding, the system-risk rules)."""
import datetime as dt

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect, select

from core import clock, scoping
from core.audit import AuditEvent, current_actor, utcnow
from core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from core.extensions import db
from core.schemas import parse
from core.security import is_department_scoped
from projects.enums import CLOSED as PROJECT_CLOSED
from projects.models import Project
from projects.scopes import find_visible_project
from risk import scoring
from risk.enums import ACTIVE, CATEGORIES, CLOSED, OPEN, STATUSES
from risk.models import Risk
from risk.schemas import RiskInputSchema, RiskUpdateSchema

_INVALID = _l("The risk has invalid fields.")
FIELDS = ("category", "title", "description", "likelihood", "impact", "owner", "mitigation",
          "status", "next_review")


# --- who sees and keeps risks ---------------------------------------------------------------

def own_department_only(user) -> bool:
    """A ProjectManager sees and keeps its own department's risks only; other roles see all."""
    return user is not None and is_department_scoped(user)


def risk_visibility_clause(user):
    """Risks the user may see, as a clause on Risk (None: all): the scope of Risk
    (app.register_scopes)."""
    if not own_department_only(user):
        return None
    return Risk.project_id.in_(select(Project.id).where(
        Project.department_id == user.department_id))


def may_see_risks_of(user, project: Project) -> bool:
    return not own_department_only(user) or project.department_id == user.department_id


def ensure_may_keep_risks(user, project: Project) -> None:
    """The ProjectManager of the owning department keeps a project's risks until the project
    is closed (DESIGN §4)."""
    if project.status == PROJECT_CLOSED:
        raise Conflict(_("The project is closed; its risk register is kept as it was."))
    if user is None:
        return
    if is_department_scoped(user) and project.department_id == user.department_id:
        return
    raise NotAllowed(_("Only a ProjectManager of %(department)s keeps this project's risks.",
                       department=project.department.label()),
                     {"project": _("Not your department.")})


# --- what a valid risk is -------------------------------------------------------------------

def risk_errors(risk: Risk) -> dict:
    """Field -> message: a listed category and status, a title, likelihood and impact 1-5."""
    errors = {}
    if risk.category not in CATEGORIES:
        errors["category"] = _("Choose one of: %(choices)s.", choices=", ".join(CATEGORIES))
    if risk.status not in STATUSES:
        errors["status"] = _("Choose one of: %(choices)s.", choices=", ".join(STATUSES))
    if not (risk.title or "").strip():
        errors["title"] = _("This field is required.")
    elif len(risk.title) > 200:
        errors["title"] = _("At most 200 characters.")
    for name in ("likelihood", "impact"):
        value = getattr(risk, name)
        if isinstance(value, bool) or not isinstance(value, int) or value not in scoring.LEVELS:
            errors[name] = _("Give a whole number from 1 to 5.")
    return errors


def _checked(risk: Risk) -> None:
    errors = risk_errors(risk)
    if errors:
        raise ValidationFailed(_INVALID, errors)
    risk.score = scoring.score_of(risk.likelihood, risk.impact)


def _set_status(risk: Risk, status: str) -> None:
    if status == CLOSED and risk.status != CLOSED:
        risk.closed_at = utcnow()
    elif status != CLOSED:
        risk.closed_at = None
    risk.status = status


def default_review_date(on: dt.date | None = None) -> dt.date:
    return (on or clock.today()) + dt.timedelta(days=int(current_app.config["RISK_REVIEW_DAYS"]))


def create_risk(raw: dict, user=None) -> Risk:
    """Register a risk on a project the user keeps. Its score is likelihood x impact; without
    a next review date it is due for review in RISK_REVIEW_DAYS days."""
    data = parse(RiskInputSchema(), raw, _INVALID)
    project = find_visible_project(data["project"], user)
    ensure_may_keep_risks(user, project)
    category = data["category"]
    risk = Risk(category=category, title=data.get("title") or str(CATEGORIES.get(category, category)),
                likelihood=data["likelihood"], impact=data["impact"],
                description=data.get("description"), owner=data.get("owner"),
                mitigation=data.get("mitigation"), status=OPEN,
                next_review=data.get("next_review") or default_review_date(),
                raised_by=user.username if user else current_actor())
    if data.get("status"):
        _set_status(risk, data["status"])
    with db.session.no_autoflush:
        _checked(risk)
    risk.project = project
    db.session.add(risk)
    db.session.flush()
    return risk


def update_risk(risk: Risk, raw: dict, user=None) -> Risk:
    """Re-assess, re-assign, mitigate or close a risk. A risk PlanGuard raised keeps its
    category and is closed by PlanGuard when its cause is gone, not by hand."""
    ensure_may_keep_risks(user, risk.project)
    data = parse(RiskUpdateSchema(), raw, _INVALID)
    if risk.system_raised:
        if "category" in data and data["category"] != risk.category:
            raise Conflict(_("A risk raised by PlanGuard keeps its category."),
                           {"category": _("Raised by PlanGuard.")})
        if data.get("status") == CLOSED and risk.status != CLOSED:
            raise Conflict(_("PlanGuard closes this risk itself when its cause is gone: %(cause)s.",
                             cause=risk.cause_label()), {"status": _("Raised by PlanGuard.")})
    with db.session.no_autoflush:
        for key in FIELDS:
            if key in data and key != "status":
                setattr(risk, key, data[key])
        if "status" in data:
            _set_status(risk, data["status"])
        _checked(risk)
    db.session.flush()
    return risk


def check_form_risk(risk: Risk, user, creating: bool) -> None:
    """Rules for a risk filled in by a web form (FAB has already set its attributes)."""
    with db.session.no_autoflush:
        if risk.project is None:
            raise ValidationFailed(_INVALID, {"project": _("This field is required.")})
        if creating:
            if not may_see_risks_of(user, risk.project):
                raise NotFound(_("No such project."))
            risk.raised_by = user.username if user else current_actor()
            risk.cause = None
            risk.status = risk.status or OPEN
            risk.next_review = risk.next_review or default_review_date()
        ensure_may_keep_risks(user, risk.project)
        if not creating and risk.system_raised:
            history = inspect(risk).attrs
            old_status = history.status.history.deleted
            old_category = history.category.history.deleted
            if old_category and old_category[0] != risk.category:
                raise Conflict(_("A risk raised by PlanGuard keeps its category."))
            if risk.status == CLOSED and old_status and old_status[0] != CLOSED:
                raise Conflict(_("PlanGuard closes this risk itself when its cause is gone: "
                                 "%(cause)s.", cause=risk.cause_label()))
        if risk.status == CLOSED:
            risk.closed_at = risk.closed_at or utcnow()
        else:
            risk.closed_at = None
        _checked(risk)


# --- lists and history ------------------------------------------------------------------------

def risk_query(user, active_only: bool = False):
    query = select(Risk).join(Project, Risk.project_id == Project.id)
    clause = scoping.clause(Risk, user)
    if clause is not None:
        query = query.where(clause)
    if active_only:
        query = query.where(Risk.status.in_(ACTIVE))
    return query


def overdue_reviews(user, on: dt.date | None = None, limit: int | None = None) -> list[Risk]:
    """Risks not closed whose next review date has passed, the longest overdue first."""
    on = on or clock.today()
    query = risk_query(user, active_only=True).where(Risk.next_review < on).order_by(
        Risk.next_review, Risk.id)
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def history(risk: Risk) -> list[AuditEvent]:
    """Every change of the risk from the audit trail: who, when, which field, old and new."""
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity == Risk.__tablename__, AuditEvent.entity_id == risk.id)
        .order_by(AuditEvent.id)))


def heatmap_counts(user, category: str | None = None) -> dict[tuple[int, int], int]:
    """(likelihood, impact) -> number of risks not closed that the user may see."""
    from sqlalchemy import func
    visible = risk_query(user, active_only=True)
    if category:
        visible = visible.where(Risk.category == category)
    sub = visible.with_only_columns(Risk.likelihood, Risk.impact).subquery()
    return {(lk, im): n for lk, im, n in db.session.execute(
        select(sub.c.likelihood, sub.c.impact, func.count()).group_by(sub.c.likelihood,
                                                                     sub.c.impact))}
