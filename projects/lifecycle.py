"""The project lifecycle (DESIGN §3) in one place: who may move a project from which status to
which, under what preconditions. Web buttons, the REST API, imports and the CLI all call
`transition()`; every transition leaves AuditEvents with its comment.
"""
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.audit import current_actor, set_audit_note
from core.errors import Conflict, NotAllowed, ValidationFailed
from core.extensions import db
from core.security import OFFICE, PROJECT_MANAGER, has_role, is_department_scoped
from projects import enums as s
from projects.models import Project, Review
from projects.services import validate_project


@dataclass(frozen=True)
class Step:
    source: str
    target: str
    roles: tuple  # roles that may take the step
    label: object  # the button's text
    needs_comment: bool = False
    decision: str | None = None  # a step that decides a review records one


STEPS = (
    Step(s.DRAFT, s.SUBMITTED, (PROJECT_MANAGER, OFFICE), _l("Submit")),
    Step(s.RETURNED, s.SUBMITTED, (PROJECT_MANAGER, OFFICE), _l("Resubmit")),
    Step(s.SUBMITTED, s.IN_REVIEW, (OFFICE,), _l("Start review")),
    Step(s.IN_REVIEW, s.APPROVED, (OFFICE,), _l("Approve"), decision="approve"),
    Step(s.IN_REVIEW, s.RETURNED, (OFFICE,), _l("Return for changes"), True, "return"),
    Step(s.IN_REVIEW, s.REJECTED, (OFFICE,), _l("Reject"), True, "reject"),
    Step(s.APPROVED, s.IN_CONSTRUCTION, (PROJECT_MANAGER, OFFICE), _l("Start construction")),
    Step(s.IN_CONSTRUCTION, s.TRIAL_OPERATION, (PROJECT_MANAGER, OFFICE),
         _l("Start trial operation")),
    Step(s.TRIAL_OPERATION, s.ACCEPTED, (OFFICE,), _l("Record acceptance")),
    Step(s.ACCEPTED, s.IN_OPERATION, (PROJECT_MANAGER, OFFICE), _l("Put into operation")),
    Step(s.IN_OPERATION, s.EVALUATED, (OFFICE,), _l("Record post-evaluation")),
    Step(s.EVALUATED, s.CLOSED, (OFFICE,), _l("Close")),
)
_BY_PAIR = {(st.source, st.target): st for st in STEPS}

# Gates and warnings that other parts of PlanGuard add (milestones, funding, the duplicate
# guard): check(project) returns a message or None. A gate's message refuses the step; a
# warning's message is shown and the step goes ahead. Registered in app.register_rules().
_GATES: dict[str, list] = {}
_WARNINGS: dict[str, list] = {}
# Follow-ups of a step: after(project, user) runs once the project has its new status, in the
# same transaction (a failure rolls the step back), e.g. milestones planned on approval.
_AFTER: dict[str, list] = {}


def add_gate(target: str, check) -> None:
    if check not in _GATES.setdefault(target, []):
        _GATES[target].append(check)


def add_warning(target: str, check) -> None:
    if check not in _WARNINGS.setdefault(target, []):
        _WARNINGS[target].append(check)


def add_after(target: str, fn) -> None:
    if fn not in _AFTER.setdefault(target, []):
        _AFTER[target].append(fn)


def steps_from(project: Project, user) -> list[Step]:
    """The steps this user may try on this project now (buttons to show)."""
    return [st for st in STEPS if st.source == project.status and _role_allows(user, st, project)]


def _role_allows(user, step: Step, project: Project) -> bool:
    if user is None:
        return True
    if has_role(user, OFFICE) and OFFICE in step.roles:
        return True
    if PROJECT_MANAGER in step.roles and is_department_scoped(user):
        return project.department_id == user.department_id
    return False


def transition(project: Project, target: str, user=None, comment: str = "",
               stage: str = "proposal") -> list[str]:
    """Move the project to `target` and return the warnings to show. Refusals: NotAllowed (role
    or department), Conflict (no such step from the current status), ValidationFailed (a
    precondition or missing comment)."""
    comment = (comment or "").strip()
    if target not in s.STATUSES:
        raise ValidationFailed(_("Unknown status: %(status)s.", status=target),
                               {"to": _("Choose one of: %(choices)s.",
                                        choices=", ".join(s.STATUSES))})
    step = _BY_PAIR.get((project.status, target))
    if step is None:
        raise Conflict(_("A project that is %(current)s cannot become %(target)s.",
                         current=project.status_label(), target=s.STATUSES[target]))
    if not _role_allows(user, step, project):
        raise NotAllowed(_("Your role or department may not %(action)s this project.",
                           action=step.label))
    if step.needs_comment and not comment:
        raise ValidationFailed(_("Say why: a comment is required to %(action)s.",
                                 action=step.label), {"comment": _("This field is required.")})
    _check_preconditions(project, step)
    warnings = [w for w in (check(project) for check in _WARNINGS.get(target, [])) if w]
    if step.decision:
        project.reviews.append(Review(stage=stage, decision=step.decision,
                                      reviewer=user.username if user else current_actor(),
                                      comments=comment or None))
    set_audit_note(db.session, comment or str(step.label))
    project.status = target
    db.session.flush()
    set_audit_note(db.session, None)
    for after in _AFTER.get(target, []):
        after(project, user)
    return [str(w) for w in warnings]


def _check_preconditions(project: Project, step: Step) -> None:
    if step.target == s.SUBMITTED:
        errors = validate_project(project)
        if not (project.description or "").strip():
            errors["description"] = _("Describe what the project builds before submitting it.")
        if errors:
            raise ValidationFailed(_("The proposal is incomplete."), errors)
    for check in _GATES.get(step.target, []):
        refusal = check(project)
        if refusal:
            raise ValidationFailed(refusal)
