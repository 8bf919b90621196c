"""Money writes serialize on both databases: concurrent disbursements cannot overrun a funding
line (SQLite: BEGIN IMMEDIATE for those transactions; PostgreSQL: the line's row lock)."""
import threading
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from core.errors import DomainError
from core.extensions import db

WRITERS = 6


def _pay_concurrently(app, line_id, amount, record):
    from core.audit import acting_as
    from core.security import PlanGuardUser
    barrier = threading.Barrier(WRITERS)
    outcomes = []

    def pay(n):
        with app.test_request_context(), acting_as("pm"):
            user = db.session.scalar(select(PlanGuardUser).where(PlanGuardUser.username == "pm"))
            barrier.wait()
            try:
                record({"funding_line": line_id, "date": "2013-05-01", "amount": str(amount),
                        "voucher_no": f"V{n}"}, user)
                db.session.commit()
                outcomes.append("paid")
            except DomainError:
                db.session.rollback()
                outcomes.append("refused")
            except OperationalError as exc:  # SQLite busy beyond its timeout: nothing written
                db.session.rollback()
                outcomes.append(f"busy: {exc.orig}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=pay, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def _funded_line(app, make_project):
    from budgets.models import FundingLine
    make_project(status="approved", budget_total="1000000.00", funded=True)
    with app.app_context():
        return db.session.scalar(select(FundingLine.id))


def test_concurrent_disbursements_cannot_overrun_the_line(app, make_project):
    from budgets.models import Disbursement, FundingLine
    from budgets.services import record_disbursement
    line_id = _funded_line(app, make_project)
    outcomes = _pay_concurrently(app, line_id, Decimal("400000.00"), record_disbursement)
    with app.app_context():
        total = db.session.scalar(select(func.coalesce(func.sum(Disbursement.amount), 0)))
        line = db.session.get(FundingLine, line_id)
        assert Decimal(total) <= Decimal("1000000.00"), (total, outcomes)
        assert Decimal(line.disbursed) == Decimal(total), (line.disbursed, total, outcomes)
    assert outcomes.count("paid") == 2, outcomes
    assert len(outcomes) == WRITERS


def test_concurrent_expenditures_cannot_exceed_disbursements(app, make_project):
    from budgets.models import Expenditure, FundingLine
    from budgets.services import record_disbursement, record_expenditure
    from core.audit import acting_as
    line_id = _funded_line(app, make_project)
    with app.test_request_context(), acting_as("fixture"):
        record_disbursement({"funding_line": line_id, "date": "2013-04-01",
                             "amount": "1000000.00"})
        db.session.commit()
    outcomes = _pay_concurrently(app, line_id, Decimal("300000.00"), record_expenditure)
    with app.app_context():
        total = db.session.scalar(select(func.coalesce(func.sum(Expenditure.amount), 0)))
        assert Decimal(total) <= Decimal("1000000.00"), (total, outcomes)
        assert Decimal(db.session.get(FundingLine, line_id).spent) == Decimal(total)
    assert outcomes.count("paid") == 3, outcomes
