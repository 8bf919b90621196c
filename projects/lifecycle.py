"""The project lifecycle (DESIGN §3) in one place: who may move a project from which status to
which, under what preconditions. Web buttons, the REST API, imports and the CLI all call
`transition()`; every transition leaves AuditEvents with its comment.
"""
import contextlib
import contextvars
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core import registry
from core.audit import set_audit_note, utcnow
from core.errors import Conflict, NotAllowed, ValidationFailed
from core.extensions import db
from core.security import OFFICE, PROJECT_MANAGER, has_role, is_department_scoped
from projects import enums as s
from projects import stages
from projects.models import Project
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
# guard), kept on the app (core.registry) and registered in app.register_rules():
# check(project) returns a message or None. A gate's message refuses the step; a warning's
# message is shown and the step goes ahead. Follow-ups: after(project, user) runs once the
# project has its new status, in the same transaction (a failure rolls the step back), e.g.
# milestones planned on approval; it may return a warning to show.
STAGE_APPROVED = "stage_approved"  # gate key for the approval of a review stage before the last
# What the deciding user supplied beyond a comment (e.g. justifications per duplicate match);
# gates read it and may leave results in it (e.g. the frozen duplicate check) for the Review.
_decision = contextvars.ContextVar("planguard_decision", default=None)


@contextlib.contextmanager
def decision_context(values: dict):
    token = _decision.set(values)
    try:
        yield values
    finally:
        _decision.reset(token)


def current_decision() -> dict:
    return _decision.get() or {}


def add_gate(target: str, check, app=None) -> None:
    registry.add(f"gate:{target}", check, app)


def add_warning(target: str, check, app=None) -> None:
    registry.add(f"warning:{target}", check, app)


def add_after(target: str, action, app=None) -> None:
    registry.add(f"after:{target}", action, app)


def run_gates(project: Project, target: str) -> None:
    for check in registry.hooks(f"gate:{target}"):
        refusal = check(project)
        if refusal:
            raise ValidationFailed(refusal)


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
    warnings = [w for w in (check(project) for check in registry.hooks(f"warning:{target}"))
                if w]
    if step.decision:
        decision = current_decision()
        stages.record_decision(project, decision.get("stage", stage), step.decision, user,
                               comment, decision.get("conditions"),
                               decision.get("duplicate_check"))
    set_audit_note(db.session, comment or str(step.label))
    project.status = target
    if target == s.SUBMITTED:
        project.submitted_at = utcnow()
    db.session.flush()
    for action in registry.hooks(f"after:{target}"):
        warnings.append(action(project, user))
    set_audit_note(db.session, None)
    return [str(w) for w in warnings if w]


def _check_preconditions(project: Project, step: Step) -> None:
    if step.target == s.SUBMITTED:
        errors = validate_project(project)
        if not (project.description or "").strip():
            errors["description"] = _("Describe what the project builds before submitting it.")
        if errors:
            raise ValidationFailed(_("The proposal is incomplete."), errors)
    if step.target == s.APPROVED:
        if not stages.is_final_stage(project):
            raise ValidationFailed(_("The %(stage)s stage must be approved first.",
                                     stage=s.REVIEW_STAGES.get(stages.current_stage(project))))
    run_gates(project, step.target)
