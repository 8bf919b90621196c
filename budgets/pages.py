"""The portfolio budget-execution page (figures, charts, exports) and the funding-line import."""
import os
from pathlib import Path

from flask import Response, abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from budgets import charts, figures, importer
from budgets.models import FundingLine, FundingSource
from core import imports
from core.export import csv_response, send_xlsx, xlsx_response
from core.extensions import db
from core.security import current_user
from core.uow import transaction
from plan.models import Department
from projects.enums import STATUSES

def _years() -> list[int]:
    """The budget years that funding lines use (a project's period may pass the plan's)."""
    return list(db.session.scalars(select(FundingLine.year).distinct().order_by(FundingLine.year)))


def _filters():
    year = request.args.get("year", type=int)
    department = request.args.get("department", type=int)
    return (year if year and 2000 <= year <= 2100 else None), department


class BudgetExecutionView(BaseView):
    route_base = "/budgets/execution"
    default_view = "index"

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        year, department = _filters()
        result = figures.cached_portfolio(current_user(), year, department)
        departments = db.session.execute(select(Department.id, Department.label_column())
                                         .order_by(Department.code)).all()
        return self.render_template(
            "budgets_execution.html", result=result, year=year, department=department,
            years=_years(), departments=departments, bands=figures.BANDS,
            query=request.query_string.decode())

    @expose("/chart/<kind>.png")
    @has_access
    @permission_name("chart")
    def chart(self, kind):
        year, department = _filters()
        result = figures.cached_portfolio(current_user(), year, department, variances=False)
        if kind == "source":
            png = charts.grouped_bars(result.by_source, _("Planned, disbursed and spent by source"))
        elif kind == "department":
            png = charts.grouped_bars(result.by_department,
                                      _("Planned, disbursed and spent by department (top 15)"),
                                      horizontal=True)
        elif kind == "year":
            png = charts.grouped_bars(dict(sorted(result.by_year.items())),
                                      _("Planned, disbursed and spent by budget year"))
        elif kind == "social":
            social = set(db.session.scalars(select(FundingSource.name)
                                            .where(FundingSource.social_capital)))
            png = charts.social_share(result.by_source, social, result.social_share)
        else:
            abort(404)
        return Response(png, mimetype="image/png", headers={"Cache-Control": "private, max-age=60"})

    @expose("/export/<fmt>")
    @has_access
    @permission_name("export")
    def export(self, fmt):
        """Per project: budget, baseline, forecast, planned, disbursed, spent, execution rate,
        cost variance and band, re-baselines (scoped and filtered like the page)."""
        if fmt not in ("xlsx", "csv"):
            abort(404)
        year, department = _filters()
        headers = [str(h) for h in (
            _l("Code"), _l("Name"), _l("Department"), _l("Status"), _l("Budget (CNY)"),
            _l("Baseline"), _l("Forecast"), _l("Planned amount"), _l("Disbursed"), _l("Spent"),
            _l("Execution rate"), _l("Cost variance"), _l("Variance band"), _l("Re-baselines"))]

        def rows():
            for r in figures.project_rows(current_user(), year, department):
                yield [r["code"], r["name"], r["department"], str(STATUSES.get(r["status"], "")),
                       r["budget"], r["baseline"], r["forecast"], r["planned"], r["disbursed"],
                       r["spent"], _rate(r["execution_rate"]), _rate(r["cost_variance"]),
                       str(figures.BANDS[r["band"]]) if r["band"] else "", r["rebaselines"]]
        name = f"budget-execution.{fmt}"
        if fmt == "csv":
            return csv_response(name, headers, rows())
        return xlsx_response(name, str(_l("Budget execution")), headers, rows(),
                             widths={1: 40, 2: 18})


def _rate(value):
    return None if value is None else float(round(value, 4))


class FundingImportView(BaseView):
    """Upload an xlsx of funding lines: every error by row and column, or all rows imported."""

    route_base = "/budgets/import"
    default_view = "upload"

    @expose("/", methods=["GET", "POST"])
    @has_access
    @permission_name("import")
    def upload(self):
        if request.method == "GET":
            return self.render_template("budgets_import.html")
        file = request.files.get("file")
        if not file or Path(file.filename or "").suffix.lower() != ".xlsx":
            flash(_("Choose an .xlsx file."), "danger")
            return self.render_template("budgets_import.html"), 400
        _token, staged = imports.stage(file, ".xlsx")
        try:
            with transaction():
                created = importer.import_file(staged, current_user())
        except importer.ImportFailed as exc:
            return self.render_template("budgets_import.html", errors=exc.row_errors,
                                        message=exc.message), 422
        finally:
            os.remove(staged)
        flash(_("%(n)d funding lines imported.", n=len(created)), "success")
        return redirect(url_for("FundingLineView.list"))

    @expose("/template.xlsx")
    @has_access
    @permission_name("import")
    def template(self):
        return send_xlsx(importer.template_workbook(), "funding-import-template.xlsx")
