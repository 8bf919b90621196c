"""Funding rows follow the department scoping of their project (DESIGN §4): lines and change
requests by their project (projects.scopes.of_visible_projects), payments by their line.
Registered in app.register_scopes."""
from sqlalchemy import select

from budgets.models import FundingLine
from projects.models import Project
from projects.scopes import visibility_clause


def of_visible_lines(model):
    """The scope of disbursements and expenditures: on lines of projects the user may see."""
    def clause(user):
        where = visibility_clause(user)
        if where is None:
            return None
        return model.funding_line_id.in_(
            select(FundingLine.id).join(Project, FundingLine.project_id == Project.id)
            .where(where).correlate(None))
    return clause
