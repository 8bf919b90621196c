"""FAB filters that apply the department scoping of `projects.services` to views and APIs."""
from flask_appbuilder.models.filters import BaseFilter
from sqlalchemy import select

from core.security import current_user, is_department_scoped
from projects.models import Project
from projects.services import visibility_clause


class VisibleProjects(BaseFilter):
    """Rows of Project the current user may see (list, show, edit, delete, export, API)."""

    name = "visible projects"
    arg_name = "visible"

    def apply(self, query, value):
        clause = visibility_clause(current_user())
        return query if clause is None else query.filter(clause)


class VisibleProjectChildren(BaseFilter):
    """Rows that belong to a project the current user may see (reviews and the like)."""

    name = "visible project children"
    arg_name = "visible_children"

    def apply(self, query, value):
        clause = visibility_clause(current_user())
        if clause is None:
            return query
        # A subquery, not a join: the API's related columns (project.code) join Project too,
        # and a second join made "ambiguous column name: project.id" for ProjectManagers.
        return query.filter(self.model.project_id.in_(select(Project.id).where(clause)))


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
    """For a ProjectManager's form: its own department's projects only."""

    name = "own department projects"
    arg_name = "own_department_projects"

    def apply(self, query, value):
        user = current_user()
        if user is not None and is_department_scoped(user):
            return query.filter(Project.department_id == user.department_id)
        return query


class OwnDepartmentChildren(BaseFilter):
    """For a ProjectManager's form: rows (e.g. funding lines) of its own department's projects."""

    name = "own department children"
    arg_name = "own_department_children"

    def apply(self, query, value):
        user = current_user()
        if user is not None and is_department_scoped(user):
            return query.filter(self.model.project_id.in_(
                select(Project.id).where(Project.department_id == user.department_id)))
        return query


# What an add or edit form (web or the API's _info) offers to choose: for a ProjectManager its
# own department's projects only, never another department's proposals.
PROJECT_CHOICES = {"project": [["id", OwnDepartmentProjects, None]]}
FUNDING_LINE_CHOICES = {"funding_line": [["id", OwnDepartmentChildren, None]]}
