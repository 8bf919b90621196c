"""Page furniture every role sees: the demo's "as of" banner and the user's name with the
translated role (and department) in the navbar."""
import time

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core import clock
from core.extensions import db
from projects.models import Project

ROLE_LABELS = {"Admin": _l("Administrator"), "Office": _l("Informatization office"),
               "ProjectManager": _l("Project manager"), "Auditor": _l("Auditor"),
               "Public": _l("Public")}
_CACHE_SECONDS = 60


def demo_as_of():
    """The day the demo portfolio is dated to: the clock's set day (PLANGUARD_AS_OF), else
    the day the demo rows were seeded; None without a demo. Read at most once a minute."""
    if clock.as_of() is not None:
        return clock.as_of()
    cache = current_app.extensions.setdefault("planguard_demo_as_of", {})
    if cache.get("until", 0) < time.monotonic():
        stamp = db.session.scalar(select(func.max(Project.created_at)).where(
            Project.created_by == "demo"))
        cache.update(value=stamp.date() if stamp else None,
                     until=time.monotonic() + _CACHE_SECONDS)
    return cache["value"]


def user_role_label(user) -> str:
    roles = ", ".join(str(ROLE_LABELS.get(r.name, r.name)) for r in getattr(user, "roles", []))
    department = getattr(user, "department", None)
    return f"{department.label()} · {roles}" if department is not None else roles


def install(app) -> None:
    app.context_processor(lambda: {"demo_as_of": demo_as_of,
                                   "user_role_label": user_role_label})
