"""FAB filters: the department scoping of evaluation records for views and the API (DESIGN §4:
a ProjectManager reads its own department's; the Office, the Auditor and Admin all)."""
from flask_appbuilder.models.filters import BaseFilter
from sqlalchemy import select

from core.security import current_user, is_department_scoped
from evaluation import public
from evaluation.services import POST_EVALUATION_STATUSES
from projects.models import Project


class OwnDepartmentRows(BaseFilter):
    """Rows with a `department_id`: a ProjectManager's own department's only."""

    name = "own department rows"
    arg_name = "own_department_rows"

    def apply(self, query, value):
        user = current_user()
        if user is not None and is_department_scoped(user):
            return query.filter(self.model.department_id == user.department_id)
        return query


class VisibleEvaluations(BaseFilter):
    """Public evaluations of projects the user may read."""

    name = "visible public evaluations"
    arg_name = "visible_public_evaluations"

    def apply(self, query, value):
        clause = public.visibility_clause(current_user())
        return query if clause is None else query.filter(clause)


class ProjectsInOperation(BaseFilter):
    """For the post-evaluation form: projects in operation or evaluated."""

    name = "projects in operation"
    arg_name = "in_operation"

    def apply(self, query, value):
        return query.filter(Project.status.in_(POST_EVALUATION_STATUSES))


def own_department_ids(user):
    """A select of the project ids of a ProjectManager's department (None for others)."""
    if user is None or not is_department_scoped(user):
        return None
    return select(Project.id).where(Project.department_id == user.department_id)
