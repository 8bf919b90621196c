"""Information resources moving between projects (beside the guard's own rules in services)."""
from flask_babel import gettext as _
from sqlalchemy import inspect

from core.errors import NotAllowed
from core.extensions import db
from projects.guard.models import DataItem
from projects.models import Project


def check_data_item_move(item: DataItem, user) -> None:
    """Moving an information resource to another project needs the right to maintain the one it
    leaves as well as the one it joins (the guard's rule checks the new project only)."""
    from core.security import OFFICE, has_role, is_department_scoped
    history = inspect(item).attrs.project_id.history
    old_id = (history.deleted or history.unchanged or [None])[0]
    new_id = item.project.id if item.project is not None else item.project_id
    if old_id is None or old_id == new_id or user is None or has_role(user, OFFICE):
        return
    old = db.session.get(Project, old_id)
    if old is not None and (not is_department_scoped(user)
                            or old.department_id != user.department_id):
        raise NotAllowed(_("Only the project's own department maintains its information "
                           "resources."))
