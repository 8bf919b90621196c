"""REST resources `project` and `review` (FAB ModelRestApi); every write goes through services."""
from flask import request
from flask_appbuilder import ModelRestApi
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name
from marshmallow import ValidationError

from core.errors import DomainError
from core.extensions import db
from core.security import current_user
from projects import desk, lifecycle, reviews, services
from projects.guard import services as guard
from projects.filters import VisibleProjectChildren, VisibleProjects
from projects.models import Project, Review
from projects.schemas import TransitionSchema, localized

PROJECT_FIELDS = ["id", "code", "name", "status", "listed_in_plan", "submitted_at", "department.code", "department.name",
                  "primary_task.code", "plan_tasks.code", "category", "description",
                  "capabilities", "budget_total", "start_date", "end_date", "contractor",
                  "supervisor", "protection_level", "created_by", "created_at"]


class DomainErrorsApi(ModelRestApi):
    """Maps the services' DomainErrors to their HTTP status with the reasons."""

    allow_browser_login = True

    def domain_error(self, exc: DomainError):
        db.session.rollback()
        return self.response(exc.status, **exc.as_dict())

    def json_body(self):
        if not request.is_json or not isinstance(request.get_json(silent=True), dict):
            return None
        return request.get_json()


class ProjectApi(DomainErrorsApi):
    resource_name = "project"
    datamodel = SQLAInterface(Project)
    base_filters = [["id", VisibleProjects, None]]
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

    def post_headless(self):
        body = self.json_body()
        if body is None:
            return self.response_400(message="Request is not a JSON object")
        try:
            project = services.create_project(body, current_user())
            db.session.commit()
        except DomainError as exc:
            return self.domain_error(exc)
        return self.response(201, id=project.id, result=self.show_model_schema.dump(project))

    def put_headless(self, pk):
        body = self.json_body()
        if body is None:
            return self.response_400(message="Request is not a JSON object")
        try:
            project = services.get_visible_project(pk, current_user())
            services.update_project(project, body, current_user())
            db.session.commit()
        except DomainError as exc:
            return self.domain_error(exc)
        return self.response(200, result=self.show_model_schema.dump(project))

    def delete_headless(self, pk):
        try:
            project = services.get_visible_project(pk, current_user())
            services.delete_project(project, current_user())
            db.session.commit()
        except DomainError as exc:
            return self.domain_error(exc)
        return self.response(200, message="OK")

    @expose("/<int:pk>/transition", methods=["POST"])
    @protect()
    @safe
    @permission_name("transition")
    def transition(self, pk):
        """Move a project along its lifecycle
        ---
        post:
          parameters:
          - in: path
            schema:
              type: integer
            name: pk
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    to: {type: string}
                    comment: {type: string}
          responses:
            200:
              description: The project in its new status
            403:
              description: Role or department may not take this step
            404:
              $ref: '#/components/responses/404'
            409:
              description: No such step from the current status
            422:
              description: A precondition failed or a comment is missing
        """
        body = self.json_body()
        if body is None:
            return self.response_400(message="Request is not a JSON object")
        try:
            args = TransitionSchema().load(body)
        except ValidationError as err:
            return self.response_422(message=localized(err.messages))
        try:
            project = services.get_visible_project(pk, current_user())
            warnings = lifecycle.transition(project, args["to"], current_user(),
                                            args["comment"] or "")
            db.session.commit()
        except DomainError as exc:
            return self.domain_error(exc)
        return self.response(200, result=self.show_model_schema.dump(project), warnings=warnings)


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
              description: '{"matches": [{"code", "name", "score", "reasons"}]}'
            422:
              $ref: '#/components/responses/422'
        """
        body = self.json_body()
        if body is None:
            return self.response_400(message="Request is not a JSON object")
        try:
            matches = guard.check_proposal(body)
        except DomainError as exc:
            return self.domain_error(exc)
        visible, hidden = guard.visible_matches(matches, current_user())
        return self.response(200, matches=[guard.public_match(m) for m in visible],
                             hidden_matches=hidden)

    @expose("/<int:pk>/decision", methods=["POST"])
    @protect()
    @safe
    @permission_name("decide")
    def decision(self, pk):
        """The Office's review decision on the stage under review
        ---
        post:
          parameters:
          - in: path
            schema:
              type: integer
            name: pk
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    decision: {type: string, enum: [approve, return, reject]}
                    comment: {type: string}
                    conditions: {type: string}
                    justifications: {type: object, description: 'code of the match: text'}
                    reuses: {type: array, items: {type: string}, description: 'codes it builds on'}
          responses:
            200:
              description: The project after the decision, with warnings
            409:
              description: The project is not in review
            422:
              description: A rule refused the decision (e.g. an unjustified duplicate)
        """
        body = self.json_body()
        if body is None:
            return self.response_400(message="Request is not a JSON object")
        justifications = body.get("justifications") or {}
        if not isinstance(justifications, dict):
            return self.response_422(message={"justifications": ["Expected an object."]})
        try:
            project = services.get_visible_project(pk, current_user())
            warnings = desk.decide_with_check(
                project, str(body.get("decision", "")), current_user(),
                str(body.get("comment") or ""), str(body.get("conditions") or ""),
                justifications={str(k): str(v) for k, v in justifications.items()},
                reuses=[str(code) for code in body.get("reuses") or []],
                check_id=body.get("check_id"))
            db.session.commit()
        except DomainError as exc:
            return self.domain_error(exc)
        return self.response(200, result=self.show_model_schema.dump(project), warnings=warnings,
                             stage=reviews.current_stage(project))


class ReviewApi(DomainErrorsApi):
    resource_name = "review"
    datamodel = SQLAInterface(Review)
    base_filters = [["id", VisibleProjectChildren, None]]
    include_route_methods = {"get", "get_list", "info"}
    list_columns = show_columns = ["id", "project.code", "stage", "decision", "reviewer",
                                   "comments", "conditions", "decided_at"]
    search_columns = ["project", "stage", "decision", "reviewer", "decided_at"]
    base_order = ("decided_at", "desc")


