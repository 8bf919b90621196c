"""Web views of the leadership group: its decisions (with the minute attached) and its agenda,
the projects that wait on it; the review queue shows the same list (a Jinja global)."""
from pathlib import Path

from flask import abort, flash, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, ModelView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from core.errors import DomainError
from core.security import OFFICE, current_user, has_role
from core.scoping import Scoped
from core.viewhelpers import ServiceCheckedView
from core.uow import transaction
from projects import attachments as files
from flask_appbuilder.models.filters import BaseFilter
from projects.leadership import services
from projects.leadership.models import DECISIONS, LeadershipDecision

TEMPLATES = str(Path(__file__).resolve().parent / "templates")
LABELS = {"project": _l("Project"), "meeting_date": _l("Meeting date"),
          "minute_number": _l("Minute number"), "decision": _l("Decision"),
          "decision_label": _l("Decision"), "summary": _l("Summary and conditions"),
          "attachment_name": _l("Minute (file)"), "recorded_by": _l("Recorded by"),
          "recorded_at": _l("Recorded (UTC)")}


class UndecidedProjects(BaseFilter):
    name = "projects before approval"
    arg_name = "before_approval"

    def apply(self, query, value):
        from projects.models import Project
        return query.filter(
            Project.status.in_(services.UNDECIDED + ("approved",)))


class LeadershipDecisionView(Scoped, ServiceCheckedView, ModelView):
    datamodel = SQLAInterface(LeadershipDecision)
    route_base = "/leadership/decisions"
    template_folder = TEMPLATES
    base_permissions = ["can_list", "can_show", "can_add", "can_attachment"]
    base_order = ("meeting_date", "desc")
    list_columns = ["project", "meeting_date", "minute_number", "decision_label",
                    "attachment_name", "recorded_by"]
    show_columns = ["project", "meeting_date", "minute_number", "decision_label", "summary",
                    "attachment_name", "recorded_by", "recorded_at"]
    add_columns = ["project", "meeting_date", "minute_number", "decision", "summary"]
    search_columns = ["meeting_date", "minute_number", "decision"]
    add_form_query_rel_fields = {"project": [["id", UndecidedProjects, None]]}
    add_form_extra_fields = {"decision": SelectField(_l("Decision"), choices=[
        (k, str(v)) for k, v in DECISIONS.items()])}
    label_columns = LABELS
    formatters_columns = {"attachment_name": lambda t: t or "", "summary": lambda t: t or ""}
    show_template = "leadership/decision_show.html"
    list_title = _l("Leadership group decisions")
    show_title = _l("Leadership group decision")
    add_title = _l("Record a decision of the leadership group")

    def check(self, item, user, creating):
        services.check_form_decision(item, user, creating)

    @expose("/show/<int:pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        try:
            item = services.get_visible_decision(pk, current_user())
        except DomainError:
            abort(404)
        return self.render_template(self.show_template, pk=pk, title=self.show_title,
                                    widgets=self._show(pk), related_views=self._related_views,
                                    item=item, may_attach=has_role(current_user(), OFFICE))

    @expose("/attachment/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("attachment")
    def attachment(self, pk):
        """GET: the minute; POST (the Office): attach it."""
        user = current_user()
        try:
            item = services.get_visible_decision(pk, user)
        except DomainError:
            abort(404)
        if request.method == "GET":
            if not item.attachment_stored:
                abort(404)
            return send_file(files.path_of(item.attachment_stored), as_attachment=True,
                             download_name=item.attachment_name,
                             mimetype=files.mimetype_of(item.attachment_stored))
        upload = request.files.get("file")
        try:
            with transaction():
                if not has_role(user, OFFICE):
                    raise DomainError(_("Only the Office records the leadership group's referrals "
                                        "and decisions."))
                if upload is None:
                    raise DomainError(_("Choose a file."))
                item.attachment_name, item.attachment_stored = files.store_attachment(
                    upload.filename, upload.stream)
            flash(_("Minute attached."), "success")
        except DomainError as exc:
            flash(str(exc), "danger")
        return redirect(url_for(".show", pk=pk))


class LeadershipAgendaView(BaseView):
    """What waits on the leadership group, and the Office's referral of a project."""

    route_base = "/leadership"
    template_folder = TEMPLATES
    default_view = "agenda"

    @expose("/agenda")
    @has_access
    @permission_name("agenda")
    def agenda(self):
        return self.render_template("leadership/agenda.html",
                                    waiting=services.waiting_on_group(current_user()),
                                    threshold=services.threshold(),
                                    may_refer=has_role(current_user(), OFFICE))

    @expose("/refer", methods=["POST"])
    @has_access
    @permission_name("refer")
    def refer(self):
        try:
            with transaction():
                services.refer({"project": request.form.get("project", ""),
                                "reason": request.form.get("reason", "")}, current_user())
            flash(_("Referred to the leadership group."), "success")
        except DomainError as exc:
            flash(str(exc), "danger")
        return redirect(url_for(".agenda"))


def leadership_waiting():
    """For the review queue: projects that wait on the leadership group."""
    return services.waiting_on_group(current_user(), limit=50)


def register_template_helpers(app) -> None:
    app.jinja_env.globals.update(leadership_waiting=leadership_waiting)
