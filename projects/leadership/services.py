"""Leadership-group review (领导小组审议). Plan G1: the city's e-government leadership group
coordinates investment "防止盲目投资、低水平建设和重复建设".

A project whose budget is at or above LEADERSHIP_BUDGET_THRESHOLD, or that the Office referred
to the group, needs a recorded decision of the group (date, minute number, decision,
attachment) that approves it before its final approval: the rule is a lifecycle gate of
`approved`. The Office records referrals and decisions; everyone who sees the project reads
them.
"""
import datetime as dt
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import fields
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from core import clock
from core.audit import current_actor, set_audit_note, utcnow
from core.errors import Conflict, NotAllowed, ValidationFailed
from core.extensions import db
from core import scoping
from core.security import OFFICE, has_role
from projects import enums as s
from projects.leadership.models import (APPROVING, DECISIONS, LeadershipDecision,
                                        LeadershipReferral)
from projects.models import Project
from core.schemas import DATE_ERRORS as _DATE
from core.schemas import TEXT_ERRORS as _TEXT
from core.schemas import BlanksAsNone as _Blanks
from core.schemas import ProjectRef, parse
from projects.scopes import find_visible_project as find_project
from projects.scopes import visibility_clause

_INVALID = _l("The leadership decision has invalid fields.")
# Before final approval: where a decision of the group can still matter.
UNDECIDED = (s.DRAFT, s.SUBMITTED, s.IN_REVIEW, s.RETURNED)


class DecisionSchema(_Blanks):
    project = ProjectRef(required=True, error_messages=_TEXT)
    meeting_date = fields.Date(required=True, error_messages=_DATE)
    minute_number = fields.String(required=True, error_messages=_TEXT)
    decision = fields.String(required=True, error_messages=_TEXT)
    summary = fields.String(allow_none=True, error_messages=_TEXT)


class ReferralSchema(_Blanks):
    project = ProjectRef(required=True, error_messages=_TEXT)
    reason = fields.String(required=True, error_messages=_TEXT)


def threshold() -> Decimal:
    return Decimal(str(current_app.config["LEADERSHIP_BUDGET_THRESHOLD"]))


def needs_group(project: Project) -> bool:
    """At or above the configured budget, or referred by the Office."""
    return (project.budget_total is not None and Decimal(project.budget_total) >= threshold()) \
        or project.leadership_referral is not None


def latest_decision(project: Project) -> LeadershipDecision | None:
    decisions = list(project.leadership_decisions)
    return max(decisions, key=lambda d: (d.meeting_date, d.id or 0)) if decisions else None


def leadership_gate(project: Project):
    """Lifecycle gate of `approved`: a project the group must review is approved only after the
    group's latest recorded decision approves it (with or without conditions)."""
    if not needs_group(project):
        return None
    decision = latest_decision(project)
    if decision is None:
        return _("The leadership group (领导小组) must review this project first: its budget is "
                 "at or above ¥%(amount)s or the Office referred it. Record the group's "
                 "decision.", amount="{:,.0f}".format(threshold()))
    if decision.decision not in APPROVING:
        return _("The leadership group's decision of %(date)s (%(minute)s) is: %(decision)s.",
                 date=decision.meeting_date, minute=decision.minute_number,
                 decision=decision.decision_label())
    return None


def _ensure_office(user) -> None:
    if user is not None and not has_role(user, OFFICE):
        raise NotAllowed(_("Only the Office records the leadership group's referrals and "
                           "decisions."))


def decision_errors(item: LeadershipDecision) -> dict:
    errors = {}
    if item.decision not in DECISIONS:
        errors["decision"] = _("Choose one of: %(choices)s.", choices=", ".join(DECISIONS))
    if not (item.minute_number or "").strip():
        errors["minute_number"] = _("This field is required.")
    elif len(item.minute_number) > 60:
        errors["minute_number"] = _("At most %(n)s characters.", n=60)
    if item.meeting_date is None:
        errors["meeting_date"] = _("This field is required.")
    elif item.meeting_date > clock.today() + dt.timedelta(days=1):
        errors["meeting_date"] = _("A decision is recorded after the meeting, not before.")
    if item.decision == "conditional" and not (item.summary or "").strip():
        errors["summary"] = _("Write the group's conditions.")
    return errors


def _check(item: LeadershipDecision) -> None:
    if item.project.status not in UNDECIDED + (s.APPROVED,):
        raise Conflict(_("The leadership group decides before approval; this project is "
                         "%(status)s.", status=item.project.status_label()))
    errors = decision_errors(item)
    if errors:
        raise ValidationFailed(_INVALID, errors)


def record_decision(raw: dict, user=None, attachment=None) -> LeadershipDecision:
    """The Office records a decision of the group on a project, as minuted; `attachment` is
    (file name, stream) of the minute."""
    _ensure_office(user)
    data = parse(DecisionSchema(), raw, _INVALID)
    project = find_project(data.pop("project"), user)
    item = LeadershipDecision(project=project, recorded_by=user.username if user else
                              current_actor(), recorded_at=utcnow(), **data)
    _check(item)
    if attachment is not None and attachment[0]:
        from projects.attachments import store_attachment
        item.attachment_name, item.attachment_stored = store_attachment(*attachment)
    db.session.add(item)
    set_audit_note(db.session, "leadership group decision")
    db.session.flush()
    return item


def check_form_decision(item: LeadershipDecision, user, creating: bool) -> None:
    with db.session.no_autoflush:
        if item.project is None:
            raise ValidationFailed(_INVALID, {"project": _("This field is required.")})
        _ensure_office(user)
        item.recorded_by = user.username if user else current_actor()
        item.recorded_at = utcnow()
        _check(item)


def refer(raw: dict, user=None) -> LeadershipReferral:
    """The Office refers a project to the group, saying why (whatever its budget)."""
    _ensure_office(user)
    data = parse(ReferralSchema(), raw, _INVALID)
    project = find_project(data["project"], user)
    if project.status not in UNDECIDED:
        raise Conflict(_("Only a project before approval can be referred; this project is "
                         "%(status)s.", status=project.status_label()))
    if project.leadership_referral is not None:
        raise Conflict(_("The project is referred to the leadership group already."))
    item = LeadershipReferral(project=project, reason=data["reason"][:2000],
                              referred_by=user.username if user else current_actor())
    db.session.add(item)
    db.session.flush()
    return item


def get_visible_decision(decision_id, user) -> LeadershipDecision:
    return scoping.get(LeadershipDecision, decision_id, user)

def waiting_on_group(user=None, limit: int = 200) -> list[Project]:
    """Projects before approval that need the group and have no approving decision yet,
    oldest submission first: the group's agenda."""
    amount = threshold()
    query = (select(Project).where(Project.status.in_(UNDECIDED))
             .where(or_(Project.budget_total >= amount,
                        Project.id.in_(select(LeadershipReferral.project_id))))
             .order_by(Project.submitted_at.asc().nulls_last(), Project.id)
             # the agenda's decisions and referrals with it: statements per page stay constant
             .options(selectinload(Project.leadership_decisions),
                      selectinload(Project.leadership_referral)))
    clause = visibility_clause(user)
    if clause is not None:
        query = query.where(clause)
    waiting = []
    for project in db.session.scalars(query.limit(limit * 2)):
        decision = latest_decision(project)
        if decision is None or decision.decision not in APPROVING:
            waiting.append(project)
        if len(waiting) >= limit:
            break
    return waiting
