"""REST resources `project` and `review` (FAB ModelRestApi); every write goes through services."""
from flask import request, url_for
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

    @expose("/import", methods=["POST"])
    @protect()
    @safe
    @permission_name("import")
    def import_file(self):
        """Import projects from an .xlsx or .json file, all rows or none
        ---
        post:
          requestBody:
            content:
              multipart/form-data:
                schema:
                  type: object
                  properties:
                    file: {type: string, format: binary}
          responses:
            201:
              description: Every row imported (a file of up to IMPORT_JOB_ROWS rows)
              x-body: {imported: {type: integer}, codes: {type: array, items: {type: string}}}
            202:
              description: More rows than IMPORT_JOB_ROWS; a background job checks and
                imports them. GET the status address until it is done.
              x-body: {job: {type: object}, status: {type: string}}
            422:
              description: Nothing was imported; the errors name row and column
        """
        from pathlib import Path

        from core import imports
        from core.jobs import Job
        from core.uow import transaction
        from projects import importer
        file = request.files.get("file")
        suffix = Path(file.filename or "").suffix.lower() if file else ""
        if not file or suffix not in importer.SUFFIXES:
            return self.response_400(message="Send an .xlsx or .json file as multipart field "
                                             "'file'")
        _token, path = imports.stage(file, suffix)
        try:
            with transaction():
                outcome = importer.import_projects(path, current_user())
        except importer.ImportFailed as exc:
            return self.response(422, message=exc.message, errors=exc.row_errors)
        finally:
            path.unlink(missing_ok=True)
        if isinstance(outcome, Job):
            return self.response(202, job=outcome.as_dict(),
                                 status=url_for("ProjectApi.import_status", job_id=outcome.id))
        return self.response(201, imported=len(outcome), codes=[p.code for p in outcome])

    @expose("/import/<job_id>", methods=["GET"])
    @protect()
    @safe
    @permission_name("import")
    def import_status(self, job_id):
        """A background import: its status and, when done, every row's result
        ---
        get:
          parameters:
          - in: path
            schema: {type: string}
            name: job_id
          responses:
            200:
              description: The job (status, progress, message) and its rows when done
              x-body: {job: {type: object}, rows: {type: array, nullable: true,
                       items: {type: object}}}
            404: {$ref: '#/components/responses/404'}
        """
        from core.extensions import db
        from core.jobs import Job
        from core.security import ADMIN, has_role
        from projects.import_jobs import result_rows
        row = db.session.get(Job, job_id)
        user = current_user()
        if row is None or row.kind != "project_import" or (
                row.created_by != user.username and not has_role(user, ADMIN)):
            return self.response_404()
        return self.response(200, job=row.as_dict(), rows=result_rows(row))

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
