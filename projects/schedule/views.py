"""Web views: milestones, audit findings, re-baselines (ModelViews) with exports and evidence
uploads. The schedule pages (overdue, variance, charts) are in pages.py."""
from pathlib import Path

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import ModelView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from core.redirects import BackToProject
from core import formatters as fmt
from core import scoping
from core.errors import DomainError
from core.extensions import db
from core.security import current_user
from core.viewhelpers import ExportableList, ServiceCheckedView
from core.web import refusable
from core.scoping import Scoped
from projects.filters import OwnDepartmentProjects
from projects.scopes import find_visible_project
from projects.schedule import evidence, findings, schedule, services
from projects.schedule.enums import (FINDING_STATUSES, MILESTONE_STATUSES, MILESTONE_TYPES,
                                     SEVERITIES)
from projects.schedule.models import AuditFinding, Milestone, Rebaseline

# FAB makes every blueprint with flask_appbuilder's import name; an absolute folder makes the
# templates of this package (schedule/*.html) findable by every view.
TEMPLATES = str(Path(__file__).resolve().parent / "templates")

LABELS = {
    "project": _l("Project"), "project.code": _l("Project"), "type": _l("Milestone"),
    "type_label": _l("Milestone"), "planned_date": _l("Planned date"),
    "baseline_date": _l("Baseline date"), "actual_date": _l("Actual date"),
    "status": _l("Status"), "status_label": _l("Status"), "note": _l("Note"),
    "severity": _l("Severity"), "severity_label": _l("Severity"),
    "description": _l("Description"), "rectification_owner": _l("Rectification owner"),
    "deadline": _l("Rectification deadline"), "rectification_note": _l("Rectification"),
    "raised_by": _l("Raised by"), "raised_on": _l("Raised on"), "closed_on": _l("Closed on"),
    "reason": _l("Reason"), "requested_by": _l("Requested by"),
    "requested_at": _l("Requested (UTC)"), "decided_by": _l("Decided by"),
    "decided_at": _l("Decided (UTC)"), "decision_comment": _l("Decision comment"),
}


def _choices(mapping):
    return [(k, str(v)) for k, v in mapping.items()]


class _ExportingView(BackToProject, Scoped, ExportableList, ServiceCheckedView, ModelView):
    """The current list (search filters and scoping) as xlsx or csv; evidence uploads."""

    template_folder = TEMPLATES
    def visible_item(self, pk):  # pragma: no cover - overridden
        raise NotImplementedError

    def may_upload(self, item, user):  # pragma: no cover - overridden
        raise NotImplementedError

    @expose("/show/<int:pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        try:
            item = self.visible_item(pk)
        except DomainError:
            abort(404)
        widgets = self._show(pk)
        return self.render_template(self.show_template, pk=pk, title=self.show_title,
                                    widgets=widgets, related_views=self._related_views,
                                    item=item, may_upload=self._allowed(self.may_upload, item),
                                    **self.show_extra(item))

    def show_extra(self, item) -> dict:
        return {}

    @staticmethod
    def _allowed(check, *args) -> bool:
        try:
            check(*args, current_user())
            return True
        except DomainError:
            return False

    @expose("/upload/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("upload")
    def upload(self, pk):
        """Attach an evidence file; refusals come back as a message on the page."""
        user = current_user()
        stored = None

        def attach():
            nonlocal stored
            item = self.visible_item(pk)
            self.may_upload(item, user)
            file = request.files.get("file")
            if file is None:
                raise DomainError(_("Choose a file."))
            stored = evidence.store(item, file.filename, file.stream, user)
        return refusable(attach, lambda: _("%(name)s is attached.", name=stored.name),
                         url_for(".show", pk=pk))


class MilestoneView(_ExportingView):
    datamodel = SQLAInterface(Milestone)
    route_base = "/milestones"
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_export",
                        "can_upload"]
    base_order = ("planned_date", "asc")
    list_columns = ["project.code", "type_label", "planned_date", "baseline_date",
                    "actual_date", "status_label"]
    show_columns = ["project", "type_label", "planned_date", "baseline_date", "actual_date",
                    "status_label", "note"]
    add_columns = ["project", "type", "planned_date", "note"]
    edit_columns = ["planned_date", "actual_date", "status", "note"]
    formatters_columns = {"note": fmt.blank, "actual_date": fmt.blank,
                          "baseline_date": fmt.blank}
    order_columns = ["planned_date", "baseline_date", "actual_date"]
    search_columns = ["project", "type", "status", "planned_date", "actual_date"]
    label_columns = LABELS
    description_columns = {
        "actual_date": _l("The day the milestone was reached; giving it marks the milestone "
                          "done"),
        "planned_date": _l("The current plan; the baseline changes only by an approved "
                           "re-baseline"),
    }
    add_form_query_rel_fields = {"project": [["id", OwnDepartmentProjects, "running"]]}
    add_form_extra_fields = {"type": SelectField(_l("Milestone"),
                                                 choices=_choices(MILESTONE_TYPES))}
    edit_form_extra_fields = {"status": SelectField(_l("Status"),
                                                    choices=_choices(MILESTONE_STATUSES))}
    search_form_extra_fields = {
        "type": SelectField(_l("Milestone"), choices=_choices(MILESTONE_TYPES)),
        "status": SelectField(_l("Status"), choices=_choices(MILESTONE_STATUSES)),
    }
    show_template = "schedule/milestone_show.html"
    list_template = "schedule/export_list.html"
    list_title = _l("Milestones")
    show_title = _l("Milestone")
    add_title = _l("Add a milestone")
    edit_title = _l("Update milestone")
    export_name = "milestones"
    export_columns = [_l("Project"), _l("Project name"), _l("Department"), _l("Milestone"),
                      _l("Planned date"), _l("Baseline date"), _l("Actual date"), _l("Status"),
                      _l("Overdue"), _l("Note")]

    def export_row(self, m):
        return [m.project.code, m.project.name, m.project.department.label(), str(m.type_label()),
                m.planned_date, m.baseline_date, m.actual_date, str(m.status_label()),
                _("yes") if schedule.is_overdue(m) else "", m.note]

    def check(self, item, user, creating):
        services.check_form_milestone(item, user, creating)

    def visible_item(self, pk):
        return scoping.get(Milestone, pk, current_user())

    def may_upload(self, item, user):
        services.ensure_may_keep_milestones(user, item.project)

    def show_extra(self, item):
        return {"overdue": schedule.is_overdue(item)}

    @expose("/edit/<pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        """Only milestones the user keeps open the form; others get a message, not a form."""
        try:
            item = self.visible_item(int(pk))
        except (DomainError, ValueError):
            abort(404)
        if not self._allowed(self.may_upload, item):
            flash(_("Only a ProjectManager of %(department)s updates this project's milestones.",
                    department=item.project.department.label()), "danger")
            return redirect(url_for(".show", pk=item.id))
        return super().edit(pk)


class AuditFindingView(_ExportingView):
    datamodel = SQLAInterface(AuditFinding)
    route_base = "/findings"
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_export",
                        "can_upload", "can_rectify"]
    base_order = ("deadline", "asc")
    list_columns = ["project.code", "severity_label", "description", "rectification_owner",
                    "deadline", "status_label"]
    show_columns = ["project", "severity_label", "description", "rectification_owner",
                    "deadline", "status_label", "rectification_note", "raised_by", "raised_on",
                    "closed_on"]
    add_columns = ["project", "severity", "description", "rectification_owner", "deadline"]
    edit_columns = ["severity", "description", "rectification_owner", "deadline", "status",
                    "rectification_note"]
    search_columns = ["project", "severity", "status", "deadline", "raised_by"]
    order_columns = ["deadline", "raised_on"]
    formatters_columns = {"rectification_note": fmt.blank, "rectification_owner": fmt.blank,
                          "closed_on": fmt.blank}
    label_columns = LABELS
    add_form_extra_fields = {"severity": SelectField(_l("Severity"), choices=_choices(SEVERITIES))}
    edit_form_extra_fields = {
        "severity": SelectField(_l("Severity"), choices=_choices(SEVERITIES)),
        "status": SelectField(_l("Status"), choices=_choices(FINDING_STATUSES)),
    }
    search_form_extra_fields = {
        "severity": SelectField(_l("Severity"), choices=_choices(SEVERITIES)),
        "status": SelectField(_l("Status"), choices=_choices(FINDING_STATUSES)),
    }
    show_template = "schedule/finding_show.html"
    list_template = "schedule/export_list.html"
    list_title = _l("Audit findings")
    show_title = _l("Audit finding")
    add_title = _l("Raise an audit finding")
    edit_title = _l("Edit audit finding")
    export_name = "audit-findings"
    export_columns = [_l("Project"), _l("Project name"), _l("Department"), _l("Severity"),
                      _l("Description"), _l("Rectification owner"),
                      _l("Rectification deadline"), _l("Status"), _l("Overdue"),
                      _l("Rectification"), _l("Raised by"), _l("Raised on")]

    def export_row(self, f):
        overdue = findings.is_overdue(f)
        return [f.project.code, f.project.name, f.project.department.label(),
                str(f.severity_label()), f.description, f.rectification_owner, f.deadline,
                str(f.status_label()), _("yes") if overdue else "", f.rectification_note,
                f.raised_by, f.raised_on]

    def check(self, item, user, creating):
        findings.check_form_finding(item, user, creating)

    def visible_item(self, pk):
        return scoping.get(AuditFinding, pk, current_user())

    def may_upload(self, item, user):
        findings.ensure_may_attach(item, user)

    def show_extra(self, item):
        return {"may_rectify": item.status == "open" and
                findings.is_rectifier(current_user(), item)}

    @expose("/rectify/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("rectify")
    def rectify(self, pk):
        """The department reports what it rectified; an Auditor then verifies it."""
        user = current_user()

        def rectify():
            findings.update_finding(self.visible_item(pk), {
                "status": "rectified",
                "rectification_note": request.form.get("rectification_note", "")}, user)
        return refusable(rectify, _("The rectification is reported; an Auditor will verify it."),
                         url_for(".show", pk=pk))


class RebaselineView(Scoped, ModelView):
    """Re-baseline requests: the department asks with a reason, the Office decides."""

    datamodel = SQLAInterface(Rebaseline)
    template_folder = TEMPLATES
    route_base = "/rebaselines"
    base_permissions = ["can_list", "can_show", "can_request", "can_decide"]
    base_order = ("requested_at", "desc")
    list_columns = ["project", "reason", "status_label", "requested_by", "requested_at",
                    "decided_by", "decision_comment"]
    show_columns = ["project", "reason", "status_label", "requested_by", "requested_at",
                    "decided_by", "decided_at", "decision_comment"]
    search_columns = ["project", "status", "requested_by"]
    label_columns = LABELS
    list_template = "schedule/rebaseline_list.html"
    list_title = show_title = _l("Re-baselines")

    @expose("/request/<int:project_id>", methods=["POST"])
    @has_access
    @permission_name("request")
    def request_new(self, project_id):
        user = current_user()
        return refusable(lambda: schedule.request_rebaseline(
            find_visible_project(project_id, user), request.form.get("reason", ""), user),
            _("The re-baseline request awaits the Office's decision."),
            url_for("ProjectModelView.show", pk=project_id))

    @expose("/decide/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("decide")
    def decide(self, pk):
        user = current_user()
        item = db.session.get(Rebaseline, pk)
        if item is None:
            abort(404)
        return refusable(lambda: schedule.decide_rebaseline(
            item, request.form.get("decision") == "approve", request.form.get("comment", ""),
            user), lambda: _("The re-baseline is %(status)s.",
                                      status=item.status_label()), url_for(".list"))
