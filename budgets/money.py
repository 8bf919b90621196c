"""What every funding record shares: amounts in yuan and fen, sums from the database, the
funding source named by a reference, and who keeps a project's funding records."""
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from budgets.models import FundingSource
from core.errors import DomainError, NotAllowed, ValidationFailed
from core.extensions import db
from core.security import OFFICE, has_role, is_department_scoped
from projects.enums import CLOSED
from projects.models import Project

MAX_AMOUNT = Decimal("999999999999.99")
ZERO = Decimal("0.00")


def money_error(amount, allow_zero=False) -> str | None:
    """An amount is a positive number of yuan with at most two decimals (fen)."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        return _("Not an amount of money.")
    if amount < 0 or (amount == 0 and not allow_zero):
        return _("The amount must be more than zero.")
    if amount > MAX_AMOUNT or -amount.as_tuple().exponent > 2:
        return _("Give yuan with at most two decimals (fen).")
    return None


def cents(value) -> Decimal:
    """A sum from the database as Decimal yuan with two decimals (SQLite sums come as floats)."""
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def fmt(amount) -> str:
    return f"{Decimal(amount or 0):,.2f}"


def find_source(ref) -> FundingSource | None:
    if isinstance(ref, int):
        return db.session.get(FundingSource, ref)
    return db.session.scalar(select(FundingSource).where(
        (FundingSource.code == ref) | (FundingSource.name == ref)))


def ensure_may_fund(user, project: Project) -> None:
    """The owning department's ProjectManager and the Office keep a project's funding records;
    Admin and Auditor change none, and a closed project's records are final."""
    if user is not None:
        if is_department_scoped(user):
            if project.department_id != user.department_id:
                raise NotAllowed(_("This project belongs to another department."))
        elif not has_role(user, OFFICE):
            raise NotAllowed(_("Your role may not change funding records."))
    if project.status == CLOSED:
        raise NotAllowed(_("A closed project cannot be changed."))


def allowed(check, *args) -> bool:
    """Does check(*args) pass (a rule's ensure_* asked for a yes or no)?"""
    try:
        check(*args)
        return True
    except DomainError:
        return False


def refuse(errors: dict, message=None):
    if errors:
        raise ValidationFailed(message or _("The funding record has invalid fields."), errors)
