"""REST resource `risk` (FAB ModelRestApi). Reads are scoped (a ProjectManager sees its own
department's risks); every write goes through the services, which check ownership (FAB's
base_filters do not guard POST). GET /api/v1/risk/rating/<project id> gives the rating."""
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name

from core import scoping
from core.api import ServiceApi
from core.errors import NotFound
from core.security import current_user
from projects.models import Project
from risk import rating, services
from risk.models import Risk

RISK_FIELDS = ["id", "project.id", "project.code", "category", "title", "description",
               "likelihood", "impact", "score", "owner", "mitigation", "status", "next_review",
               "cause", "raised_by", "raised_at", "closed_at"]


class RiskApi(ServiceApi):
    resource_name = "risk"
    datamodel = SQLAInterface(Risk)
    include_route_methods = {"get", "get_list", "info", "post", "put", "rating"}
    list_columns = show_columns = RISK_FIELDS
    add_columns = ["project", "category", "title", "description", "likelihood", "impact",
                   "owner", "mitigation", "status", "next_review"]
    edit_columns = ["category", "title", "description", "likelihood", "impact", "owner",
                    "mitigation", "status", "next_review"]
    order_columns = ["score", "likelihood", "impact", "next_review", "raised_at", "status"]
    search_columns = ["project", "category", "status", "score", "cause", "next_review"]
    base_order = ("score", "desc")
    openapi_spec_methods = {"post": {"post": {"description": (
        'Register a risk, e.g. {"project": 12, "category": "schedule", "likelihood": 4, '
        '"impact": 3}; project by id or code; optional title, description, owner, '
        "mitigation, next_review. The ProjectManager of the project's department only.")}}}

    create = staticmethod(services.create_risk)
    change = staticmethod(services.update_risk)

    @expose("/rating/<int:project_id>", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def rating(self, project_id):
        """A project's computed ratings (cumulative and last six months, each contribution)
        and its manual rating
        ---
        get:
          parameters:
          - in: path
            schema: {type: integer}
            name: project_id
          responses:
            200:
              description: ratings (1 high risk to 5 low) with their contributions
              x-body:
                project: {type: string}
                cumulative: &computed
                  type: object
                  properties:
                    rating: {type: integer, nullable: true}
                    contributions: {type: array, items: {type: object}}
                recent: *computed
                manual:
                  type: object
                  nullable: true
                  properties:
                    rating: {type: integer}
                    reason: {type: string}
                    rated_by: {type: string, nullable: true}
                    rated_at: {type: string}
            404: {$ref: '#/components/responses/404'}
        """
        return self.guarded(lambda: self._rating(project_id))

    def _rating(self, project_id):
        project = scoping.get(Project, project_id, current_user())
        if not services.may_see_risks_of(current_user(), project):
            raise NotFound("No such project.")
        rated = rating.project_rating(project)
        manual = rated.manual
        return self.response(200, project=project.code, cumulative={
            "rating": rated.cumulative.rating, "contributions": rated.cumulative.as_json()},
            recent={"rating": rated.recent.rating, "contributions": rated.recent.as_json()},
            manual=None if manual is None else {
                "rating": manual.rating, "reason": manual.reason, "rated_by": manual.rated_by,
                "rated_at": manual.rated_at.isoformat()})
