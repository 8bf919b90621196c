"""Review stages and the Office's decisions (DESIGN §2 Review, §3).

A proposal passes the configured stages in order (建议书 proposal, 可行性研究 feasibility,
初步设计与概算 design and estimate); a project listed in the plan starts at the second stage.
Approving an earlier stage keeps the project in review at the next stage and runs the gates
registered for STAGE_APPROVED (the duplicate rule); approving the last stage approves the
project and runs every gate of `approved` (funding plan equal to the budget, ...). Return and reject are lifecycle steps with a required comment.
"""
from flask_babel import gettext as _

from core.audit import set_audit_note
from core.errors import Conflict, NotAllowed, ValidationFailed
from core.extensions import db
from core.security import OFFICE, has_role
from projects import enums as s
from projects import lifecycle, stages
from projects.models import Project

DECISION_TARGETS = {"approve": s.APPROVED, "return": s.RETURNED, "reject": s.REJECTED}
# stage logic lives in projects.stages; these names stay for the views and templates
stages_for, current_stage, is_final_stage = (stages.stages_for, stages.current_stage,
                                             stages.is_final_stage)


def parse_decision(body: dict) -> dict:
    """The decision's arguments from a JSON body or a form's values: decision, comment,
    conditions, justifications {match code: text} and reuses [codes it builds on]."""
    justifications = body.get("justifications") or {}
    if not isinstance(justifications, dict):
        raise ValidationFailed(_("The decision has invalid fields."),
                               {"justifications": _("Expected an object.")})
    reuses = body.get("reuses") or []
    if isinstance(reuses, str) or not isinstance(reuses, (list, tuple)):
        reuses = [reuses]
    return {"decision": str(body.get("decision") or ""), "comment": str(body.get("comment") or ""),
            "conditions": str(body.get("conditions") or ""),
            "justifications": {str(k): str(v) for k, v in justifications.items()},
            "reuses": [str(code) for code in reuses if code]}


def decision_from_form(form) -> dict:
    """parse_decision for the review form: a `justify_<code>` field per match, `reuse`
    checkboxes."""
    return parse_decision({
        "decision": form.get("decision", ""), "comment": form.get("comment", ""),
        "conditions": form.get("conditions", ""), "reuses": form.getlist("reuse"),
        "justifications": {key[len("justify_"):]: value for key, value in form.items()
                           if key.startswith("justify_")}})


def decide(project: Project, decision: str, user=None, comment: str = "", conditions: str = "",
           justifications: dict | None = None, extra: dict | None = None) -> list[str]:
    """The Office decides the stage under review. Returns warnings to show. An approval runs
    the lifecycle gates (the duplicate-construction rule among them) at every stage."""
    if decision not in DECISION_TARGETS:
        raise ValidationFailed(_("Unknown decision."), {"decision": _(
            "Choose one of: %(choices)s.", choices=", ".join(DECISION_TARGETS))})
    if project.status != s.IN_REVIEW:
        raise Conflict(_("Only a project in review can be decided; this one is %(status)s.",
                         status=project.status_label()))
    stage = current_stage(project)
    context = {"justifications": justifications or {}, "stage": stage,
               "conditions": (conditions or "").strip() or None, **(extra or {})}
    with lifecycle.decision_context(context):
        if decision != "approve" or is_final_stage(project):
            return lifecycle.transition(project, DECISION_TARGETS[decision], user, comment,
                                        stage=stage)
        return _approve_stage(project, stage, user, comment, context)


def _approve_stage(project, stage, user, comment, context) -> list[str]:
    if user is not None and not has_role(user, OFFICE):
        raise NotAllowed(_("Only the Office decides reviews."))
    lifecycle.run_gates(project, lifecycle.STAGE_APPROVED)
    stages.record_decision(project, stage, "approve", user, comment, context["conditions"],
                           context.get("duplicate_check"))
    set_audit_note(db.session, _("stage approved: %(stage)s",
                                 stage=str(s.REVIEW_STAGES.get(stage, stage))))
    db.session.flush()
    set_audit_note(db.session, None)
    return [_("Stage approved; the project stays in review at the next stage: %(stage)s.",
              stage=s.REVIEW_STAGES.get(current_stage(project)))]
