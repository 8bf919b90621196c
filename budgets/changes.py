"""Change requests (re-baselines): after approval the budget and the funding plan change only
through a request with a reason that the Office approves."""
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from budgets import schemas
from budgets.models import BudgetChange, FundingLine
from budgets.money import ZERO, ensure_may_fund, find_source, fmt, money_error, refuse
from budgets.payments import locked_sums
from core.audit import current_actor, set_audit_note, utcnow
from core.errors import Conflict, NotAllowed, ValidationFailed
from core.extensions import db
from core.security import OFFICE, has_role
from projects.enums import APPROVED_OR_LATER
from projects.scopes import find_visible_project


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
            disbursed, _spent = locked_sums(lines[key].id)
            if change["amount"] < disbursed:
                errors[f"{field}.amount"] = _(
                    "%(disbursed)s yuan were already disbursed on this line.",
                    disbursed=fmt(disbursed))
                continue
        plan[key] = change["amount"]
    refuse(errors, _("The change request has invalid fields."))
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
