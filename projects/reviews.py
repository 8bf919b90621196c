"""Review stages and the Office's decisions (DESIGN §2 Review, §3).

A proposal passes the configured stages in order (建议书 proposal, 可行性研究 feasibility,
初步设计与概算 design and estimate); a project listed in the plan starts at the second stage.
Approving an earlier stage keeps the project in review at the next stage and runs the gates
registered for STAGE_APPROVED (the duplicate rule); approving the last stage approves the
project and runs every gate of `approved` (funding plan equal to the budget, ...). Return and reject are lifecycle steps with a required comment.
"""
from flask import current_app
from flask_babel import gettext as _

from core.audit import current_actor, set_audit_note
from core.errors import Conflict, NotAllowed, ValidationFailed
from core.extensions import db
from core.security import OFFICE, has_role
from projects import enums as s
from projects import lifecycle
from projects.models import Project, Review

DECISION_TARGETS = {"approve": s.APPROVED, "return": s.RETURNED, "reject": s.REJECTED}


def stages_for(project: Project) -> list[str]:
    stages = list(current_app.config["REVIEW_STAGES"])
    return stages[1:] if project.listed_in_plan and len(stages) > 1 else stages


def current_stage(project: Project) -> str:
    """The first required stage without an approval yet (the last stage once all passed)."""
    approved = {r.stage for r in project.reviews if r.decision == "approve"}
    stages = stages_for(project)
    return next((stage for stage in stages if stage not in approved), stages[-1])


def is_final_stage(project: Project) -> bool:
    return current_stage(project) == stages_for(project)[-1]


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
    project.reviews.append(Review(stage=stage, decision="approve",
                                  reviewer=user.username if user else current_actor(),
                                  comments=(comment or "").strip() or None,
                                  conditions=context["conditions"],
                                  duplicate_check=context.get("duplicate_check")))
    set_audit_note(db.session, _("stage approved: %(stage)s", stage=stage))
    db.session.flush()
    set_audit_note(db.session, None)
    return [_("Stage approved; the project stays in review at the next stage: %(stage)s.",
              stage=s.REVIEW_STAGES.get(current_stage(project)))]
