"""Enumerations of the evaluation package, each with its Chinese and English label."""
from flask_babel import lazy_gettext as _l

# Public evaluation (公众评价): a comment waits for moderation; a rating alone counts at once.
PENDING, PUBLISHED, REJECTED = "pending", "published", "rejected"
PUBLIC_STATUSES = {
    PENDING: _l("Waiting for moderation"),
    PUBLISHED: _l("Published"),
    REJECTED: _l("Not published"),
}
# Projects the public may rate: systems that are running.
RATEABLE_STATUSES = ("in_operation", "evaluated", "closed")

# 绩效评估: the four areas the plan names (G4), assessed by the Office, 0-100 each.
ASSESSED_AREAS = {
    "information_disclosure": _l("Information disclosure"),   # 信息公开
    "online_services": _l("Online services"),                 # 网上办事
    "public_participation": _l("Public participation"),       # 公众参与
    "website_construction": _l("Website construction"),       # 网站建设
}

# 后评价: how far the project met the objectives of its proposal.
OBJECTIVES = {
    "fully": _l("Fully met"),
    "mostly": _l("Mostly met"),
    "partly": _l("Partly met"),
    "not_met": _l("Not met"),
}
