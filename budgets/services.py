"""Funding rules (DESIGN §2-4, issue 4). Web forms, the REST API, the xlsx import and the CLI all
call these functions; each refusal is a DomainError with a translated message and changes nothing
(callers roll back). `user=None` means the system itself (CLI, seeding).

The rules, each in one function below:
- amounts are positive exact decimals in yuan and fen (`money_error`);
- a funding line's year lies within the project's period (`_check_line`);
- no disbursement before the project is approved (`record_disbursement`);
- cumulative disbursements on a line never exceed its planned amount (`_check_disbursed`);
- cumulative expenditures on a line never exceed its disbursements (`_check_spent`);
- the funding plan equals the budget before approval (`plan_mismatch`: warned on submission,
  enforced at approval);
- after approval the budget and the funding plan change only through a change request with a
  reason that the Office approves: a re-baseline (`request_change`, `decide_change`).
"""
import json
from decimal import Decimal
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import func, inspect, select, update

from core import scoping
from core.audit import current_actor, set_audit_note, utcnow
from core.errors import Conflict, NotAllowed, ValidationFailed
from core.extensions import db
from core.security import OFFICE, has_role, is_department_scoped
from budgets import schemas
from budgets.models import BudgetChange, Disbursement, Expenditure, FundingLine, FundingSource
from projects.enums import APPROVED_OR_LATER, CLOSED
from projects.models import Project
from projects.scopes import find_visible_project
from projects.services import ensure_may_change

MAX_AMOUNT = Decimal("999999999999.99")
ZERO = Decimal("0.00")


# --- money and references ------------------------------------------------------------------

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


def _refuse(errors: dict, message=None):
    if errors:
        raise ValidationFailed(message or _("The funding record has invalid fields."), errors)


# --- funding sources -------------------------------------------------------------------------

def seed_funding_sources(path) -> int:
    """Add the funding sources of the data file that are missing (by code); idempotent, and the
    Office's later edits of names are kept. Returns how many were added."""
    items = json.loads(Path(path).read_text(encoding="utf-8"))
    known = set(db.session.scalars(select(FundingSource.code)))
    added = 0
    for position, item in enumerate(items, start=1):
        if item["code"] not in known:
            db.session.add(FundingSource(position=position, **item))
            added += 1
    db.session.flush()
    return added


def ensure_office(user) -> None:
    if user is not None and not has_role(user, OFFICE):
        raise NotAllowed(_("Funding sources are maintained by the Office."))


def save_source(source: FundingSource | None, raw, user=None) -> FundingSource:
    """Add or change a funding source (Office): code and name required and unique."""
    ensure_office(user)
    schema = schemas.FundingSourceUpdateSchema() if source else schemas.FundingSourceSchema()
    data = schemas.load(schema, raw, _("The funding source has invalid fields."))
    source = source or FundingSource()
    with db.session.no_autoflush:
        for key, value in data.items():
            setattr(source, key, value)
        check_source(source)
    db.session.add(source)
    db.session.flush()
    return source


def check_source(source: FundingSource) -> None:
    errors = {}
    for field in ("code", "name"):
        value = (getattr(source, field) or "").strip()
        if not value:
            errors[field] = _("This field is required.")
            continue
        clash = select(FundingSource.id).where(getattr(FundingSource, field) == value)
        if source.id is not None:
            clash = clash.where(FundingSource.id != source.id)
        if db.session.scalar(clash) is not None:
            errors[field] = _("Already used by another funding source.")
    _refuse(errors, _("The funding source has invalid fields."))


def ensure_source_deletable(source: FundingSource, user=None) -> None:
    """The Office deletes a funding source that no funding line uses."""
    ensure_office(user)
    used = db.session.scalar(select(func.count()).select_from(FundingLine)
                             .where(FundingLine.source_id == source.id))
    if used:
        raise Conflict(_("%(n)d funding lines use this source; it cannot be deleted.", n=used))


def delete_source(source: FundingSource, user=None) -> None:
    ensure_source_deletable(source, user)
    db.session.delete(source)
    db.session.flush()


# --- the funding plan ---------------------------------------------------------------------

def ensure_plan_editable(user, project: Project) -> None:
    """Before approval the funding plan is part of the proposal and changes with it; after
    approval only a change request approved by the Office changes it."""
    ensure_may_fund(user, project)
    if project.status in APPROVED_OR_LATER:
        raise Conflict(_("The project is approved: change its funding plan through a change "
                         "request with a reason, which the Office approves."))
    ensure_may_change(user, project)


def _check_line(line: FundingLine) -> None:
    """A line's year lies within the project's period; its amount is positive; one line per
    source and year."""
    errors = {}
    project = line.project
    if line.source is None:
        errors["source"] = _("No such funding source.")
    first, last = project.start_date.year, project.end_date.year
    if line.year is None or not first <= line.year <= last:
        errors["year"] = _("The year must lie within the project's period, %(first)d-%(last)d.",
                           first=first, last=last)
    error = money_error(line.amount)
    if error:
        errors["amount"] = error
    if not errors:
        clash = select(FundingLine.id).where(FundingLine.project_id == project.id,
                                             FundingLine.source_id == line.source.id,
                                             FundingLine.year == line.year)
        if line.id is not None:
            clash = clash.where(FundingLine.id != line.id)
        if db.session.scalar(clash) is not None:
            errors["source"] = _("The plan already has a line for this source and year; change "
                                 "its amount instead.")
    _refuse(errors)


def add_funding_line(raw, user=None) -> FundingLine:
    """Add a line (source x year x planned amount) to a project's funding plan."""
    data = schemas.load(schemas.FundingLineSchema(), raw, _("The funding record has invalid fields."))
    project = find_visible_project(data["project"], user)
    ensure_plan_editable(user, project)
    with db.session.no_autoflush:
        line = FundingLine(project=project, source=find_source(data["source"]),
                           year=data["year"], amount=data["amount"], note=data.get("note"))
        _check_line(line)
    db.session.add(line)
    db.session.flush()
    return line


def update_funding_line(line: FundingLine, raw, user=None) -> FundingLine:
    data = schemas.load(schemas.FundingLineUpdateSchema(), raw,
                        _("The funding record has invalid fields."))
    if "project" in data and find_visible_project(data["project"], user).id != line.project_id:
        raise ValidationFailed(_("A funding line cannot move to another project."),
                               {"project": _("A funding line cannot move to another project.")})
    ensure_plan_editable(user, line.project)
    with db.session.no_autoflush:
        if "source" in data:
            line.source = find_source(data["source"])
        for key in ("year", "amount", "note"):
            if key in data:
                setattr(line, key, data[key])
        _check_line(line)
    db.session.flush()
    return line


def delete_funding_line(line: FundingLine, user=None) -> None:
    ensure_plan_editable(user, line.project)
    db.session.delete(line)
    db.session.flush()


def plan_total(project_id) -> Decimal:
    return cents(db.session.scalar(select(func.sum(FundingLine.amount))
                                   .where(FundingLine.project_id == project_id)))


def plan_mismatch(project: Project) -> str | None:
    """The funding plan must equal the budget before approval: the message when it does not."""
    total = plan_total(project.id)
    if total == project.budget_total:
        return None
    return _("The funding plan (%(plan)s yuan) does not equal the budget (%(budget)s yuan).",
             plan=fmt(total), budget=fmt(project.budget_total))


def budget_change_errors(project: Project) -> dict:
    """A project check (projects.services): an approved project's budget changes only through a
    change request."""
    state = inspect(project)
    if state.transient or state.pending or project.status not in APPROVED_OR_LATER:
        return {}
    history = state.attrs.budget_total.history
    if not history.deleted or not history.added:
        return {}
    old, new = history.deleted[0], history.added[0]
    if old is not None and new is not None and Decimal(old) == Decimal(new):
        return {}
    return {"budget_total": _("The project is approved: change its budget through a change "
                              "request with a reason, which the Office approves.")}


# --- disbursements and expenditures -----------------------------------------------------

def _locked_sums(line_id):
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
    disbursed, _spent = _locked_sums(line.id)
    _check_disbursed(line, disbursed + data["amount"])
    line.disbursed = disbursed + data["amount"]
    return _add_payment(Disbursement, line, data, user)


def record_expenditure(raw, user=None) -> Expenditure:
    """Record money spent (支出) out of what was disbursed on a funding line."""
    data = schemas.load(schemas.PaymentSchema(), raw, _("The funding record has invalid fields."))
    line = _payment_line(data, user)
    disbursed, spent = _locked_sums(line.id)
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
    disbursed, spent = _locked_sums(line.id)
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
    disbursed, spent = _locked_sums(line.id)
    if isinstance(payment, Disbursement):
        _check_spent(spent, disbursed - payment.amount)
        line.disbursed = disbursed - payment.amount
    else:
        line.spent = spent - payment.amount
    db.session.delete(payment)
    db.session.flush()


# --- change requests (re-baselines) ---------------------------------------------------------

def request_change(raw, user=None) -> BudgetChange:
    """Ask to change an approved project's budget and/or funding lines, with a reason. The new
    plan must equal the new budget and every line must still cover its disbursements."""
    data = schemas.load(schemas.ChangeRequestSchema(), raw,
                        _("The change request has invalid fields."))
    project = find_visible_project(data["project"], user)
    ensure_may_fund(user, project)
    if project.status not in APPROVED_OR_LATER:
        raise Conflict(_("Before approval the budget and the funding plan are edited directly; "
                         "change requests are for approved projects."))
    if not (data["reason"] or "").strip():
        raise ValidationFailed(_("Say why: a reason is required."),
                               {"reason": _("This field is required.")})
    pending = db.session.scalar(select(BudgetChange.id).where(
        BudgetChange.project_id == project.id, BudgetChange.status == "pending"))
    if pending:
        raise Conflict(_("Change request #%(id)d of this project awaits a decision.", id=pending))
    new_total = data["new_budget_total"] if data["new_budget_total"] is not None \
        else project.budget_total
    changes = [{"source": find_source(c["source"]), "year": c["year"], "amount": c["amount"]}
               for c in data["lines"]]
    _check_change(project, new_total, changes)
    change = BudgetChange(
        project=project, reason=data["reason"].strip(), old_budget_total=project.budget_total,
        new_budget_total=new_total, status="pending",
        requested_by=user.username if user else current_actor(),
        line_changes=[{"source": c["source"].code, "year": c["year"],
                       "amount": format(c["amount"], "f")} for c in changes])
    db.session.add(change)
    db.session.flush()
    return change


def _check_change(project, new_total, changes) -> dict:
    """Validate a change; return the resulting plan {(source_id, year): amount}."""
    errors = {}
    error = money_error(new_total)
    if error:
        errors["new_budget_total"] = error
    lines = {(ln.source_id, ln.year): ln for ln in db.session.scalars(
        select(FundingLine).where(FundingLine.project_id == project.id))}
    plan = {key: ln.amount for key, ln in lines.items()}
    first, last = project.start_date.year, project.end_date.year
    for n, change in enumerate(changes):
        field = f"lines[{n}]"
        if change["source"] is None:
            errors[f"{field}.source"] = _("No such funding source.")
            continue
        if not first <= change["year"] <= last:
            errors[f"{field}.year"] = _("The year must lie within the project's period, "
                                        "%(first)d-%(last)d.", first=first, last=last)
            continue
        error = money_error(change["amount"], allow_zero=True)
        if error:
            errors[f"{field}.amount"] = error
            continue
        key = (change["source"].id, change["year"])
        if key in lines:
            disbursed, _spent = _locked_sums(lines[key].id)
            if change["amount"] < disbursed:
                errors[f"{field}.amount"] = _(
                    "%(disbursed)s yuan were already disbursed on this line.",
                    disbursed=fmt(disbursed))
                continue
        plan[key] = change["amount"]
    _refuse(errors, _("The change request has invalid fields."))
    if not changes and new_total == project.budget_total:
        raise ValidationFailed(_("The request changes nothing."))
    total = sum(plan.values(), ZERO)
    if total != new_total:
        raise ValidationFailed(
            _("The funding plan would be %(plan)s yuan but the budget %(budget)s yuan; they must "
              "be equal.", plan=fmt(total), budget=fmt(new_total)),
            {"lines": _("Adjust the lines so that they add up to the budget.")})
    return plan


def decide_change(change: BudgetChange, decision: str, user=None, comment: str = "") -> None:
    """The Office approves a change request (a re-baseline: the budget and lines take the new
    values) or rejects it with a comment."""
    if user is not None and not has_role(user, OFFICE):
        raise NotAllowed(_("Change requests are decided by the Office."))
    if change.status != "pending":
        raise Conflict(_("This change request was decided already."))
    comment = (comment or "").strip()
    if decision not in ("approve", "reject"):
        raise ValidationFailed(_("Decide approve or reject."),
                               {"decision": _("Choose one of: %(choices)s.",
                                              choices="approve, reject")})
    if decision == "reject" and not comment:
        raise ValidationFailed(_("Say why: a comment is required to reject."),
                               {"comment": _("This field is required.")})
    project = change.project
    if decision == "approve":
        ensure_may_fund(None, project)
        changes = [{"source": find_source(c["source"]), "year": c["year"],
                    "amount": Decimal(c["amount"])} for c in change.line_changes or []]
        if project.budget_total != change.old_budget_total:
            raise Conflict(_("The budget changed since this request was made; ask again."))
        plan = _check_change(project, change.new_budget_total, changes)
        set_audit_note(db.session, _("Re-baseline (change request #%(id)d): %(reason)s",
                                     id=change.id, reason=change.reason))
        _apply_plan(project, plan)
        project.budget_total = change.new_budget_total
    change.status = "approved" if decision == "approve" else "rejected"
    change.decided_by = user.username if user else current_actor()
    change.decided_at = utcnow()
    change.decision_note = comment or None
    db.session.flush()
    set_audit_note(db.session, None)


def _apply_plan(project, plan) -> None:
    lines = {(ln.source_id, ln.year): ln for ln in db.session.scalars(
        select(FundingLine).where(FundingLine.project_id == project.id))}
    for (source_id, year), amount in plan.items():
        line = lines.get((source_id, year))
        if line is None and amount > 0:
            db.session.add(FundingLine(project=project, source_id=source_id, year=year,
                                       amount=amount))
        elif line is not None and amount == 0:
            db.session.delete(line)
        elif line is not None and line.amount != amount:
            line.amount = amount


def rebaseline_count(project_id) -> int:
    """How many times the project was re-baselined (approved change requests)."""
    return db.session.scalar(select(func.count()).select_from(BudgetChange).where(
        BudgetChange.project_id == project_id, BudgetChange.status == "approved")) or 0
