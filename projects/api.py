"""REST resources `project` and `review` (FAB ModelRestApi); every write goes through services."""
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.security.decorators import permission_name
from marshmallow import ValidationError

from core.api import ServiceApi, step_doc
from core.datamodel import Interface
from core.schemas import localized
from core.security import current_user
from projects import desk, lifecycle, reviews, services
from projects.guard import services as guard
from projects.models import Project, Review
from projects.schemas import ProjectInputSchema, ProjectUpdateSchema, TransitionSchema

PROJECT_FIELDS = ["id", "code", "name", "status", "listed_in_plan", "submitted_at", "department.code", "department.name",
                  "primary_task.code", "plan_tasks.code", "category", "description",
                  "capabilities", "budget_total", "start_date", "end_date", "contractor",
                  "supervisor", "protection_level", "created_by", "created_at"]


class ProjectApi(ServiceApi):
    resource_name = "project"
    datamodel = Interface(Project)
    list_columns = show_columns = PROJECT_FIELDS
    add_columns = edit_columns = ["code", "name", "category", "description", "budget_total",
                                  "start_date", "end_date"]
    order_columns = ["code", "name", "budget_total", "start_date", "end_date", "status"]
    search_columns = ["code", "name", "department", "primary_task", "category", "status",
                      "budget_total", "start_date", "end_date"]
    base_order = ("code", "asc")
    openapi_spec_methods = {"post": {"post": {"description": (
        "Register a project in draft. Body: the import keys code, name, department (code or "
        "name), plan_task (code or list), category, description, capabilities (list), "
        "budget_total (decimal string), start_date, end_date.")}}}

    body_schemas = {"post": ProjectInputSchema(), "put": ProjectUpdateSchema()}
    create = staticmethod(services.create_project)
    change = staticmethod(services.update_project)
    remove = staticmethod(services.delete_project)

    @expose("/<int:pk>/transition", methods=["POST"])
    @protect()
    @safe
    @permission_name("transition")
    def transition(self, pk):
        body = self.json_body()
        if body is None:
            return self.not_an_object()
        try:
            args = TransitionSchema().load(body)
        except ValidationError as err:
            return self.response_422(message=localized(err.messages))

        def action():
            project = self.visible_item(pk)
            warnings = lifecycle.transition(project, args["to"], current_user(),
                                            args["comment"] or "")
            return project, {"warnings": warnings}
        return self.write(200, action)

    transition.__doc__ = step_doc(
        "Move a project along its lifecycle", "{to: {type: string}, comment: {type: string}}",
        "Role or department may not take this step", "No such step from the current status",
        answer="The project in its new status, and what the step warned of",
        extra="{warnings: {type: array, items: {type: string}}}",
        invalid="A precondition failed or a comment is missing")

    @expose("/duplicate-check", methods=["POST"])
    @protect()
    @safe
    @permission_name("duplicate_check")
    def duplicate_check(self):
        """Check a proposal for duplicate construction without saving it
        ---
        post:
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  description: the import keys (name, description, capabilities, ...)
          responses:
            200:
              description: The visible suspected duplicates, best first, and how many more
                the user may not see
              x-body:
                matches:
                  type: array
                  items:
                    type: object
                    properties:
                      code: {type: string}
                      name: {type: string}
                      score: {type: number}
                      reasons: {type: array, items: {type: string}}
                hidden_matches: {type: integer}
            422:
              $ref: '#/components/responses/422'
        """
        body = self.json_body()
        if body is None:
            return self.not_an_object()

        def answer():
            visible, hidden = guard.visible_matches(guard.check_proposal(body), current_user())
            return self.response(200, matches=[guard.public_match(m) for m in visible],
                                 hidden_matches=hidden)
        return self.guarded(answer)

    @expose("/<int:pk>/decision", methods=["POST"])
    @protect()
    @safe
    @permission_name("decide")
    def decision(self, pk):
        body = self.json_body()
        if body is None:
            return self.not_an_object()

        def action():
            decision = reviews.parse_decision(body)
            project = self.visible_item(pk)
            warnings = desk.decide_with_check(
                project, decision["decision"], current_user(), decision["comment"],
                decision["conditions"], justifications=decision["justifications"],
                reuses=decision["reuses"], check_id=body.get("check_id"))
            return project, {"warnings": warnings, "stage": reviews.current_stage(project)}
        return self.write(200, action)

    decision.__doc__ = step_doc(
        "The Office's review decision on the stage under review",
        "{decision: {type: string, enum: [approve, return, reject]}, comment: {type: string}, "
        "conditions: {type: string}, justifications: {type: object, description: "
        "'code of the match: text'}, reuses: {type: array, items: {type: string}, "
        "description: 'codes it builds on'}, check_id: {type: integer}}",
        "Only the Office decides", "The project is not in review",
        answer="The project after the decision, with warnings and the stage",
        extra="{warnings: {type: array, items: {type: string}}, "
              "stage: {type: string, nullable: true}}",
        invalid="A rule refused the decision (e.g. an unjustified duplicate)")


class ReviewApi(ServiceApi):
    resource_name = "review"
    datamodel = Interface(Review)
    include_route_methods = {"get", "get_list", "info"}
    list_columns = show_columns = ["id", "project.code", "stage", "decision", "reviewer",
                                   "comments", "conditions", "decided_at"]
    search_columns = ["project", "stage", "decision", "reviewer", "decided_at"]
    base_order = ("decided_at", "desc")
