"""Schedule pages: overdue milestones and rectifications, schedule variance per project, the
portfolio timeline, a project's Gantt chart, evidence downloads; the project page's panel and
the ProjectManager's home-page panel (Jinja globals)."""
import datetime as dt

from flask import Response, abort, current_app, request, send_file
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import clock, scoping
from core.errors import DomainError
from core.export import csv_response, xlsx_response
from core.extensions import db
from core.security import current_user, is_department_scoped
from plan.models import PlanTask
from projects.enums import APPROVED_OR_LATER
from projects.models import Project
from projects.schedule import charts, evidence, findings, schedule, services
from projects.schedule.enums import PENDING
from projects.schedule.models import EvidenceFile, Rebaseline
from projects.schedule.views import TEMPLATES
from projects.scopes import can_see


def _department_filter():
    """A ProjectManager's pages show its own department by default (?all=1 for every visible
    project); others see everything they may."""
    user = current_user()
    if user is not None and is_department_scoped(user) and request.args.get("all") != "1":
        return user.department_id
    return None


def _departments():
    from plan.models import Department
    return db.session.execute(select(Department.id, Department.label_column())
                              .order_by(Department.code)).all()


def _on() -> dt.date:
    return clock.today()


class ScheduleView(BaseView):
    route_base = "/schedule"
    template_folder = TEMPLATES
    default_view = "overdue"

    @expose("/overdue")
    @has_access
    @permission_name("list")
    def overdue(self):
        """Overdue milestones and rectifications, paged, by department, searched by code or
        name."""
        from core.paging import page_args, paged_query, search_text
        user, department, q = current_user(), _department_filter(), search_text()
        chosen = request.args.get("department", type=int) or None
        if department is None:
            department = chosen
        milestones = paged_query(db.session, schedule.overdue_milestones_query(
            user, _on(), department, q), *page_args(), count_query=schedule.overdue_count_query(
            user, _on(), department, q))
        found = paged_query(db.session, findings.overdue_findings_query(
            user, _on(), department, q), *page_args("fpage"), param="fpage")
        return self.render_template(
            "schedule/overdue.html", on=_on(), grace=schedule.grace_days(),
            milestones=milestones.items, page=milestones, findings=found.items,
            findings_page=found, departments=_departments(),
            scoped=_department_filter() is not None)

    @expose("/variance")
    @has_access
    @permission_name("list")
    def variance(self):
        """Schedule variance per project from a summary cached per portfolio version, paged."""
        from core.paging import page_args, paged_list, search_text
        department, q = _department_filter(), search_text()
        rows = schedule.variance_summary(current_user(), _on(), department)
        chosen = request.args.get("department", type=int) or None
        if chosen and department is None:
            rows = [r for r in rows if r.department_id == chosen]
        if q:
            rows = [r for r in rows if q.lower() in r.code.lower() or q in r.name]
        page = paged_list(rows, *page_args())
        projects = {p.id: p for p in db.session.scalars(select(Project).where(
            Project.id.in_([r.project_id for r in page.items])))} if page.items else {}
        page.items = [(projects[r.project_id], r.variance) for r in page.items]
        return self.render_template("schedule/variance.html", rows=page.items, page=page,
                                    total=page.total, on=_on(), departments=_departments(),
                                    scoped=_department_filter() is not None)

    @expose("/variance/export/<fmt>")
    @has_access
    @permission_name("export")
    def variance_export(self, fmt):
        if fmt not in ("xlsx", "csv"):
            abort(404)
        rows = schedule.portfolio_variance(current_user(), _on(), _department_filter())
        headers = [str(h) for h in (_l("Project"), _l("Project name"), _l("Department"),
                                    _l("Status"), _l("Schedule variance (days)"),
                                    _l("Schedule variance, percent"), _l("Overdue milestones"),
                                    _l("Re-baselines"))]
        data = ([p.code, p.name, p.department.label(), str(p.status_label()), v.days, v.percent,
                 v.overdue, v.rebaselines] for p, v in rows)
        if fmt == "csv":
            return csv_response("schedule-variance.csv", headers, data)
        return xlsx_response("schedule-variance.xlsx", str(_l("Schedule variance")), headers,
                             data, widths={1: 40})

    @expose("/timeline")
    @has_access
    @permission_name("chart")
    def timeline(self):
        tasks = db.session.scalars(select(PlanTask).where(PlanTask.level == 1)
                                   .order_by(PlanTask.code))
        return self.render_template("schedule/timeline.html", tasks=list(tasks),
                                    task=request.args.get("task", ""),
                                    query=request.query_string.decode())

    @expose("/timeline.png")
    @has_access
    @permission_name("chart")
    def timeline_png(self):
        query = select(Project).where(Project.status.in_(APPROVED_OR_LATER)).join(
            PlanTask, Project.primary_task_id == PlanTask.id)
        task = request.args.get("task", "")
        if task:
            query = query.where((PlanTask.code == task) | PlanTask.code.like(f"{task}.%"))
        department = _department_filter()
        if department is not None:
            query = query.where(Project.department_id == department)
        clause = scoping.clause(Project, current_user())
        if clause is not None:
            query = query.where(clause)
        projects = list(db.session.scalars(query.order_by(PlanTask.code, Project.start_date)))
        limit = current_app.config["TIMELINE_MAX_PROJECTS"]
        shown, hidden = projects[:limit], max(len(projects) - limit, 0)
        groups: dict[str, list] = {}
        for project in shown:
            groups.setdefault(project.primary_task, []).append(project)
        labelled = [(f"{task.code} {task.title}", items) for task, items in groups.items()]
        return _png(charts.timeline_png(labelled, _on(), hidden))

    @expose("/gantt/<int:project_id>.png")
    @has_access
    @permission_name("chart")
    def gantt(self, project_id):
        try:
            project = scoping.get(Project, project_id, current_user())
        except DomainError:
            abort(404)
        on = _on()
        variance = schedule.project_variance(project, on)
        return _png(charts.gantt_png(project, variance, lambda m: schedule.is_overdue(m, on), on))

    @expose("/evidence/<int:evidence_id>")
    @has_access
    @permission_name("show")
    def evidence_file(self, evidence_id):
        """An evidence file, to those who may see its project, always as a download."""
        item = db.session.get(EvidenceFile, evidence_id)
        if item is None or not can_see(current_user(), db.session.get(Project, item.project_id)):
            abort(404)
        path = evidence.path_of(item)
        if not path.is_file():
            abort(404)
        response = send_file(path, mimetype=evidence.MIMETYPES[item.kind], as_attachment=True,
                             download_name=item.name)
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def _png(data: bytes) -> Response:
    return Response(data, mimetype="image/png", headers={"Cache-Control": "private, max-age=60"})


# --- panels for templates of other packages ---------------------------------------------------

def project_schedule(project) -> dict:
    """What the project page shows about milestones, variance, re-baselines and findings."""
    user, on = current_user(), _on()
    pending = db.session.scalar(select(Rebaseline).where(
        Rebaseline.project_id == project.id, Rebaseline.status == PENDING))
    may_keep = True
    try:
        services.ensure_may_keep_milestones(user, project)
    except DomainError:
        may_keep = False
    return {"milestones": [m for m in project.milestones],
            "overdue": {m.id for m in project.milestones if schedule.is_overdue(m, on)},
            "variance": schedule.project_variance(project, on), "pending": pending,
            "may_keep": may_keep and user is not None, "findings": project.audit_findings,
            "evidence": evidence.counts_by_milestone(project.id),
            "may_raise_finding": user is not None and findings.is_auditor(user), "on": on}


def department_deadlines() -> dict | None:
    """For a ProjectManager's home page: its department's deadlines in the next 30 days and
    its overdue milestones and rectifications."""
    user = current_user()
    if user is None or not is_department_scoped(user) or user.department_id is None:
        return None
    on, dept = _on(), user.department_id
    return {"upcoming": schedule.upcoming_milestones(user, on, 30, dept),
            "overdue": schedule.overdue_milestones(user, on, dept, limit=50),
            "findings": findings.overdue_findings(user, on, dept),
            "upcoming_findings": findings.upcoming_findings(user, on, 30, dept), "on": on}


def pending_rebaselines() -> list:
    """Re-baselines awaiting the Office, for the projects the user may see."""
    query = select(Rebaseline).join(Project, Rebaseline.project_id == Project.id).where(
        Rebaseline.status == PENDING).order_by(Rebaseline.requested_at)
    clause = scoping.clause(Project, current_user())
    return list(db.session.scalars(query if clause is None else query.where(clause)))


def register_template_helpers(app) -> None:
    app.jinja_env.globals.update(project_schedule=project_schedule,
                                 department_deadlines=department_deadlines,
                                 pending_rebaselines=pending_rebaselines,
                                 finding_overdue=findings.is_overdue)
