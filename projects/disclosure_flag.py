"""不予公开: the Office keeps a project off the public pages, with a reason (DESIGN §2).

The change is an ordinary audited update of the project (withheld, withheld_reason), with the
reason as the audit note; the disclosure page, its CSV and the scorecard read the flag.
"""
from flask_babel import gettext as _

from core.audit import set_audit_note
from core.errors import NotAllowed, ValidationFailed
from core.extensions import db
from core.security import OFFICE, has_role
from projects.models import Project


def set_withheld(project: Project, withheld: bool, reason: str, user) -> None:
    """Only the Office withholds a project from disclosure, and always says why; lifting
    the flag clears the reason."""
    if user is not None and not has_role(user, OFFICE):
        raise NotAllowed(_("Only the Office decides what is withheld from disclosure."))
    reason = (reason or "").strip()
    if withheld and not reason:
        raise ValidationFailed(_("Say why the project is withheld from disclosure."),
                               {"withheld_reason": _("This field is required.")})
    if len(reason) > 200:
        raise ValidationFailed(_("The reason is too long."),
                               {"withheld_reason": _("At most 200 characters.")})
    project.withheld = bool(withheld)
    project.withheld_reason = reason if withheld else None
    set_audit_note(db.session, reason if withheld else _("disclosure allowed"))
    db.session.flush()
    set_audit_note(db.session, None)
