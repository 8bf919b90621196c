"""FAB filters: funding rows follow the department scoping of their project (DESIGN §4)."""
from flask_appbuilder.models.filters import BaseFilter

from budgets.models import FundingLine
from core.security import current_user
from projects.models import Project
from projects.services import visibility_clause


class VisibleLinePayments(BaseFilter):
    """Disbursements and expenditures on lines of projects the current user may see."""

    name = "visible payments"
    arg_name = "visible_payments"

    def apply(self, query, value):
        clause = visibility_clause(current_user())
        if clause is None:
            return query
        return (query.join(FundingLine, self.model.funding_line_id == FundingLine.id)
                .join(Project, FundingLine.project_id == Project.id).filter(clause))
