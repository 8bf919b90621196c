"""Web views of the evaluation records: public evaluations as the staff read them, the
department assessments (with their evidence file), post-evaluations and the training register.
Lists and details are scoped; every form goes through the services."""
from pathlib import Path

from flask import abort, flash, redirect, request, send_file, url_for
from flask_appbuilder import ModelView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from core.errors import DomainError
from core.security import current_user
from core.scoping import Scoped
from core.viewhelpers import ServiceCheckedView
from core.uow import transaction
from evaluation import public, services, training
from projects import attachments as files
from evaluation.enums import ASSESSED_AREAS, OBJECTIVES, PUBLIC_STATUSES
from evaluation.filters import ProjectsInOperation
from evaluation.models import DepartmentAssessment, PostEvaluation, PublicEvaluation, TrainingRecord

TEMPLATES = str(Path(__file__).resolve().parent / "templates")

LABELS = {
    "project": _l("Project"), "project.code": _l("Project"), "rating": _l("Rating (stars)"),
    "comment": _l("Comment"), "nickname": _l("Name given"), "status": _l("Status"),
    "status_label": _l("Status"), "submitted_at": _l("Submitted (UTC)"),
    "moderated_by": _l("Moderated by"), "moderated_at": _l("Moderated (UTC)"),
    "moderation_note": _l("Moderation note"), "reply": _l("Public reply"),
    "replied_by": _l("Replied by"), "department": _l("Department"), "year": _l("Year"),
    "evidence_note": _l("Evidence"), "evidence_name": _l("Evidence file"),
    "assessed_by": _l("Assessed by"), "assessed_at": _l("Assessed (UTC)"),
    "evaluated_on": _l("Evaluated on"), "evaluator": _l("Evaluator"),
    "objectives_met": _l("Objectives met"), "objectives_label": _l("Objectives met"),
    "objectives_note": _l("On the objectives"), "usage_indicator": _l("Usage indicator"),
    "usage_target": _l("Target in the proposal"), "usage_actual": _l("Actual usage"),
    "final_cost": _l("Final cost"), "benefits": _l("Benefits"), "problems": _l("Problems"),
    "lessons": _l("Lessons"), "recorded_by": _l("Recorded by"), "recorded_at": _l("Recorded (UTC)"),
    "held_on": _l("Date"), "subject": _l("Subject"), "hours": _l("Hours"),
    "attendees": _l("Attendees"), "passed": _l("Passed the examination"), "note": _l("Note"),
}
LABELS.update(ASSESSED_AREAS)


def _choices(mapping):
    return [(k, str(v)) for k, v in mapping.items()]


class PublicEvaluationView(Scoped, ModelView):
    """Public ratings and comments for the staff: read only here; moderation and replies on the
    queue page and the detail page. Everything the public wrote is shown escaped."""

    datamodel = SQLAInterface(PublicEvaluation)
    route_base = "/publicevaluations"
    template_folder = TEMPLATES
    base_permissions = ["can_list", "can_show"]
    base_order = ("submitted_at", "desc")
    list_columns = ["project.code", "rating", "comment", "status_label", "submitted_at",
                    "moderated_by", "reply"]
    show_columns = ["project", "rating", "comment", "nickname", "status_label", "submitted_at",
                    "moderated_by", "moderated_at", "moderation_note", "reply", "replied_by"]
    search_columns = ["status", "rating", "submitted_at", "comment"]
    search_form_extra_fields = {"status": SelectField(_l("Status"),
                                                      choices=_choices(PUBLIC_STATUSES))}
    label_columns = LABELS
    formatters_columns = {"comment": lambda t: (t or "")[:120], "reply": lambda t: t or "",
                          "moderated_by": lambda t: t or ""}
    show_template = "evaluation/public_show.html"
    list_title = _l("Public evaluations")
    show_title = _l("Public evaluation")

    @expose("/show/<int:pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        try:
            item = public.get_visible_evaluation(pk, current_user())
        except DomainError:
            abort(404)
        widgets = self._show(pk)
        return self.render_template(self.show_template, pk=pk, title=self.show_title,
                                    widgets=widgets, related_views=self._related_views,
                                    item=item)


class DepartmentAssessmentView(Scoped, ServiceCheckedView, ModelView):
    """绩效评估: the Office records each department's yearly scores with the evidence."""

    datamodel = SQLAInterface(DepartmentAssessment)
    route_base = "/assessments"
    template_folder = TEMPLATES
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_evidence"]
    base_order = ("year", "desc")
    list_columns = ["year", "department"] + list(ASSESSED_AREAS) + ["assessed_by"]
    show_columns = ["department", "year"] + list(ASSESSED_AREAS) + [
        "evidence_note", "evidence_name", "assessed_by", "assessed_at"]
    add_columns = ["department", "year"] + list(ASSESSED_AREAS) + ["evidence_note"]
    edit_columns = list(ASSESSED_AREAS) + ["evidence_note"]
    search_columns = ["department", "year"]
    label_columns = LABELS
    description_columns = {key: _l("0 to 100") for key in ASSESSED_AREAS}
    description_columns["evidence_note"] = _l(
        "What the scores rest on; an evidence file can be attached on the record's page")
    formatters_columns = {"evidence_name": lambda t: t or ""}
    show_template = "evaluation/assessment_show.html"
    list_title = _l("Performance assessments")
    show_title = _l("Performance assessment")
    add_title = _l("Record an assessment")
    edit_title = _l("Update the assessment")

    def check(self, item, user, creating):
        services.check_form_assessment(item, user, creating)

    @expose("/show/<int:pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        try:
            item = services.get_visible_assessment(pk, current_user())
        except DomainError:
            abort(404)
        widgets = self._show(pk)
        return self.render_template(self.show_template, pk=pk, title=self.show_title,
                                    widgets=widgets, related_views=self._related_views,
                                    item=item)

    @expose("/evidence/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("evidence")
    def evidence(self, pk):
        """GET: the evidence file; POST (the Office): attach one."""
        user = current_user()
        try:
            item = services.get_visible_assessment(pk, user)
        except DomainError:
            abort(404)
        if request.method == "GET":
            if not item.evidence_stored:
                abort(404)
            return send_file(files.path_of(item.evidence_stored), as_attachment=True,
                             download_name=item.evidence_name,
                             mimetype=files.mimetype_of(item.evidence_stored))
        upload = request.files.get("file")
        try:
            with transaction():
                services.ensure_office(user, _("performance assessments"))
                if upload is None:
                    raise DomainError(_("Choose a file."))
                item.evidence_name, item.evidence_stored = files.store_attachment(
                    upload.filename, upload.stream)
            flash(_("Evidence file attached."), "success")
        except DomainError as exc:
            flash(str(exc), "danger")
        return redirect(url_for(".show", pk=pk))


class PostEvaluationView(Scoped, ServiceCheckedView, ModelView):
    """后评价: the Office records a project's post-evaluation; everyone who sees the project
    reads it."""

    datamodel = SQLAInterface(PostEvaluation)
    route_base = "/postevaluations"
    base_permissions = ["can_list", "can_show", "can_add", "can_edit"]
    base_order = ("evaluated_on", "desc")
    list_columns = ["project", "evaluated_on", "evaluator", "objectives_label", "final_cost"]
    show_columns = ["project", "evaluated_on", "evaluator", "objectives_label",
                    "objectives_note", "usage_indicator", "usage_target", "usage_actual",
                    "final_cost", "benefits", "problems", "lessons", "recorded_by",
                    "recorded_at"]
    add_columns = ["project", "evaluated_on", "evaluator", "objectives_met", "objectives_note",
                   "usage_indicator", "usage_target", "usage_actual", "final_cost", "benefits",
                   "problems", "lessons"]
    edit_columns = add_columns[1:]
    search_columns = ["evaluated_on", "objectives_met", "evaluator", "usage_indicator"]
    add_form_query_rel_fields = {"project": [["id", ProjectsInOperation, None]]}
    add_form_extra_fields = {"objectives_met": SelectField(_l("Objectives met"),
                                                           choices=_choices(OBJECTIVES))}
    edit_form_extra_fields = add_form_extra_fields
    label_columns = LABELS
    description_columns = {
        "usage_indicator": _l("e.g. online applications per month, as the proposal names it"),
        "final_cost": _l("CNY, from the final accounts; compared with the approved budget"),
    }
    list_title = _l("Post-evaluations")
    show_title = _l("Post-evaluation")
    add_title = _l("Record a post-evaluation")
    edit_title = _l("Update the post-evaluation")

    def check(self, item, user, creating):
        services.check_form_post_evaluation(item, user, creating)


class TrainingRecordView(Scoped, ServiceCheckedView, ModelView):
    """培训: courses held for each department's staff; the Office keeps the register."""

    datamodel = SQLAInterface(TrainingRecord)
    route_base = "/training"
    base_permissions = ["can_list", "can_show", "can_add", "can_edit"]
    base_order = ("held_on", "desc")
    list_columns = ["held_on", "department", "subject", "hours", "attendees", "passed"]
    show_columns = ["department", "held_on", "subject", "hours", "attendees", "passed", "note",
                    "recorded_by", "recorded_at"]
    add_columns = edit_columns = ["department", "held_on", "subject", "hours", "attendees",
                                  "passed", "note"]
    search_columns = ["department", "held_on", "subject"]
    label_columns = LABELS
    formatters_columns = {"note": lambda t: t or ""}
    list_title = _l("Training register")
    show_title = _l("Training course")
    add_title = _l("Record a training course")
    edit_title = _l("Update the training course")

    def check(self, item, user, creating):
        training.check_form_training(item, user, creating)
