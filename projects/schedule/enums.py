"""Schedule enumerations, each with its label (one place)."""
from flask_babel import lazy_gettext as _l

MILESTONE_TYPES = {
    "proposal_approved": _l("Proposal approved"),
    "feasibility_approved": _l("Feasibility study approved"),
    "design_approved": _l("Design and estimate approved"),
    "tender": _l("Tender"),
    "contract": _l("Contract signed"),
    "supervision_contract": _l("Supervision contract"),
    "construction_start": _l("Construction start"),
    "supervision_report": _l("Supervision report"),
    "trial_operation": _l("Trial operation"),
    "security_assessment": _l("Security assessment"),
    "initial_acceptance": _l("Initial acceptance"),
    "final_acceptance": _l("Final acceptance"),
    "final_accounts_audit": _l("Final-accounts audit"),
    "post_evaluation": _l("Post-evaluation"),
}

PLANNED, IN_PROGRESS, DONE, CANCELLED = "planned", "in_progress", "done", "cancelled"
MILESTONE_STATUSES = {
    PLANNED: _l("Planned"),
    IN_PROGRESS: _l("In progress"),
    DONE: _l("Done"),
    CANCELLED: _l("Cancelled"),
}
OPEN_MILESTONE = (PLANNED, IN_PROGRESS)

SEVERITIES = {
    "low": _l("Minor"),
    "medium": _l("Moderate"),
    "high": _l("Serious"),
    "critical": _l("Critical"),
}

OPEN, RECTIFIED, CLOSED = "open", "rectified", "closed"
FINDING_STATUSES = {
    OPEN: _l("Awaiting rectification"),
    RECTIFIED: _l("Rectified, awaiting verification"),
    CLOSED: _l("Closed"),
}

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
REBASELINE_STATUSES = {
    PENDING: _l("Awaiting decision"),
    APPROVED: _l("Approved"),
    REJECTED: _l("Rejected"),
}
