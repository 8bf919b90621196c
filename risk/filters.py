"""FAB filters: the risk register's department scoping for views and the API."""
from flask_appbuilder.models.filters import BaseFilter

from core.security import current_user, is_department_scoped
from projects.enums import CLOSED
from projects.models import Project
from risk.services import risk_visibility_clause


class VisibleRisks(BaseFilter):
    """Risks the current user may see: a ProjectManager its own department's, others all."""

    name = "visible risks"
    arg_name = "visible_risks"

    def apply(self, query, value):
        clause = risk_visibility_clause(current_user())
        return query if clause is None else query.filter(clause)


class RiskKeptProjects(BaseFilter):
    """For the risk form's project select: projects whose risks the user keeps."""

    name = "risk kept projects"
    arg_name = "risk_kept"

    def apply(self, query, value):
        query = query.filter(Project.status != CLOSED)
        user = current_user()
        if user is not None and is_department_scoped(user):
            return query.filter(Project.department_id == user.department_id)
        return query
