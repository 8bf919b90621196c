"""Report pages: compliance (page and workbook), plan coverage, department scorecard, dashboard
charts, and the public disclosure page (no login)."""
import datetime as dt
import os

from flask import Response, abort, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from sqlalchemy import select

from core import clock
from core.export import csv_response, send_xlsx
from core.extensions import db
from plan.models import Department, PlanTask
from reports import charts, coverage as cov, disclosure
from reports.rules import FAIL, NA, OUTCOMES, PASS, SEVERITIES, Filters, evaluate_cached

TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")


def _user():
    return g.user if getattr(g.user, "is_authenticated", False) else None


def _date(name):
    try:
        return dt.date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def request_filters() -> Filters:
    filters = Filters(date_from=_date("from"), date_to=_date("to"), user=_user())
    dep = request.args.get("department", type=int)
    if dep:
        filters.department = db.session.get(Department, dep)
    task = (request.args.get("plan_task") or "").strip()
    if task:
        filters.plan_task = db.session.scalar(select(PlanTask).where(PlanTask.code == task))
    return filters


def _choices():
    departments = db.session.execute(select(Department.id, Department.label_column())
                                     .order_by(Department.code)).all()
    tasks = sorted(db.session.execute(select(PlanTask.code, PlanTask.title)
                                      .where(PlanTask.level >= 1)).all(),
                   key=lambda t: cov.natural_key(t[0]))
    return departments, tasks


def _png(data: bytes) -> Response:
    return Response(data, mimetype="image/png", headers={"Cache-Control": "private, max-age=60"})


class ComplianceView(BaseView):
    """Compliance of every project with rules C01-C12, for the Auditor, the Office and Admin."""

    route_base = "/reports/compliance"
    template_folder = TEMPLATES
    default_view = "index"

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        from core.paging import page_args, paged_list
        filters = request_filters()
        result = evaluate_cached(filters)
        summary = [(rule, result.counts(rule.id)) for rule in result.rules]
        failures = result.failure_list
        rule = request.args.get("rule") or None
        if rule:
            failures = [f for f in failures if f[0].id == rule]
        page = paged_list(failures, *page_args(default_size=100))
        departments, tasks = _choices()
        return self.render_template(
            "reports/compliance.html", result=result, summary=summary, page=page,
            failures=page.items, failure_count=page.total, filters=filters,
            departments=departments, tasks=tasks, outcomes=OUTCOMES, severities=SEVERITIES,
            PASS=PASS, FAIL=FAIL, NA=NA, args=request.args,
            may_dossier=self.appbuilder.sm.has_access("can_show", "DossierView"))

    @expose("/download")
    @has_access
    @permission_name("download")
    def download(self):
        """The workbook is written by a background job: start it, then follow its page."""
        from core import jobs
        from reports.jobs import filter_params
        params = dict(filter_params(request_filters()), base_url=request.host_url)
        job = jobs.enqueue("compliance_workbook", params, _user().username)
        return redirect(url_for("JobView.show", job_id=job.id))


class CoverageView(BaseView):
    """Plan tasks x projects (规划覆盖)."""

    route_base = "/reports/coverage"
    template_folder = TEMPLATES
    default_view = "index"

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        filters = request_filters()
        rows = cov.plan_coverage(filters)
        return self.render_template("reports/coverage.html", rows=rows,
                                    uncovered=cov.uncovered(rows),
                                    clusters=cov.duplicate_clusters(rows))


class ScorecardView(BaseView):
    """Department scorecard (绩效评估)."""

    route_base = "/reports/scorecard"
    template_folder = TEMPLATES
    default_view = "index"

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        from reports.scorecard import INDICATORS, cached_scorecard, weights
        return self.render_template("reports/scorecard.html", cards=cached_scorecard(),
                                    indicators=INDICATORS, weights=weights())

    @expose("/download")
    @has_access
    @permission_name("download")
    def download(self):
        from reports.scorecard import department_scorecard, write_scorecard
        cards = department_scorecard()
        return send_xlsx(lambda file: write_scorecard(file, cards),
                         f"scorecard-{clock.today()}.xlsx")


class DashboardView(BaseView):
    """PNG charts of the home-page dashboards; each shows only what the user may see."""

    route_base = "/reports/dashboard"

    @expose("/failures.png")
    @has_access
    @permission_name("chart")
    def failures_png(self):
        user = _user()
        from core.security import ADMIN, AUDITOR, OFFICE, has_role
        if not has_role(user, ADMIN, AUDITOR, OFFICE):
            abort(404)
        return _png(charts.failures_png(evaluate_cached(Filters(user=user)),
                                        _("Compliance by rule")))

    @expose("/coverage.png")
    @has_access
    @permission_name("chart")
    def coverage_png(self):
        return _png(charts.coverage_png(cov.plan_coverage(Filters(user=_user())),
                                        _("Projects per plan task")))

    @expose("/deadlines.png")
    @has_access
    @permission_name("chart")
    def deadlines_png(self):
        from projects.models import Project
        from projects.schedule.enums import OPEN_MILESTONE
        from projects.schedule.models import Milestone
        user = _user()
        today = clock.today()
        query = (select(Milestone.planned_date).join(Project, Project.id == Milestone.project_id)
                 .where(Milestone.status.in_(OPEN_MILESTONE),
                        Milestone.planned_date <= today + dt.timedelta(weeks=9)))
        if user is not None and user.department_id:
            query = query.where(Project.department_id == user.department_id)
        return _png(charts.deadlines_png(db.session.scalars(query), today,
                                         _("Open milestones by week")))


class DisclosureView(BaseView):
    """政务公开: approved projects for everyone, without login (the Public role has
    can_list and can_csv here)."""

    route_base = "/disclosure"
    template_folder = TEMPLATES
    default_view = "index"

    def _filters(self):
        year = request.args.get("year", type=int)
        return {"department_id": request.args.get("department", type=int),
                "plan_task": (request.args.get("plan_task") or "").strip() or None,
                "status": request.args.get("status") or None,
                "year": year if year and 1990 < year < 2100 else None,
                "q": (request.args.get("q") or "").strip()[:50] or None}

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        from flask import current_app
        from projects.enums import APPROVED_OR_LATER, STATUSES
        page = max(request.args.get("page", 0, type=int), 0)
        size = current_app.config["DISCLOSURE_PAGE_SIZE"]
        rows, total, budget = disclosure.disclosed_projects(page, size, **self._filters())
        departments, tasks = disclosure.filter_choices()
        return self.render_template(
            "reports/disclosure.html", rows=rows, total=total, budget=budget, page=page,
            pages=(total + size - 1) // size, departments=departments, tasks=tasks,
            statuses={k: STATUSES[k] for k in APPROVED_OR_LATER}, args=request.args)

    @expose("/csv")
    @has_access
    @permission_name("csv")
    def csv(self):
        headers = [_("Project code"), _("Project"), _("Department"), _("Plan task"),
                   _("Budget"), _("Start"), _("End"), _("Status")]
        return csv_response(f"disclosure-{clock.today()}.csv", headers,
                            disclosure.csv_rows(**self._filters()))
