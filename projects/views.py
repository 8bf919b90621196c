"""Web views: project list/detail with lifecycle buttons and exports, reviews, import."""
import os
from pathlib import Path

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, ModelView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_appbuilder.widgets import ListWidget
from sqlalchemy import select
from flask_appbuilder.fields import QuerySelectField
from flask_appbuilder.fieldwidgets import Select2Widget
from wtforms import BooleanField, SelectField
from wtforms.validators import DataRequired

from core import imports, scoping
from core import clock, registry
from core import formatters as fmt
from core.errors import DomainError
from core.scoping import Scoped
from core.export import send_xlsx
from core.extensions import db
from core.jobs import Job
from core.security import OFFICE, current_user, has_role
from core.viewhelpers import ExportableList, QuickSearchSelects, ServiceCheckedView
from core.uow import transaction
from core.web import refusable
from projects import codes, desk, disclosure_flag, importer, lifecycle, reviews
from projects.enums import CATEGORIES, IN_REVIEW, PROTECTION_LEVELS, REVIEW_STAGES, STATUSES
from projects.guard import services as guard
from projects.guard.disclosure import visible_stored
from projects.filters import OwnDepartmentOnly
from projects.models import Project, Review
from projects.services import check_form_project, ensure_deletable, ensure_may_change

PROJECT_LABELS = {
    "code": _l("Code"), "name": _l("Name"), "department": _l("Department"),
    "department.name": _l("Department"), "department_name": _l("Department"),
    "primary_task": _l("Primary plan task"),
    "primary_task.code": _l("Plan task"), "plan_tasks": _l("Plan tasks"),
    "category": _l("Category"), "category_label": _l("Category"),
    "description": _l("Description"), "capabilities": _l("Capabilities"),
    "budget_total": _l("Budget (CNY)"), "start_date": _l("Planned start"),
    "end_date": _l("Planned end"), "contractor": _l("Contractor"),
    "supervisor": _l("Supervision firm"), "protection_level": _l("Protection level"),
    "status": _l("Status"), "status_label": _l("Status"), "reuses": _l("Builds on"),
    "created_by": _l("Created by"), "created_at": _l("Created (UTC)"),
    "listed_in_plan": _l("Listed in the plan"), "submitted_at": _l("Submitted (UTC)"),
}
EXPORT_COLUMNS = [
    ("code", _l("Code")), ("name", _l("Name")), ("department", _l("Department")),
    ("plan_task", _l("Plan task")), ("category", _l("Category")), ("status", _l("Status")),
    ("budget_total", _l("Budget (CNY)")), ("start_date", _l("Planned start")),
    ("end_date", _l("Planned end")), ("capabilities", _l("Capabilities")),
    ("description", _l("Description")),
]


class ProjectListWidget(ListWidget):
    """The project list: edit and delete icons only where the project rule allows them."""

    template = "project_list_widget.html"

    def __init__(self, **kwargs):
        pks = kwargs.get("pks") or []
        user = current_user()
        changeable = set()
        for project in db.session.scalars(select(Project).where(Project.id.in_(pks))):
            try:
                ensure_may_change(user, project)
                changeable.add(project.id)
            except DomainError:
                pass
        super().__init__(changeable=changeable, **kwargs)


def _may_change(user, project) -> bool:
    try:
        ensure_may_change(user, project)
    except DomainError:
        return False
    return True


def _submission_prompt(project):
    """What the submit button must say first (the funding package provides it: a plan
    unequal to the budget, blocking or asking per configuration)."""
    if project.status not in ("draft", "returned"):
        return None
    provider = registry.provider("submission_prompt")
    return provider(project) if provider else None


def _returned_review(project):
    """The Office's return decision a returned proposal waits on."""
    if project.status != "returned":
        return None
    return next((r for r in reversed(project.reviews) if r.decision == "return"), None)


def _choices(mapping):
    return [(k, str(v)) for k, v in mapping.items()]


class ProjectModelView(Scoped, QuickSearchSelects, ExportableList, ServiceCheckedView,
                       ModelView):
    datamodel = SQLAInterface(Project)
    route_base = "/projects"
    base_order = ("code", "asc")
    list_columns = ["code", "name", "department_name", "primary_task.code", "category_label",
                    "budget_total", "status_label", "start_date", "end_date"]
    order_columns = ["code", "name", "budget_total", "start_date", "end_date"]
    search_columns = ["code", "name", "department", "primary_task", "category", "status",
                      "budget_total", "start_date", "end_date", "description", "capabilities"]
    form_columns = ["code", "name", "department", "primary_task", "plan_tasks", "listed_in_plan",
                    "category",
                    "description", "capabilities", "budget_total", "start_date", "end_date",
                    "contractor", "supervisor", "protection_level", "reuses"]
    add_columns = edit_columns = form_columns
    show_columns = ["code", "name", "status_label", "department", "primary_task", "plan_tasks",
                    "category_label", "description", "capabilities", "budget_total",
                    "start_date", "end_date", "contractor", "supervisor", "protection_level",
                    "reuses", "created_by", "created_at"]
    label_columns = PROJECT_LABELS
    description_columns = {
        "code": _l("Unique and stable, e.g. TC-2013-001"),
        "capabilities": _l("What the project builds, tags separated by 、"),
        "plan_tasks": _l("Further plan tasks besides the primary one"),
        "listed_in_plan": _l("Named in the five-year plan: review starts at the feasibility "
                             "study"),
    }
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "department": [["id", OwnDepartmentOnly, None]],
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "primary_task": QuerySelectField(
            _l("Primary plan task"), query_func=codes.task_choices, get_pk_func=lambda t: t.id,
            get_label=str, allow_blank=True, blank_text=_l("Choose a plan task"),
            widget=Select2Widget(), validators=[DataRequired()]),
        "listed_in_plan": BooleanField(_l("Listed in the plan"), default=False),
        "category": SelectField(_l("Category"), choices=_choices(CATEGORIES)),
        "protection_level": SelectField(
            _l("Protection level"), coerce=lambda v: int(v) if v not in (None, "", "None") else None,
            choices=[("", "—")] + [(str(k), str(v)) for k, v in PROTECTION_LEVELS.items()]),
    }
    search_form_extra_fields = {
        "status": SelectField(_l("Status"), choices=_choices(STATUSES)),
        "category": SelectField(_l("Category"), choices=_choices(CATEGORIES)),
    }
    formatters_columns = {
        "plan_tasks": lambda tasks: "、".join(str(t) for t in tasks),
        "reuses": lambda projects: "、".join(str(p) for p in projects),
        "protection_level": lambda level: PROTECTION_LEVELS.get(level, ""),
        "contractor": lambda text: text or "", "supervisor": lambda text: text or "",
        "budget_total": fmt.money, "created_at": fmt.minute, "submitted_at": fmt.minute,
        "listed_in_plan": fmt.yes_no,
    }
    show_template = "project_show.html"
    add_template = "project_add.html"
    edit_template = "project_edit.html"
    list_template = "project_list.html"
    list_widget = ProjectListWidget
    page_size = 25
    export_name = "projects"
    export_columns = [label for _key, label in EXPORT_COLUMNS]
    export_widths = {1: 40, 2: 18, 10: 60}
    list_title = _l("Projects")
    show_title = _l("Project")
    add_title = _l("Register a project")
    edit_title = _l("Edit project")

    def check(self, item, user, creating):
        check_form_project(item, user, creating)

    def check_delete(self, item, user):
        ensure_may_change(user, item, deleting=True)
        ensure_deletable(item)

    def post_add(self, item):
        g.added_project_id = item.id

    def _get_add_widget(self, form, exclude_cols=None, widgets=None):
        """A new project's form suggests the next code of the user's department and year."""
        user = current_user()
        if request.method == "GET" and not form.code.data and user is not None:
            form.code.data = codes.suggest_code(getattr(user, "department", None),
                                                clock.today().year)
        return super()._get_add_widget(form, exclude_cols, widgets)

    def post_update(self, item):
        g.edited_project_id = item.id

    def post_edit_redirect(self):
        """After editing, back to the project (a returned proposal's Resubmit is there)."""
        if getattr(g, "edited_project_id", None):
            return redirect(url_for(".show", pk=g.edited_project_id))
        return super().post_edit_redirect()

    def post_add_redirect(self):
        """After registering a project, show it: the next step (submit) is a button there."""
        if getattr(g, "added_project_id", None):
            return redirect(url_for(".show", pk=g.added_project_id))
        return super().post_add_redirect()

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        return self._render_show(pk)

    def _render_show(self, pk, entered=None, refusal=None):
        """The project page; for the Office while in review, the decision form on the
        duplicate check it is shown (frozen), prefilled with what was typed (a refused
        decision: `entered`, `refusal`) or carried from an earlier stage."""
        widgets = self._show(pk)
        project = db.session.get(Project, int(pk))
        user = current_user()
        deciding = project.status == IN_REVIEW and has_role(user, OFFICE)
        shown = None
        if deciding:
            with transaction():  # the check shown is stored: the decision is judged on it
                shown = desk.frozen_check(project)
            matches = shown.result.get("matches", [])
            hidden = 0
        else:
            matches, hidden = guard.visible_matches(guard.check_project(project), user)
        submitted = guard.latest_check(project.id, "submission")
        return self.render_template(
            self.show_template, pk=pk, title=self.show_title, widgets=widgets,
            related_views=self._related_views, project=project,
            steps=[st for st in lifecycle.steps_from(project, user) if not st.decision],
            deciding=deciding, stage=reviews.current_stage(project),
            final_stage=reviews.is_final_stage(project), matches=matches,
            hidden_matches=hidden, submitted_check=submitted,
            submitted_matches=visible_stored(submitted.result if submitted else None, user),
            review_matches={r.id: visible_stored(r.duplicate_check, user) for r in project.reviews},
            stage_labels=REVIEW_STAGES, shown_check=shown,
            groups=desk.form_groups(project, matches, entered) if deciding else [],
            settlement_choices=desk.SETTLEMENTS, entered=entered or {},
            may_withhold=has_role(user, OFFICE), may_change=_may_change(user, project),
            returned_review=_returned_review(project),
            submit_prompt=_submission_prompt(project),
            refusal=refusal), 422 if refusal else 200

    @expose("/decide/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("decide")
    def decide(self, pk):
        """The Office's decision form: decision, comment, conditions, and per possible
        duplicate (or family of them) a reuse link, a later phase or a justification. A
        refusal shows the form again with everything typed and the missing boxes marked."""
        form = request.form
        user = current_user()
        try:
            with transaction():
                project = scoping.get(Project, pk, user)
                warnings = desk.decide_with_check(
                    project, form.get("decision", ""), user, form.get("comment", ""),
                    form.get("conditions", ""), entries=desk.entries_from_form(form),
                    check_id=form.get("check_id"))
        except DomainError as exc:
            if exc.status == 404:
                abort(404)
            return self._render_show(pk, entered=form.to_dict(), refusal=exc)
        flash(_("Decision recorded: %(status)s.") % {"status": project.status_label()},
              "success")
        for warning in warnings:
            flash(warning, "warning")
        return redirect(url_for(".show", pk=pk))

    @expose("/withhold/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("decide")
    def withhold(self, pk):
        """The Office's 不予公开 flag with its reason."""
        return self._act_on(pk, lambda project, user: disclosure_flag.set_withheld(
            project, request.form.get("withheld") == "1", request.form.get("withheld_reason", ""),
            user) or [], _("Disclosure setting saved."))

    @expose("/transition/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("transition")
    def transition(self, pk):
        """The lifecycle buttons post here; refusals come back as a message on the page. The
        submit form asks to confirm a funding plan unequal to the budget (per configuration)."""
        form = request.form

        def step(project, user):
            with lifecycle.decision_context({"ask_confirm": True,
                                             "confirmed": form.get("confirm_funding") == "1"}):
                return lifecycle.transition(project, form.get("to", ""), user,
                                            form.get("comment", ""))
        return self._act_on(pk, step, _("The project is now %(status)s."))

    def _act_on(self, pk, action, done_message):
        """Run action(project, user) -> warnings; commit, or roll back and show the refusal."""
        user = current_user()
        project = None

        def run():
            nonlocal project
            project = scoping.get(Project, pk, user)
            return action(project, user)
        return refusable(run, lambda: done_message % {"status": project.status_label()},
                         url_for(".show", pk=pk))

    def export_row(self, project):
        return export_row(project)


def export_row(project: Project) -> list:
    return [project.code, project.name, project.department.label(), project.primary_task.code,
            str(project.category_label()), str(project.status_label()), project.budget_total,
            project.start_date, project.end_date, project.capabilities, project.description]


class ReviewView(Scoped, ModelView):
    datamodel = SQLAInterface(Review)
    base_permissions = ["can_list", "can_show"]
    list_columns = ["project", "stage_label", "decision_label", "reviewer", "decided_at",
                    "comments"]
    show_columns = ["project", "stage_label", "decision_label", "reviewer", "decided_at",
                    "comments", "conditions"]
    search_columns = ["project", "stage", "decision", "reviewer", "decided_at"]
    label_columns = {"project": _l("Project"), "stage_label": _l("Stage"),
                     "decision_label": _l("Decision"), "reviewer": _l("Reviewer"),
                     "decided_at": _l("Decided (UTC)"), "comments": _l("Comments"),
                     "conditions": _l("Conditions")}
    base_order = ("decided_at", "desc")
    list_title = show_title = _l("Reviews")


class ProjectImportView(BaseView):
    """Upload a file, see every error by row and column, then confirm: all rows or none."""

    route_base = "/projects/import"
    default_view = "upload"

    @expose("/", methods=["GET", "POST"])
    @has_access
    @permission_name("import")
    def upload(self):
        """A dry run: every row is checked inside a savepoint that is always rolled back."""
        if request.method == "GET":
            return self.render_template("project_import.html", stage="upload")
        file = request.files.get("file")
        suffix = Path(file.filename or "").suffix.lower() if file else ""
        if not file or suffix not in importer.SUFFIXES:
            flash(_("Choose an .xlsx or .json file."), "danger")
            return self.render_template("project_import.html", stage="upload"), 400
        token, path = imports.stage(file, suffix)
        background = False
        try:
            with transaction():
                rows = importer.read_rows(path)
                background = importer.runs_as_job(rows)
                if not background:  # a large file is checked by the job that imports it
                    importer.check_rows(rows, current_user())
        except importer.ImportFailed as exc:
            path.unlink(missing_ok=True)
            return self.render_template("project_import.html", stage="errors",
                                        errors=exc.row_errors, message=exc.message), 422
        return self.render_template("project_import.html", stage="confirm", rows=rows,
                                    token=token, suffix=suffix, background=background)

    @expose("/confirm", methods=["POST"])
    @has_access
    @permission_name("import")
    def confirm(self):
        token, suffix = request.form.get("token", ""), request.form.get("suffix", "")
        if not token.isalnum() or suffix not in importer.SUFFIXES:
            abort(400)
        path = imports.staged(token, suffix)
        if path is None:
            flash(_("The uploaded file has expired; upload it again."), "danger")
            return redirect(url_for(".upload"))
        try:
            with transaction():
                created = importer.import_projects(path, current_user())
        except importer.ImportFailed as exc:
            return self.render_template("project_import.html", stage="errors",
                                        errors=exc.row_errors, message=exc.message), 422
        finally:
            os.remove(path)
        if isinstance(created, Job):  # many rows: the job's page follows it
            return redirect(url_for("JobView.show", job_id=created.id))
        flash(_("%(n)d projects imported.", n=len(created)), "success")
        return redirect(url_for("ProjectModelView.list"))

    @expose("/template.xlsx")
    @has_access
    @permission_name("import")
    def template(self):
        return send_xlsx(importer.template_workbook(), "project-import-template.xlsx")
