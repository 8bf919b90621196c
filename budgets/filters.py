"""FAB filters: funding rows follow the department scoping of their project (DESIGN §4).

They filter with `IN (subquery)` rather than a join: the REST API already joins the project
(aliased as "project") for columns such as `project.code`, and a second join would be ambiguous.
"""
from flask_appbuilder.models.filters import BaseFilter
from sqlalchemy import select

from budgets.models import FundingLine
from core.security import current_user
from projects.models import Project
from projects.services import visibility_clause


class VisibleProjectRows(BaseFilter):
    """Rows with a `project_id` of a project the current user may see."""

    name = "visible project rows"
    arg_name = "visible_project_rows"

    def apply(self, query, value):
        clause = visibility_clause(current_user())
        if clause is None:
            return query
        return query.filter(self.model.project_id.in_(
            select(Project.id).where(clause).correlate(None)))


class VisibleLinePayments(BaseFilter):
    """Disbursements and expenditures on lines of projects the current user may see."""

    name = "visible payments"
    arg_name = "visible_payments"

    def apply(self, query, value):
        clause = visibility_clause(current_user())
        if clause is None:
            return query
        return query.filter(self.model.funding_line_id.in_(
            select(FundingLine.id).join(Project, FundingLine.project_id == Project.id)
            .where(clause).correlate(None)))
