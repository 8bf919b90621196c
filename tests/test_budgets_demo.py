"""`flask demo seed` writes funding that obeys every rule: no money before approval, payments
within their lines, running totals equal to the payments, plans equal to budgets for approved
projects, and some re-baselined overruns to find."""
from decimal import Decimal

from sqlalchemy import func, select

from core.extensions import db


def test_demo_funding_obeys_the_rules(runner, app):
    result = runner.invoke(args=["demo", "seed", "--projects", "300", "--no-users"])
    assert result.exit_code == 0, result.output
    from budgets.figures import portfolio
    from budgets.models import BudgetChange, Disbursement, Expenditure, FundingLine
    from projects.enums import APPROVED_OR_LATER
    from projects.models import Project
    with app.test_request_context():
        paid = select(FundingLine.project_id).join(
            Disbursement, Disbursement.funding_line_id == FundingLine.id)
        statuses = set(db.session.scalars(select(Project.status).where(Project.id.in_(paid))))
        assert statuses and statuses <= set(APPROVED_OR_LATER)
        for model, column in ((Disbursement, FundingLine.disbursed),
                              (Expenditure, FundingLine.spent)):
            summed = (select(FundingLine.id, column, func.coalesce(func.sum(model.amount), 0))
                      .outerjoin(model, model.funding_line_id == FundingLine.id)
                      .group_by(FundingLine.id, column))
            for _id, total, payments in db.session.execute(summed):
                assert Decimal(str(total)).quantize(Decimal("0.01")) == \
                    Decimal(str(payments)).quantize(Decimal("0.01"))
        lines = db.session.scalars(select(FundingLine)).all()
        assert all(ln.spent <= ln.disbursed <= ln.amount for ln in lines)
        plans = dict(db.session.execute(select(FundingLine.project_id, func.sum(
            FundingLine.amount)).group_by(FundingLine.project_id)).all())
        for project in db.session.scalars(select(Project).where(
                Project.status.in_(APPROVED_OR_LATER))):
            assert Decimal(str(plans[project.id])).quantize(Decimal("0.01")) == \
                project.budget_total
        assert db.session.scalar(select(func.count()).select_from(BudgetChange).where(
            BudgetChange.status == "approved")) > 0
        result = portfolio(None)
        assert result.bands["10_30"] + result.bands["over_30"] > 0 and result.overruns
        assert 0 < result.social_share < 1


def test_recompute_line_totals_repairs_running_totals(app, make_project):
    from budget_helpers import line_of, pay, sums
    from budgets.models import FundingLine
    from budgets.services import recompute_line_totals
    line = line_of(app, make_project(status="in_construction", funded=True))
    pay(app, "disbursement", line, "300.00")
    pay(app, "expenditure", line, "120.50")
    with app.app_context():
        db.session.get(FundingLine, line).disbursed = Decimal("1.00")  # damaged by hand
        db.session.commit()
        recompute_line_totals()
        db.session.commit()
    assert sums(app, line) == ("300.00", "120.50")
