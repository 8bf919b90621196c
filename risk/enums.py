"""Risk enumerations, each with its label (one place)."""
from flask_babel import lazy_gettext as _l

CATEGORIES = {
    "schedule": _l("Schedule"),
    "cost": _l("Cost"),
    "technical": _l("Technical"),
    "security": _l("Security"),
    "procurement": _l("Procurement"),
    "compliance": _l("Compliance"),
    "duplicate": _l("Duplicate construction"),
}

OPEN, MITIGATING, CLOSED = "open", "mitigating", "closed"
STATUSES = {
    OPEN: _l("Open"),
    MITIGATING: _l("Mitigating"),
    CLOSED: _l("Closed"),
}
ACTIVE = (OPEN, MITIGATING)  # a risk not closed counts as open for the rating and lists

BANDS = {
    "low": _l("Low"),
    "medium": _l("Medium"),
    "high": _l("High"),
    "critical": _l("Critical"),
}

# Causes of the risks PlanGuard raises itself (one open risk per project and cause).
CAUSES = {
    "overdue_milestone": _l("Milestone overdue past the grace days"),
    "cost_variance": _l("Cost variance over the threshold"),
    "duplicate_approved": _l("Approved despite a duplicate match"),
    "missing_security_assessment": _l("Security assessment missing"),
}

RATING_KINDS = {"computed": _l("Computed"), "manual": _l("Manual")}
WINDOWS = {"cumulative": _l("Cumulative"), "recent": _l("Last six months")}

VARIANCE_BANDS = {
    "within": _l("within 10%"),
    "moderate": _l("10-30%"),
    "over": _l("over 30%"),
}
