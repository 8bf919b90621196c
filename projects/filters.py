"""FAB filters for the forms' selects: what a user may pick to write to (its own department,
its own department's projects). What a user may *see* is scoping (core.scoping), applied to
every view and API by the `Scoped` mixin."""
from flask_appbuilder.models.filters import BaseFilter

from core.security import current_user, is_department_scoped
from projects.enums import APPROVED_OR_LATER, CLOSED
from projects.models import Project


class OwnDepartmentOnly(BaseFilter):
    """For a ProjectManager's form: the department select offers its own department only."""

    name = "own department"
    arg_name = "own_department"

    def apply(self, query, value):
        user = current_user()
        if user is not None and is_department_scoped(user):
            return query.filter(self.model.id == user.department_id)
        return query


class OwnDepartmentProjects(BaseFilter):
    """For a ProjectManager's form: its own department's projects only. The value narrows by
    status: "open" (not closed: risks), "running" (approved until closed: milestones)."""

    name = "own department projects"
    arg_name = "own_department_projects"

    def apply(self, query, value):
        if value in ("open", "running"):
            query = query.filter(Project.status != CLOSED)
        if value == "running":
            query = query.filter(Project.status.in_(APPROVED_OR_LATER))
        user = current_user()
        if user is not None and is_department_scoped(user):
            return query.filter(Project.department_id == user.department_id)
        return query
