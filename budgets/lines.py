"""The funding plan: a project's lines (source x year x planned amount). Before approval the
plan is part of the proposal; it must then equal the budget (`plan_mismatch`)."""
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, inspect, select

from budgets import schemas
from budgets.models import FundingLine
from budgets.money import cents, ensure_may_fund, find_source, fmt, money_error, refuse
from core.errors import Conflict, ValidationFailed
from core.extensions import db
from projects.enums import APPROVED_OR_LATER
from projects.models import Project
from projects.scopes import find_visible_project
from projects.services import ensure_may_change


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
    refuse(errors)


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
