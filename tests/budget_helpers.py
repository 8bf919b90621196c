"""Shared by the tests/test_budgets_*.py files: row counts to assert that nothing changed, and a
project with a funding plan of known lines."""
from sqlalchemy import func, select

from core.audit import AuditEvent
from core.extensions import db

BUDGET = "2500000.00"  # conftest.proposal's budget; its period is 2013-03-01..2013-12-31


def counts(app) -> dict:
    """Rows per funding table and audit events: equal before and after means nothing changed."""
    from budgets.models import BudgetChange, Disbursement, Expenditure, FundingLine
    from projects.models import Project
    with app.app_context():
        result = {m.__name__: db.session.scalar(select(func.count()).select_from(m))
                  for m in (FundingLine, Disbursement, Expenditure, BudgetChange, AuditEvent)}
        result["budgets"] = sorted(str(b) for b in db.session.scalars(select(Project.budget_total)))
        result["amounts"] = sorted(str(a) for a in db.session.scalars(
            select(FundingLine.amount)))
        return result


def sums(app, line_id):
    """(disbursed, spent) on a line, summed from its payments; the line's running totals must
    agree."""
    from budgets.models import Disbursement, Expenditure, FundingLine
    with app.app_context():
        result = tuple(str(db.session.scalar(select(func.coalesce(func.sum(m.amount), 0)).where(
            m.funding_line_id == line_id)) or 0) for m in (Disbursement, Expenditure))
        line = db.session.get(FundingLine, line_id)
        assert (f"{line.disbursed:.2f}", f"{line.spent:.2f}") == tuple(
            f"{float(v):.2f}" for v in result), "running totals disagree with the payments"
        return tuple(f"{float(v):.2f}" for v in result)


def line_of(app, project_id):
    from budgets.models import FundingLine
    with app.app_context():
        return db.session.scalar(select(FundingLine.id).where(FundingLine.project_id == project_id))


def pay(app, kind, line_id, amount, date="2013-05-02"):
    """Record a disbursement or an expenditure through the service, as the system."""
    from budgets import services
    from core.audit import acting_as
    record = services.record_disbursement if kind == "disbursement" else \
        services.record_expenditure
    with app.app_context(), acting_as("fixture"):
        record({"funding_line": line_id, "date": date, "amount": amount})
        db.session.commit()


def source_id(app, code):
    from budgets.models import FundingSource
    with app.app_context():
        return db.session.scalar(select(FundingSource.id).where(FundingSource.code == code))
