"""REST resource `sharingrequest`: POST a request; POST /<id>/decide (the owner) and
/<id>/withdraw (the requester). Reads are scoped to the two departments involved."""
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name

from core.security import current_user
from core.api import ServiceApi, step_doc
from projects.sharing import services
from projects.sharing.models import SharingRequest


class SharingRequestApi(ServiceApi):
    resource_name = "sharingrequest"
    datamodel = SQLAInterface(SharingRequest)
    include_route_methods = {"get", "get_list", "info", "post", "decide", "withdraw"}
    list_columns = show_columns = ["id", "data_item.id", "data_item.name", "project.id",
                                   "project.code", "requesting_department.name",
                                   "owner_department.name", "purpose", "fields", "status",
                                   "requested_by", "requested_at", "decided_by", "decided_at",
                                   "reason", "consumer_item.id"]
    add_columns = ["data_item", "project", "purpose", "fields"]
    search_columns = ["data_item", "project", "status"]
    base_order = ("requested_at", "desc")
    create = staticmethod(services.request_sharing)
    lookup = staticmethod(services.get_visible_request)
    openapi_spec_methods = {"post": {"post": {"description": (
        'Request a shared data item for a project of your department, e.g. {"data_item": 4, '
        '"project": "TC-2013-002", "purpose": "...", "fields": "姓名、身份证号"}.')}}}

    @expose("/<int:pk>/decide", methods=["POST"])
    @protect()
    @safe
    @permission_name("decide")
    def decide(self, pk):
        return self.step(pk, lambda item, body: services.decide(item, body, current_user()))

    decide.__doc__ = step_doc(
        "The owner department approves or declines",
        "{decision: {type: string, enum: [approve, decline]}, reason: {type: string}}",
        "Not the department that may", "Decided already")

    @expose("/<int:pk>/withdraw", methods=["POST"])
    @protect()
    @safe
    @permission_name("post")
    def withdraw(self, pk):
        return self.step(pk, lambda item, body: services.withdraw(item, current_user()))

    withdraw.__doc__ = step_doc(
        "The requesting department withdraws its request", "{}",
        "Not the department that may", "Decided already")
