"""REST resources `publicevaluation`, `departmentassessment`, `postevaluation` and
`trainingrecord`. Reads are scoped (a ProjectManager its own department's records); every write
goes through the services, which check the role (FAB's base_filters do not guard POST)."""
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name

from core.security import current_user
from evaluation import public, services, training
from core.api import ServiceApi, step_doc
from evaluation.models import DepartmentAssessment, PostEvaluation, PublicEvaluation, TrainingRecord
from evaluation.schemas import ModerationSchema, ReplySchema
from core.schemas import parse


class PublicEvaluationApi(ServiceApi):
    """Public evaluations as the staff read them; the public itself posts through the web form
    of the disclosure page (no account)."""

    resource_name = "publicevaluation"
    datamodel = SQLAInterface(PublicEvaluation)
    include_route_methods = {"get", "get_list", "info", "moderate", "answer"}
    list_columns = show_columns = ["id", "project.id", "project.code", "rating", "comment",
                                   "nickname", "status", "submitted_at", "moderated_by",
                                   "moderated_at", "moderation_note", "reply", "replied_by",
                                   "replied_at"]
    search_columns = ["project", "status", "rating", "submitted_at"]
    order_columns = ["submitted_at", "rating", "status"]
    base_order = ("submitted_at", "desc")
    lookup = staticmethod(public.get_visible_evaluation)

    @expose("/<int:pk>/moderate", methods=["POST"])
    @protect()
    @safe
    @permission_name("moderate")
    def moderate(self, pk):
        return self.step(pk, lambda item, body: public.moderate(
            item, **parse(ModerationSchema(), body, "invalid"), user=current_user()))

    moderate.__doc__ = step_doc(
        "The Office publishes or rejects a comment (a rejection needs a note)",
        "{decision: {type: string, enum: [publish, reject]}, note: {type: string}}",
        "Role or department may not", "Already moderated")

    @expose("/<int:pk>/reply", methods=["POST"])
    @protect()
    @safe
    @permission_name("reply")
    def answer(self, pk):
        return self.step(pk, lambda item, body: public.reply(
            item, parse(ReplySchema(), body, "invalid")["reply"], current_user()))

    answer.__doc__ = step_doc(
        "The department's public reply to a published comment",
        "{reply: {type: string}}", "Role or department may not", "Not published")


class DepartmentAssessmentApi(ServiceApi):
    resource_name = "departmentassessment"
    datamodel = SQLAInterface(DepartmentAssessment)
    include_route_methods = {"get", "get_list", "info", "post", "put"}
    list_columns = show_columns = ["id", "department.code", "department.name", "year",
                                   "information_disclosure", "online_services",
                                   "public_participation", "website_construction",
                                   "evidence_note", "evidence_name", "assessed_by",
                                   "assessed_at"]
    add_columns = ["department", "year", "information_disclosure", "online_services",
                   "public_participation", "website_construction", "evidence_note"]
    edit_columns = add_columns[2:]
    search_columns = ["department", "year"]
    order_columns = ["year"]
    base_order = ("year", "desc")
    create = staticmethod(services.record_assessment)
    change = staticmethod(services.update_assessment)
    lookup = staticmethod(services.get_visible_assessment)
    openapi_spec_methods = {"post": {"post": {"description": (
        'The Office records a department\'s yearly assessment, e.g. {"department": "市公安局", '
        '"year": 2013, "information_disclosure": 85, "online_services": 78, '
        '"public_participation": 70, "website_construction": 90, "evidence_note": "..."}.')}}}


class PostEvaluationApi(ServiceApi):
    resource_name = "postevaluation"
    datamodel = SQLAInterface(PostEvaluation)
    include_route_methods = {"get", "get_list", "info", "post", "put"}
    list_columns = show_columns = ["id", "project.id", "project.code", "evaluated_on",
                                   "evaluator", "objectives_met", "objectives_note",
                                   "usage_indicator", "usage_target", "usage_actual",
                                   "final_cost", "benefits", "problems", "lessons",
                                   "recorded_by", "recorded_at"]
    add_columns = ["project", "evaluated_on", "evaluator", "objectives_met", "objectives_note",
                   "usage_indicator", "usage_target", "usage_actual", "final_cost", "benefits",
                   "problems", "lessons"]
    edit_columns = add_columns[1:]
    search_columns = ["project", "evaluated_on", "objectives_met"]
    base_order = ("evaluated_on", "desc")
    create = staticmethod(services.record_post_evaluation)
    change = staticmethod(services.update_post_evaluation)
    lookup = staticmethod(services.get_visible_post_evaluation)


class TrainingRecordApi(ServiceApi):
    resource_name = "trainingrecord"
    datamodel = SQLAInterface(TrainingRecord)
    include_route_methods = {"get", "get_list", "info", "post", "put"}
    list_columns = show_columns = ["id", "department.code", "department.name", "held_on",
                                   "subject", "hours", "attendees", "passed", "note",
                                   "recorded_by", "recorded_at"]
    add_columns = edit_columns = ["department", "held_on", "subject", "hours", "attendees",
                                  "passed", "note"]
    search_columns = ["department", "held_on", "subject"]
    base_order = ("held_on", "desc")
    create = staticmethod(training.record_training)
    change = staticmethod(training.update_training)
    lookup = staticmethod(training.get_visible_training)
