"""Audit findings (审计发现): Auditors raise and verify them; the department's ProjectManager
reports the rectification (整改); rectifications past their deadline are overdue."""
import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import clock, scoping
from core.audit import current_actor
from core.errors import Conflict, NotAllowed, ValidationFailed
from core.extensions import db
from core.security import AUDITOR, has_role, is_department_scoped
from projects.models import Project
from projects.schedule.enums import CLOSED, FINDING_STATUSES, OPEN, RECTIFIED, SEVERITIES
from projects.schedule.models import AuditFinding
from core.schemas import parse
from projects.schedule.schemas import FindingInputSchema, FindingUpdateSchema
from projects.scopes import find_visible_project

_INVALID = _l("The audit finding has invalid fields.")


def is_auditor(user) -> bool:
    return user is None or has_role(user, AUDITOR)


def is_rectifier(user, finding: AuditFinding) -> bool:
    """The ProjectManager of the audited project's department reports its rectification."""
    return user is not None and is_department_scoped(user) and \
        finding.project.department_id == user.department_id


def finding_errors(finding: AuditFinding) -> dict:
    errors = {}
    if finding.severity not in SEVERITIES:
        errors["severity"] = _("Choose one of: %(choices)s.", choices=", ".join(SEVERITIES))
    if finding.status not in FINDING_STATUSES:
        errors["status"] = _("Choose one of: %(choices)s.", choices=", ".join(FINDING_STATUSES))
    if not (finding.description or "").strip():
        errors["description"] = _("This field is required.")
    if not (finding.rectification_owner or "").strip():
        errors["rectification_owner"] = _("This field is required.")
    if finding.deadline is None:
        errors["deadline"] = _("This field is required.")
    elif finding.raised_on and finding.deadline < finding.raised_on:
        errors["deadline"] = _("The deadline must not be before the finding was raised.")
    if finding.status == RECTIFIED and not (finding.rectification_note or "").strip():
        errors["rectification_note"] = _("Describe what was rectified.")
    return errors


def _checked(finding: AuditFinding) -> None:
    errors = finding_errors(finding)
    if errors:
        raise ValidationFailed(_INVALID, errors)


def _set_status(finding: AuditFinding, status: str) -> None:
    finding.status = status
    finding.closed_on = clock.today() if status == CLOSED else None


def raise_finding(raw: dict, user=None) -> AuditFinding:
    """An Auditor records a finding on a project, with the rectification owner and deadline."""
    if not is_auditor(user):
        raise NotAllowed(_("Only Auditors raise audit findings."))
    data = parse(FindingInputSchema(), raw, _INVALID)
    project = find_visible_project(data["project"], user)
    finding = AuditFinding(severity=data["severity"], description=data["description"],
                           rectification_owner=data["rectification_owner"],
                           deadline=data["deadline"],
                           raised_on=data.get("raised_on") or clock.today(),
                           rectification_note=data.get("rectification_note"),
                           raised_by=user.username if user else current_actor())
    _set_status(finding, data.get("status") or OPEN)
    with db.session.no_autoflush:
        _checked(finding)
    finding.project = project
    db.session.add(finding)
    db.session.flush()
    return finding


def update_finding(finding: AuditFinding, raw: dict, user=None) -> AuditFinding:
    """Auditors change any field and verify (close or reopen); the department's
    ProjectManager reports the rectification of an open finding, nothing else."""
    data = parse(FindingUpdateSchema(), raw, _INVALID)
    if not is_auditor(user):
        if not is_rectifier(user, finding):
            raise NotAllowed(_("Only Auditors and the project's department change this finding."))
        if set(data) - {"status", "rectification_note"} or data.get("status", RECTIFIED) \
                != RECTIFIED:
            raise NotAllowed(_("A department reports the rectification (status rectified with "
                               "a note); Auditors change the finding itself."))
        if finding.status == CLOSED:
            raise Conflict(_("This finding is closed."))
        data["status"] = RECTIFIED
    with db.session.no_autoflush:
        for key in ("severity", "description", "rectification_owner", "deadline",
                    "rectification_note"):
            if key in data:
                setattr(finding, key, data[key])
        if "status" in data:
            _set_status(finding, data["status"])
        _checked(finding)
    db.session.flush()
    return finding


def check_form_finding(finding: AuditFinding, user, creating: bool) -> None:
    """Rules for a finding filled in by a web form: Auditors only."""
    if not is_auditor(user):
        raise NotAllowed(_("Only Auditors raise audit findings."))
    with db.session.no_autoflush:
        if creating:
            finding.raised_by = user.username if user else current_actor()
            finding.raised_on = finding.raised_on or clock.today()
            finding.status = finding.status or OPEN
        if finding.status == CLOSED:
            finding.closed_on = finding.closed_on or clock.today()
        else:
            finding.closed_on = None
        if finding.project is None:
            raise ValidationFailed(_INVALID, {"project": _("This field is required.")})
        _checked(finding)


def overdue_clause(on: dt.date | None = None):
    """The overdue rule as SQL: an open finding whose rectification deadline has passed."""
    return (AuditFinding.status == OPEN) & (AuditFinding.deadline < (on or clock.today()))


def is_overdue(finding: AuditFinding, on: dt.date | None = None) -> bool:
    """The overdue rule for a loaded finding (as overdue_clause)."""
    return finding.status == OPEN and finding.deadline < (on or clock.today())


def overdue_findings_query(user, on: dt.date | None = None, department_id=None, q: str = ""):
    """A SELECT of the open findings whose rectification deadline has passed, the oldest
    deadline first, projects loaded with them."""
    from sqlalchemy.orm import contains_eager

    from core.paging import like_pattern
    on = on or clock.today()
    query = (select(AuditFinding).join(Project, AuditFinding.project_id == Project.id)
             .where(overdue_clause(on))
             .options(contains_eager(AuditFinding.project))
             .order_by(AuditFinding.deadline, AuditFinding.id))
    if department_id is not None:
        query = query.where(Project.department_id == department_id)
    if q:
        pattern = like_pattern(q)
        query = query.where(Project.code.like(pattern, escape="\\")
                            | Project.name.like(pattern, escape="\\"))
    clause = scoping.clause(Project, user)
    return query if clause is None else query.where(clause)


def overdue_findings(user, on: dt.date | None = None, department_id=None):
    """Open findings whose rectification deadline has passed, the oldest deadline first."""
    return list(db.session.scalars(overdue_findings_query(user, on, department_id)))


def ensure_may_attach(finding: AuditFinding, user) -> None:
    """Auditors attach evidence to a finding; the department attaches its rectification's."""
    if is_auditor(user) or is_rectifier(user, finding):
        return
    raise NotAllowed(_("Only Auditors and the project's department attach evidence here."))


def upcoming_findings(user, on: dt.date | None = None, days: int = 30, department_id=None):
    """Open findings whose rectification deadline falls in the next `days` days."""
    on = on or clock.today()
    query = (select(AuditFinding).join(Project, AuditFinding.project_id == Project.id)
             .where(AuditFinding.status == OPEN,
                    AuditFinding.deadline.between(on, on + dt.timedelta(days=days)))
             .order_by(AuditFinding.deadline, AuditFinding.id))
    if department_id is not None:
        query = query.where(Project.department_id == department_id)
    clause = scoping.clause(Project, user)
    return list(db.session.scalars(query if clause is None else query.where(clause)))
