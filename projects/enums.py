"""Project enumerations, each with its Chinese and English label (one place)."""
from flask_babel import lazy_gettext as _l

CATEGORIES = {
    "infrastructure": _l("Infrastructure"),
    "network": _l("Network"),
    "application": _l("Application system"),
    "data_sharing": _l("Data sharing"),
    "security": _l("Information security"),
    "emergency": _l("Emergency command"),
    "portal": _l("Portal and online services"),
}

DRAFT, SUBMITTED, IN_REVIEW, RETURNED, APPROVED, REJECTED = (
    "draft", "submitted", "in_review", "returned", "approved", "rejected")
IN_CONSTRUCTION, TRIAL_OPERATION, ACCEPTED, IN_OPERATION, EVALUATED, CLOSED = (
    "in_construction", "trial_operation", "accepted", "in_operation", "evaluated", "closed")

STATUSES = {
    DRAFT: _l("Draft"),
    SUBMITTED: _l("Submitted"),
    IN_REVIEW: _l("In review"),
    RETURNED: _l("Returned for changes"),
    APPROVED: _l("Approved"),
    REJECTED: _l("Rejected"),
    IN_CONSTRUCTION: _l("In construction"),
    TRIAL_OPERATION: _l("Trial operation"),
    ACCEPTED: _l("Accepted"),
    IN_OPERATION: _l("In operation"),
    EVALUATED: _l("Evaluated"),
    CLOSED: _l("Closed"),
}

# Statuses from which a project is public to every department (and on the disclosure page).
APPROVED_OR_LATER = (APPROVED, IN_CONSTRUCTION, TRIAL_OPERATION, ACCEPTED, IN_OPERATION,
                     EVALUATED, CLOSED)
# Statuses in which the owning department may still edit or delete its project.
EDITABLE_BY_DEPARTMENT = (DRAFT, RETURNED)

REVIEW_STAGES = {
    "proposal": _l("Project proposal"),
    "feasibility": _l("Feasibility study"),
    "design": _l("Preliminary design and estimate"),
}
DECISIONS = {
    "approve": _l("Approve"),
    "return": _l("Return for changes"),
    "reject": _l("Reject"),
}

PROTECTION_LEVELS = {1: _l("Level 1"), 2: _l("Level 2"), 3: _l("Level 3"), 4: _l("Level 4")}
