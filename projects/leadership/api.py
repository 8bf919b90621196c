"""REST resource `leadershipdecision`: the group's decisions (read by everyone who sees the
project, recorded by the Office through the services) and POST /referral."""
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name

from core.security import current_user
from core.api import ServiceApi
from projects.leadership import services
from projects.leadership.models import LeadershipDecision


class LeadershipDecisionApi(ServiceApi):
    resource_name = "leadershipdecision"
    datamodel = SQLAInterface(LeadershipDecision)
    include_route_methods = {"get", "get_list", "info", "post", "referral"}
    list_columns = show_columns = ["id", "project.id", "project.code", "meeting_date",
                                   "minute_number", "decision", "summary", "attachment_name",
                                   "recorded_by", "recorded_at"]
    add_columns = ["project", "meeting_date", "minute_number", "decision", "summary"]
    search_columns = ["project", "meeting_date", "decision"]
    base_order = ("meeting_date", "desc")
    create = staticmethod(services.record_decision)
    lookup = staticmethod(services.get_visible_decision)
    openapi_spec_methods = {"post": {"post": {"description": (
        'The Office records a decision of the leadership group, e.g. {"project": "TC-2013-001", '
        '"meeting_date": "2013-04-02", "minute_number": "塔政信领〔2013〕3号", "decision": '
        '"approve", "summary": "..."}; decision approve, conditional, defer or reject.')}}}

    @expose("/referral", methods=["POST"])
    @protect()
    @safe
    @permission_name("post")
    def referral(self):
        """The Office refers a project to the leadership group
        ---
        post:
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    project: {type: string}
                    reason: {type: string}
          responses:
            201:
              description: Referred
              x-body: {id: {type: integer}, project: {type: string}}
            403: {description: Not the Office}
            409: {description: Referred already, or after approval}
            422: {description: Invalid input}
        """
        body = self.json_body()
        if body is None:
            return self.not_an_object()
        return self.write(201, lambda: services.refer(body, current_user()),
                          lambda item: {"id": item.id, "project": item.project.code})
