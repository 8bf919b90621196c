"""Review stages (DESIGN §2 Review): which stages a proposal passes, which one is under
review, and the one way a review decision is written. The lifecycle and the Office's
decisions (`projects.reviews`) both call this module; it calls neither."""
from flask import current_app

from core.audit import current_actor
from projects.models import Project, Review


def stages_for(project: Project) -> list[str]:
    """The configured stages in order; a project listed in the plan skips the proposal."""
    stages = list(current_app.config["REVIEW_STAGES"])
    return stages[1:] if project.listed_in_plan and len(stages) > 1 else stages


def current_stage(project: Project) -> str:
    """The first required stage without an approval yet (the last stage once all passed)."""
    approved = {r.stage for r in project.reviews if r.decision == "approve"}
    stages = stages_for(project)
    return next((stage for stage in stages if stage not in approved), stages[-1])


def is_final_stage(project: Project) -> bool:
    return current_stage(project) == stages_for(project)[-1]


def record_decision(project: Project, stage: str, decision: str, user=None, comment="",
                    conditions=None, duplicate_check=None) -> Review:
    """The Review row of a decision, with the reviewer and the frozen duplicate check."""
    review = Review(stage=stage, decision=decision,
                    reviewer=user.username if user else current_actor(),
                    comments=(comment or "").strip() or None, conditions=conditions,
                    duplicate_check=duplicate_check)
    project.reviews.append(review)
    return review
