"""The funding plan at submission (issue 12): a proposal whose funding plan does not equal its
budget is stopped at submission, or the submitter is asked to confirm, per configuration
(FUNDING_PLAN_AT_SUBMISSION: "block", "confirm" or "warn").

- block: every channel is refused until the plan equals the budget;
- confirm: the web form asks; submitting anyway needs the confirmation ticked; the REST API
  and imports get the warning in their answer (the `submitted` warning hook);
- warn: the warning only.
"""
from flask import current_app
from flask_babel import gettext as _

from budgets.services import plan_mismatch
from projects.lifecycle import current_decision

MODES = ("block", "confirm", "warn")


def mode() -> str:
    value = current_app.config.get("FUNDING_PLAN_AT_SUBMISSION", "confirm")
    return value if value in MODES else "confirm"


def funding_at_submission(project):
    """Gate on `submitted`: the message that stops the submission, or None."""
    mismatch = plan_mismatch(project)
    if mismatch is None:
        return None
    if mode() == "block":
        return mismatch + " " + _("Complete the funding plan before submitting.")
    decision = current_decision()
    if mode() == "confirm" and decision.get("ask_confirm") and not decision.get("confirmed"):
        return mismatch + " " + _("Tick the confirmation to submit anyway.")
    return None


def submission_prompt(project) -> dict | None:
    """What the submit button needs to say: the mismatch and whether it blocks or asks."""
    mismatch = plan_mismatch(project)
    if mismatch is None or mode() == "warn":
        return None
    return {"message": mismatch, "blocks": mode() == "block"}
