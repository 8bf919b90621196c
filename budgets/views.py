"""Web views: the funding section of a project page (forms post to ProjectFundingView), the
read-only lists of lines, payments and change requests, and the funding sources the Office keeps.
The portfolio execution page and the import are in `budgets.pages`."""
from flask import abort, redirect, request, url_for
from flask_appbuilder import BaseView, ModelView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from budgets import figures, services
from budgets.models import BudgetChange, Disbursement, Expenditure, FundingLine, FundingSource
from core import formatters as fmt
from core import scoping
from core.extensions import db
from core.security import current_user
from core.viewhelpers import ServiceCheckedView
from core.web import refusable
from core.scoping import Scoped

LABELS = {
    "project": _l("Project"), "project.code": _l("Project"), "source": _l("Funding source"),
    "source.name": _l("Funding source"), "year": _l("Budget year"), "amount": _l("Amount (CNY)"),
    "note": _l("Note"), "date": _l("Date"), "voucher_no": _l("Voucher no."),
    "funding_line": _l("Funding line"), "created_by": _l("Recorded by"),
    "created_at": _l("Recorded (UTC)"), "code": _l("Code"), "name": _l("Name"),
    "name_en": _l("English name"), "social_capital": _l("Social capital"),
    "position": _l("Order"), "reason": _l("Reason"), "old_budget_total": _l("Budget before"),
    "new_budget_total": _l("Budget after"), "status_label": _l("Status"),
    "requested_by": _l("Requested by"), "requested_at": _l("Requested (UTC)"),
    "decided_by": _l("Decided by"), "decided_at": _l("Decided (UTC)"),
    "decision_note": _l("Decision comment"), "line_changes": _l("Line changes"),
}


def funding_panel(project) -> dict:
    """What the funding section of a project page shows, and which forms the user gets."""
    user = current_user()
    lines = figures.line_rows(project.id)
    line_ids = [r["line"].id for r in lines]
    payments = []
    for kind, model in (("disbursement", Disbursement), ("expenditure", Expenditure)):
        for payment in db.session.scalars(select(model).where(model.funding_line_id.in_(line_ids))
                                          .order_by(model.date.desc()).limit(30)):
            payments.append((kind, payment))
    payments.sort(key=lambda item: item[1].date, reverse=True)
    return {
        "figures": figures.project_figures(project, lines), "lines": lines,
        "payments": payments[:30], "bands": figures.BANDS,
        "sources": list(db.session.scalars(select(FundingSource).order_by(FundingSource.position))),
        "years": list(range(project.start_date.year, project.end_date.year + 1)),
        "changes": list(db.session.scalars(select(BudgetChange).where(
            BudgetChange.project_id == project.id).order_by(BudgetChange.id.desc()))),
        "can_plan": services.may_plan(user, project),
        "can_pay": services.may_pay(user, project),
        "can_decide": services.may_decide_changes(user),
    }


class ProjectFundingView(BaseView):
    """The forms of a project's funding section post here; refusals come back as messages."""

    route_base = "/budgets/project"
    default_view = "back"

    def _back(self, project_id):
        return redirect(self._back_url(project_id))

    @staticmethod
    def _back_url(project_id):
        return url_for("ProjectModelView.show", pk=project_id) + "#funding"

    def _do(self, project_id, action, done):
        return refusable(action, done, self._back_url(project_id))

    def _form(self, *keys):
        return {k: request.form.get(k) for k in keys if request.form.get(k) not in (None, "")}

    @expose("/<int:pk>")
    @has_access
    @permission_name("record")
    def back(self, pk):
        return self._back(pk)

    @expose("/<int:pk>/line", methods=["POST"])
    @has_access
    @permission_name("record")
    def add_line(self, pk):
        body = {"project": pk, **self._form("source", "year", "amount", "note")}
        return self._do(pk, lambda: services.add_funding_line(body, current_user()),
                        _("The funding line was added."))

    @expose("/<int:pk>/line/<int:line_id>/delete", methods=["POST"])
    @has_access
    @permission_name("record")
    def delete_line(self, pk, line_id):
        def action():
            line = scoping.get(FundingLine, line_id, current_user())
            services.delete_funding_line(line, current_user())
        return self._do(pk, action, _("The funding line was removed."))

    @expose("/<int:pk>/payment", methods=["POST"])
    @has_access
    @permission_name("record")
    def add_payment(self, pk):
        body = self._form("funding_line", "date", "amount", "voucher_no", "note")
        kind = request.form.get("kind")
        record = services.record_expenditure if kind == "expenditure" else \
            services.record_disbursement
        done = _("The expenditure was recorded.") if kind == "expenditure" else \
            _("The disbursement was recorded.")
        return self._do(pk, lambda: record(body, current_user()), done)

    @expose("/<int:pk>/change", methods=["POST"])
    @has_access
    @permission_name("record")
    def request_change(self, pk):
        form = self._form("reason", "new_budget_total", "source", "year", "amount")
        body = {"project": pk, "reason": form.get("reason", ""),
                "new_budget_total": form.get("new_budget_total")}
        if form.get("source") and form.get("amount"):
            body["lines"] = [{"source": form["source"], "year": form.get("year"),
                              "amount": form["amount"]}]
        return self._do(pk, lambda: services.request_change(body, current_user()),
                        _("The change request was sent to the Office."))

    @expose("/change/<int:change_id>/decide", methods=["POST"])
    @has_access
    @permission_name("decide")
    def decide(self, change_id):
        change = db.session.get(BudgetChange, change_id)
        if change is None:
            abort(404)
        decision = request.form.get("decision", "")
        return self._do(change.project_id, lambda: services.decide_change(
            change, decision, current_user(), request.form.get("comment", "")),
            _("The change request was approved: the project is re-baselined.")
            if decision == "approve" else _("The change request was rejected."))


class FundingSourceView(ServiceCheckedView, ModelView):
    datamodel = SQLAInterface(FundingSource)
    route_base = "/budgets/sources"
    list_columns = ["position", "code", "name", "name_en", "social_capital"]
    add_columns = edit_columns = ["code", "name", "name_en", "social_capital", "position"]
    show_columns = add_columns
    label_columns = LABELS
    formatters_columns = {"social_capital": fmt.yes_no, "name_en": fmt.blank}
    base_order = ("position", "asc")
    list_title = show_title = _l("Funding sources")
    add_title = _l("Add a funding source")
    edit_title = _l("Edit funding source")

    def check(self, item, user, creating):
        services.ensure_office(user)
        services.check_source(item)

    def check_delete(self, item, user):
        services.ensure_source_deletable(item, user)


class FundingLineView(Scoped, ModelView):
    datamodel = SQLAInterface(FundingLine)
    route_base = "/budgets/lines"
    base_permissions = ["can_list", "can_show"]
    list_columns = ["project", "source", "year", "amount", "note"]
    show_columns = list_columns
    search_columns = ["project", "source", "year", "amount"]
    order_columns = ["year", "amount"]
    label_columns = LABELS
    formatters_columns = {"amount": fmt.money, "note": fmt.blank}
    base_order = ("id", "desc")
    list_title = show_title = _l("Funding lines")


class _PaymentView(Scoped, ModelView):
    base_permissions = ["can_list", "can_show"]
    list_columns = ["funding_line", "date", "amount", "voucher_no", "note", "created_by"]
    show_columns = list_columns + ["created_at"]
    search_columns = ["funding_line", "date", "amount", "voucher_no"]
    order_columns = ["date", "amount"]
    label_columns = LABELS
    formatters_columns = {"amount": fmt.money, "note": fmt.blank, "voucher_no": fmt.blank,
                          "created_at": fmt.minute}
    base_order = ("date", "desc")


class DisbursementView(_PaymentView):
    datamodel = SQLAInterface(Disbursement)
    route_base = "/budgets/disbursements"
    list_title = show_title = _l("Disbursements")


class ExpenditureView(_PaymentView):
    datamodel = SQLAInterface(Expenditure)
    route_base = "/budgets/expenditures"
    list_title = show_title = _l("Expenditures")


class BudgetChangeView(Scoped, ModelView):
    datamodel = SQLAInterface(BudgetChange)
    route_base = "/budgets/changes"
    base_permissions = ["can_list", "can_show"]
    list_columns = ["project", "status_label", "old_budget_total", "new_budget_total", "reason",
                    "requested_by", "requested_at", "decided_by"]
    show_columns = list_columns + ["line_changes", "decided_at", "decision_note"]
    search_columns = ["project", "status", "requested_by", "requested_at"]
    label_columns = LABELS
    base_order = ("requested_at", "desc")
    list_title = show_title = _l("Change requests")


def money(value) -> str:
    """1234567.5 -> '1,234,567.50' (yuan); empty for None."""
    from decimal import Decimal
    return "" if value is None else f"{Decimal(value):,.2f}"


def pct(value) -> str:
    return "—" if value is None else f"{float(value) * 100:.1f}%"


def install_template_helpers(app) -> None:
    """`project_funding(project)` for the project page, `money` and `pct` filters."""
    app.add_template_global(funding_panel, "project_funding")
    app.add_template_filter(money, "money")
    app.add_template_filter(pct, "pct")
