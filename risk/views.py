"""Web views: the risk register (ModelView with history and export) and the risk pages:
reviews due, the portfolio heat map, the Office's escalation list, the manual rating form,
and the project page's risk panel (a Jinja global)."""
from pathlib import Path

from flask import Response, abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, ModelView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange

from core.redirects import BackToProject
from core import clock, scoping
from core.errors import DomainError
from core.export import xlsx_response
from core.extensions import db
from core.security import OFFICE, current_user, has_role
from core.viewhelpers import ExportableList, ServiceCheckedView
from core.web import refusable
from core.scoping import Scoped
from projects.filters import OwnDepartmentProjects
from projects.models import Project
from risk import charts, costs, rating, scoring, services
from risk.enums import BANDS, CATEGORIES, STATUSES, VARIANCE_BANDS, WINDOWS
from risk.models import Risk

TEMPLATES = str(Path(__file__).resolve().parent / "templates")

LABELS = {
    "project": _l("Project"), "project.code": _l("Project"), "category": _l("Risk category"),
    "category_label": _l("Risk category"), "title": _l("Risk"), "description": _l("Risk description"),
    "likelihood": _l("Likelihood"), "impact": _l("Impact"), "score": _l("Risk score"),
    "band_label": _l("Band"), "owner": _l("Owner"), "mitigation": _l("Mitigation"),
    "status": _l("Status"), "status_label": _l("Status"), "next_review": _l("Next review"),
    "cause_label": _l("Raised by the system"), "raised_by": _l("Raised by"),
    "raised_at": _l("Raised (UTC)"), "closed_at": _l("Closed (UTC)"),
}
EXPORT_COLUMNS = [_l("Project"), _l("Project name"), _l("Department"), _l("Risk category"),
                  _l("Risk"), _l("Likelihood"), _l("Impact"), _l("Risk score"), _l("Band"),
                  _l("Owner"), _l("Mitigation"), _l("Status"), _l("Next review"),
                  _l("Raised by the system"), _l("Raised by"), _l("Raised (UTC)")]
CONTRIBUTIONS = {
    "cost_variance": _l("Cost variance"), "schedule_variance": _l("Schedule variance"),
    "open_high_risks": _l("Open high risks"), "overdue_milestones": _l("Overdue milestones"),
    "open_audit_findings": _l("Open audit findings"),
}
NOTES = {
    "cost_rule_inactive": _l("not available: the funding package is not installed yet"),
    "no_cost_data": _l("no cost figures yet"),
    "no_milestones": _l("no milestones in this period"),
}


def _choices(mapping):
    return [(k, str(v)) for k, v in mapping.items()]


def _level(label):
    return IntegerField(label, validators=[InputRequired(), NumberRange(1, 5)],
                        description=_l("1 (lowest) to 5 (highest)"))


def export_row(r: Risk) -> list:
    return [r.project.code, r.project.name, r.project.department.label(), str(r.category_label()),
            r.title, r.likelihood, r.impact, r.score, str(r.band_label()), r.owner,
            r.mitigation, str(r.status_label()), r.next_review, str(r.cause_label()),
            r.raised_by, r.raised_at]


class RiskView(BackToProject, Scoped, ExportableList, ServiceCheckedView, ModelView):
    datamodel = SQLAInterface(Risk)
    route_base = "/risks"
    template_folder = TEMPLATES
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_export"]
    base_order = ("score", "desc")
    list_columns = ["project.code", "title", "category_label", "likelihood", "impact", "score",
                    "band_label", "owner", "status_label", "next_review", "cause_label"]
    show_columns = ["project", "title", "category_label", "description", "likelihood",
                    "impact", "score", "band_label", "owner", "mitigation", "status_label",
                    "next_review", "cause_label", "raised_by", "raised_at", "closed_at"]
    add_columns = ["project", "category", "title", "description", "likelihood", "impact",
                   "owner", "mitigation", "next_review"]
    edit_columns = ["title", "description", "likelihood", "impact", "owner", "mitigation",
                    "status", "next_review"]
    order_columns = ["score", "likelihood", "impact", "next_review", "title"]
    search_columns = ["project", "category", "status", "score", "owner", "next_review", "title"]
    add_form_query_rel_fields = {"project": [["id", OwnDepartmentProjects, "open"]]}
    label_columns = LABELS
    description_columns = {
        "next_review": _l("When the owner looks at the risk again (default in 30 days)"),
    }
    add_form_extra_fields = {
        "category": SelectField(_l("Risk category"), choices=_choices(CATEGORIES)),
        "likelihood": _level(_l("Likelihood")), "impact": _level(_l("Impact")),
    }
    edit_form_extra_fields = {
        "status": SelectField(_l("Status"), choices=_choices(STATUSES)),
        "likelihood": _level(_l("Likelihood")), "impact": _level(_l("Impact")),
    }
    search_form_extra_fields = {
        "category": SelectField(_l("Risk category"), choices=_choices(CATEGORIES)),
        "status": SelectField(_l("Status"), choices=_choices(STATUSES)),
    }
    formatters_columns = {"owner": lambda text: text or "", "next_review": lambda d: d or "",
                          "mitigation": lambda text: text or "",
                          "description": lambda text: text or ""}
    show_template = "risk/risk_show.html"
    list_template = "schedule/export_list.html"
    list_title = _l("Risk register")
    show_title = _l("Risk")
    add_title = _l("Register a risk")
    edit_title = _l("Update risk")

    def check(self, item, user, creating):
        services.check_form_risk(item, user, creating)

    @expose("/show/<int:pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        try:
            item = scoping.get(Risk, pk, current_user())
        except DomainError:
            abort(404)
        widgets = self._show(pk)
        return self.render_template(self.show_template, pk=pk, title=self.show_title,
                                    widgets=widgets, related_views=self._related_views,
                                    item=item, history=services.history(item),
                                    may_keep=_may_keep(item.project))

    @expose("/edit/<pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        """Only risks the user keeps open the form; others get a message, not a form."""
        try:
            item = scoping.get(Risk, pk, current_user())
        except (DomainError, ValueError):
            abort(404)
        if not _may_keep(item.project):
            flash(_("Only a ProjectManager of %(department)s keeps this project's risks.",
                    department=item.project.department.label()), "danger")
            return redirect(url_for(".show", pk=item.id))
        return super().edit(pk)

    export_name = "risks"
    export_columns = EXPORT_COLUMNS
    export_widths = {1: 30, 4: 40, 10: 40}

    def export_row(self, item):
        return export_row(item)


def _may_keep(project) -> bool:
    try:
        services.ensure_may_keep_risks(current_user(), project)
        return current_user() is not None
    except DomainError:
        return False


class RiskPagesView(BaseView):
    route_base = "/risk"
    template_folder = TEMPLATES
    default_view = "reviews"

    @expose("/reviews")
    @has_access
    @permission_name("list")
    def reviews(self):
        on = clock.today()
        return self.render_template("risk/reviews.html", on=on,
                                    risks=services.overdue_reviews(current_user(), on, 1000))

    @expose("/heatmap")
    @has_access
    @permission_name("chart")
    def heatmap(self):
        category = request.args.get("category", "")
        counts = services.heatmap_counts(current_user(), category or None)
        return self.render_template("risk/heatmap.html", categories=CATEGORIES,
                                    category=category, total=sum(counts.values()),
                                    bands=scoring.band_ranges(), band_labels=BANDS)

    @expose("/heatmap.png")
    @has_access
    @permission_name("chart")
    def heatmap_png(self):
        category = request.args.get("category", "")
        counts = services.heatmap_counts(current_user(), category or None)
        title = _("Open risks: %(n)d", n=sum(counts.values()))
        if category in CATEGORIES:
            title += f" ({CATEGORIES[category]})"
        return Response(charts.heatmap_png(counts, title), mimetype="image/png",
                        headers={"Cache-Control": "private, max-age=60"})

    @expose("/escalation")
    @has_access
    @permission_name("escalation")
    def escalation(self):
        """Both lists paged (projects from the cached summary, risks in SQL), filtered by
        department and searched by code or name."""
        from core.paging import page_args, paged_list, paged_query, search_text
        user, q = current_user(), search_text()
        department = request.args.get("department", type=int) or None
        rows = rating.escalated_projects(user)
        if department:
            rows = [r for r in rows if r.department_id == department]
        if q:
            rows = [r for r in rows if q.lower() in r.code.lower() or q in r.name]
        page = paged_list(rows, *page_args())
        projects = rating._projects_by_id([r.project_id for r in page.items])
        page.items = [rating.EscalatedProject(r, projects[r.project_id]) for r in page.items]
        risks = paged_query(db.session, rating.escalated_risks(user, department, q),
                            *page_args("rpage"), param="rpage")
        rules = scoring.load_rules()["escalation"]
        return self.render_template(
            "risk/escalation.html", on=clock.today(), cost_active=costs.cost_rule_active(),
            projects=page.items, page=page, risks=risks.items, risks_page=risks,
            departments=_departments(), score_at_least=rules["score_at_least"],
            rating_at_most=rules["rating_at_most"],
            may_refresh=user is not None and has_role(user, OFFICE))

    @expose("/refresh", methods=["POST"])
    @has_access
    @permission_name("refresh")
    def refresh(self):
        """`risk refresh` as a background job."""
        from core import jobs
        job = jobs.enqueue("risk_refresh", {}, current_user().username)
        return redirect(url_for("JobView.show", job_id=job.id))

    @expose("/escalation/export.xlsx")
    @has_access
    @permission_name("escalation")
    def escalation_export(self):
        data = rating.escalation(current_user())
        headers = [str(h) for h in (_l("Project"), _l("Project name"), _l("Department"),
                                    _l("Computed rating"), _l("Last six months"),
                                    _l("Manual rating"), _l("Reason"), _l("Contributions"))]
        rows = ([r.project.code, r.project.name, r.project.department.label(),
                 r.cumulative.rating, r.recent.rating, r.manual.rating if r.manual else None,
                 r.manual.reason if r.manual else None, describe(r.cumulative)]
                for r in data["projects"])
        rows = list(rows) + [[]] + [[str(h) for h in EXPORT_COLUMNS]] + \
            [export_row(risk) for risk in data["risks"]]
        return xlsx_response("escalation.xlsx", str(_l("Escalation list")), headers, rows,
                             widths={1: 36, 7: 60})

    @expose("/rating/<int:project_id>", methods=["POST"])
    @has_access
    @permission_name("rate")
    def rate(self, project_id):
        """The Office's manual rating with its reason."""
        user = current_user()
        return refusable(lambda: rating.set_manual_rating(
            scoping.get(Project, project_id, user),
            {"rating": _int(request.form.get("rating")),
             "reason": request.form.get("reason", "")}, user),
            _("The manual rating is recorded."),
            url_for("ProjectModelView.show", pk=project_id) + "#risk-panel")


def _departments():
    from sqlalchemy import select

    from plan.models import Department
    return db.session.execute(select(Department.id, Department.label_column())
                              .order_by(Department.code)).all()


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def describe(result: scoring.Rating) -> str:
    """The contributions in one line, e.g. 'Schedule variance 35.0% (over 30%): -2'."""
    parts = []
    for c in result.contributions:
        if c.points:
            value = f"{c.value}%" if c.key.endswith("variance") else str(c.value)
            parts.append(f"{CONTRIBUTIONS[c.key]} {value}: -{c.points}")
    return "; ".join(parts) or str(_l("no contribution"))


# --- the project page's panel -------------------------------------------------------------------

def project_risk(project) -> dict:
    """What the project page shows about risks and the rating (nothing to a ProjectManager of
    another department)."""
    user = current_user()
    if not services.may_see_risks_of(user, project):
        return {"visible": False}
    rated = project.status in rating.WATCHED
    result = rating.project_rating(project) if rated else None
    return {"visible": True, "risks": list(project.risks), "rated": rated, "rating": result,
            "history": rating.rating_history(project)[:20], "may_keep": _may_keep(project),
            "may_rate": user is not None and has_role(user, OFFICE),
            "on": clock.today(), "cost_active": costs.cost_rule_active()}


def register_template_helpers(app) -> None:
    app.jinja_env.globals.update(project_risk=project_risk, risk_is_high=scoring.is_high,
                                 variance_css=scoring.variance_css,
                                 risk_contributions=CONTRIBUTIONS,
                                 risk_notes=NOTES, risk_variance_bands=VARIANCE_BANDS,
                                 risk_windows=WINDOWS)
