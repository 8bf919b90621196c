"""Disbursements (拨付) and expenditures (支出) against a funding line: no money before approval,
disbursed never above planned, spent never above disbursed, checked with the line locked."""
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from budgets import schemas
from budgets.models import Disbursement, Expenditure, FundingLine
from budgets.money import cents, ensure_may_fund, fmt, money_error
from core import scoping
from core.audit import current_actor
from core.errors import Conflict, ValidationFailed
from core.extensions import db
from projects.enums import APPROVED_OR_LATER


def locked_sums(line_id):
    """(disbursed, spent) on a line, read with the line row locked (PostgreSQL) so that two
    concurrent payments cannot both pass the cumulative checks."""
    line = db.session.scalars(select(FundingLine).where(FundingLine.id == line_id)
                              .with_for_update(of=FundingLine)
                              .execution_options(populate_existing=True)).one()
    return cents(line.disbursed), cents(line.spent)


def recompute_line_totals(line_ids=None) -> None:
    """Rebuild the lines' running totals from their payments (after bulk inserts; a repair)."""
    def summed(model):
        return (select(func.coalesce(func.sum(model.amount), 0))
                .where(model.funding_line_id == FundingLine.id).scalar_subquery())
    statement = update(FundingLine).values(disbursed=summed(Disbursement),
                                           spent=summed(Expenditure))
    if line_ids is not None:
        statement = statement.where(FundingLine.id.in_(line_ids))
    db.session.execute(statement, execution_options={"synchronize_session": False})


def _check_disbursed(line: FundingLine, disbursed: Decimal) -> None:
    """Cumulative disbursements never exceed the line's planned amount."""
    if disbursed > line.amount:
        raise ValidationFailed(
            _("Disbursements would reach %(total)s yuan, more than the %(planned)s yuan planned "
              "on this line.", total=fmt(disbursed), planned=fmt(line.amount)),
            {"amount": _("Disbursements cannot exceed the planned amount of the line.")})


def _check_spent(spent: Decimal, disbursed: Decimal) -> None:
    """Cumulative expenditures never exceed what was disbursed on the line."""
    if spent > disbursed:
        raise ValidationFailed(
            _("Expenditures would reach %(spent)s yuan, more than the %(disbursed)s yuan "
              "disbursed on this line.", spent=fmt(spent), disbursed=fmt(disbursed)),
            {"amount": _("Expenditures cannot exceed disbursements.")})


def _payment_line(data, user):
    line = scoping.get(FundingLine, data["funding_line"], user)
    ensure_may_fund(user, line.project)
    if line.project.status not in APPROVED_OR_LATER:
        raise Conflict(_("No money moves before approval: the project is %(status)s.",
                         status=line.project.status_label()))
    error = money_error(data.get("amount"))
    if error:
        raise ValidationFailed(_("The funding record has invalid fields."), {"amount": error})
    return line


def record_disbursement(raw, user=None) -> Disbursement:
    """Record money released (拨付) from a funding line of an approved project."""
    data = schemas.load(schemas.PaymentSchema(), raw, _("The funding record has invalid fields."))
    line = _payment_line(data, user)
    disbursed, _spent = locked_sums(line.id)
    _check_disbursed(line, disbursed + data["amount"])
    line.disbursed = disbursed + data["amount"]
    return _add_payment(Disbursement, line, data, user)


def record_expenditure(raw, user=None) -> Expenditure:
    """Record money spent (支出) out of what was disbursed on a funding line."""
    data = schemas.load(schemas.PaymentSchema(), raw, _("The funding record has invalid fields."))
    line = _payment_line(data, user)
    disbursed, spent = locked_sums(line.id)
    _check_spent(spent + data["amount"], disbursed)
    line.spent = spent + data["amount"]
    return _add_payment(Expenditure, line, data, user)


def _add_payment(model, line, data, user):
    payment = model(funding_line=line, date=data["date"], amount=data["amount"],
                    voucher_no=data.get("voucher_no") or None, note=data.get("note"),
                    created_by=user.username if user else current_actor())
    db.session.add(payment)
    db.session.flush()
    return payment


def update_payment(payment, raw, user=None):
    """Correct a disbursement or an expenditure (date, amount, voucher, note); the cumulative
    rules hold after the correction. It stays on its line."""
    data = schemas.load(schemas.PaymentUpdateSchema(), raw,
                        _("The funding record has invalid fields."))
    if "funding_line" in data and data["funding_line"] != payment.funding_line_id:
        raise ValidationFailed(_("A payment cannot move to another funding line."),
                               {"funding_line": _("Record a new one on the other line.")})
    data["funding_line"] = payment.funding_line_id
    data.setdefault("amount", payment.amount)
    line = _payment_line(data, user)
    disbursed, spent = locked_sums(line.id)
    delta = data["amount"] - payment.amount
    if isinstance(payment, Disbursement):
        _check_disbursed(line, disbursed + delta)
        _check_spent(spent, disbursed + delta)
        line.disbursed = disbursed + delta
    else:
        _check_spent(spent + delta, disbursed)
        line.spent = spent + delta
    for key in ("date", "amount", "voucher_no", "note"):
        if key in data:
            setattr(payment, key, data[key])
    db.session.flush()
    return payment


def delete_payment(payment, user=None) -> None:
    """Remove a payment recorded in error; a disbursement only while what remains still covers
    the line's expenditures."""
    line = payment.funding_line
    ensure_may_fund(user, line.project)
    disbursed, spent = locked_sums(line.id)
    if isinstance(payment, Disbursement):
        _check_spent(spent, disbursed - payment.amount)
        line.disbursed = disbursed - payment.amount
    else:
        line.spent = spent - payment.amount
    db.session.delete(payment)
    db.session.flush()
