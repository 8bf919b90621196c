"""REST resources `milestone` and `auditfinding` (FAB ModelRestApi). Reads are scoped to the
projects the user may see; every write goes through the services, which check ownership
(FAB's base_filters do not guard POST)."""
from flask import request
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name

from core.api import ServiceApi
from core.security import current_user
from projects.schedule import evidence, findings, services
from projects.schedule.models import AuditFinding, Milestone

MILESTONE_FIELDS = ["id", "project.id", "project.code", "type", "sequence", "planned_date",
                    "baseline_date", "actual_date", "status", "note", "evidence.id",
                    "evidence.name"]
FINDING_FIELDS = ["id", "project.id", "project.code", "severity", "description",
                  "rectification_owner", "deadline", "status", "rectification_note",
                  "raised_by", "raised_on", "closed_on", "evidence.id", "evidence.name"]


class _EvidenceApi(ServiceApi):
    """Milestones and findings: scoped reads, service writes, evidence uploads."""

    include_route_methods = {"get", "get_list", "info", "post", "put", "evidence"}

    def _upload(self, pk):
        file = request.files.get("file")
        if file is None:
            return self.response_400(message="Send the file as multipart field 'file'")

        def store():
            owner = self.visible_item(pk)
            self.may_upload(owner, current_user())
            return evidence.store(owner, file.filename, file.stream, current_user())
        return self.write(201, store, answer=lambda stored: {
            "id": stored.id, "name": stored.name, "kind": stored.kind, "size": stored.size})


_UPLOAD_DOC = """Attach an evidence file (pdf, office document or image)
        ---
        post:
          parameters:
          - in: path
            schema: {type: integer}
            name: pk
          requestBody:
            content:
              multipart/form-data:
                schema:
                  type: object
                  properties:
                    file: {type: string, format: binary}
          responses:
            201:
              description: Stored
              x-body: {id: {type: integer}, name: {type: string}, kind: {type: string},
                       size: {type: integer}}
            403: {description: Role or department may not}
            404: {$ref: '#/components/responses/404'}
            422: {description: Type not accepted, too large, or a name with a path}
        """


class MilestoneApi(_EvidenceApi):
    resource_name = "milestone"
    datamodel = SQLAInterface(Milestone)
    list_columns = show_columns = MILESTONE_FIELDS
    add_columns = ["project", "type", "planned_date", "actual_date", "status", "note"]
    edit_columns = ["planned_date", "actual_date", "status", "note"]
    order_columns = ["planned_date", "baseline_date", "actual_date", "type", "status"]
    search_columns = ["project", "type", "status", "planned_date", "actual_date"]
    base_order = ("planned_date", "asc")
    openapi_spec_methods = {"post": {"post": {"description": (
        'Add a milestone, e.g. {"project": 12, "type": "final_acceptance", '
        '"planned_date": "2014-06-30"}; project by id or code. The ProjectManager of the '
        "project's department only.")}}}

    create = staticmethod(services.create_milestone)
    change = staticmethod(services.update_milestone)

    @staticmethod
    def may_upload(milestone, user):
        services.ensure_may_keep_milestones(user, milestone.project)

    @expose("/<int:pk>/evidence", methods=["POST"])
    @protect()
    @safe
    @permission_name("upload")
    def evidence(self, pk):
        return self._upload(pk)
    evidence.__doc__ = _UPLOAD_DOC


class AuditFindingApi(_EvidenceApi):
    resource_name = "auditfinding"
    datamodel = SQLAInterface(AuditFinding)
    list_columns = show_columns = FINDING_FIELDS
    add_columns = ["project", "severity", "description", "rectification_owner", "deadline",
                   "raised_on", "status", "rectification_note"]
    edit_columns = ["severity", "description", "rectification_owner", "deadline", "status",
                    "rectification_note"]
    order_columns = ["deadline", "raised_on", "severity", "status"]
    search_columns = ["project", "severity", "status", "deadline", "raised_by"]
    base_order = ("deadline", "asc")

    create = staticmethod(findings.raise_finding)
    change = staticmethod(findings.update_finding)

    @staticmethod
    def may_upload(finding, user):
        findings.ensure_may_attach(finding, user)

    @expose("/<int:pk>/evidence", methods=["POST"])
    @protect()
    @safe
    @permission_name("upload")
    def evidence(self, pk):
        return self._upload(pk)
    evidence.__doc__ = _UPLOAD_DOC
