"""What a user may learn of a stored duplicate check (at submission, frozen in a review): the
result is stored in full for the Office, and shown to a ProjectManager without other
departments' unapproved proposals, only their number (DESIGN §4)."""
from flask_babel import gettext as _

from projects.guard import services as guard


def visible_stored(result: dict | None, user) -> tuple[list[dict], int]:
    """(matches the user may see, how many others) of a stored result ({"matches": [...]})."""
    matches = (result or {}).get("matches") or []
    return guard.visible_matches(matches, user)


def store_at_submission(project, user=None):
    """Lifecycle after-hook on `submitted`: store the check with the proposal and tell the
    submitter what was found, within what the submitter may see."""
    check = guard.store_check(project, "submission")
    if not check.flagged:
        return None
    shown, hidden = visible_stored(check.result, user)
    message = _("The duplicate check found %(n)d possible duplicates: %(codes)s.",
                n=check.flagged, codes=", ".join(m["code"] for m in shown) or "—")
    if hidden:
        message += " (" + _("%(n)d more in other departments' unapproved proposals, visible "
                            "to the Office", n=hidden) + ")"
    return message
