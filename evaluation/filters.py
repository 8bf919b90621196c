"""FAB filters: the department scoping of evaluation records for views and the API (DESIGN §4:
a ProjectManager reads its own department's; the Office, the Auditor and Admin all)."""
from flask_appbuilder.models.filters import BaseFilter
from sqlalchemy import select

from core.security import is_department_scoped
from evaluation.services import POST_EVALUATION_STATUSES
from projects.models import Project


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
