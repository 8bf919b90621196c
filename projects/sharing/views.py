"""Web views of data sharing: requests (made by a department, decided by the owner) and the
catalogue's usage page (who uses what)."""
from pathlib import Path

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, ModelView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name
from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import InputRequired

from core.errors import DomainError
from core.security import OFFICE, current_user, has_role, is_department_scoped
from core.scoping import Scoped
from core.viewhelpers import ServiceCheckedView
from core.uow import transaction
from projects.filters import OwnDepartmentProjects
from projects.sharing import services
from projects.sharing.filters import CatalogueItems
from projects.sharing.models import PENDING, SharingRequest

TEMPLATES = str(Path(__file__).resolve().parent / "templates")
LABELS = {"data_item": _l("Shared data item"), "project": _l("Project that will use it"),
          "requesting_department": _l("Requesting department"),
          "owner_department": _l("Owner department"), "purpose": _l("Purpose"),
          "fields": _l("Fields needed"), "status_label": _l("Status"), "status": _l("Status"),
          "requested_by": _l("Requested by"), "requested_at": _l("Requested (UTC)"),
          "decided_by": _l("Decided by"), "decided_at": _l("Decided (UTC)"),
          "reason": _l("Reason")}


class SharingRequestView(Scoped, ServiceCheckedView, ModelView):
    datamodel = SQLAInterface(SharingRequest)
    route_base = "/sharing/requests"
    template_folder = TEMPLATES
    base_permissions = ["can_list", "can_show", "can_add", "can_decide"]
    base_order = ("requested_at", "desc")
    list_columns = ["data_item", "owner_department", "project", "requesting_department",
                    "status_label", "requested_at"]
    show_columns = ["data_item", "owner_department", "project", "requesting_department",
                    "purpose", "fields", "status_label", "requested_by", "requested_at",
                    "decided_by", "decided_at", "reason"]
    add_columns = ["data_item", "project", "purpose", "fields"]
    search_columns = ["status", "owner_department", "requesting_department", "purpose"]
    add_form_query_rel_fields = {"data_item": [["id", CatalogueItems, None]],
                                 "project": [["id", OwnDepartmentProjects, None]]}
    add_form_extra_fields = {
        "purpose": TextAreaField(_l("Purpose"), validators=[InputRequired()]),
        "fields": TextAreaField(_l("Fields needed"), validators=[InputRequired()])}
    label_columns = LABELS
    formatters_columns = {"reason": lambda t: t or "", "decided_by": lambda t: t or ""}
    show_template = "sharing/request_show.html"
    list_title = _l("Data sharing requests")
    show_title = _l("Data sharing request")
    add_title = _l("Request shared data")

    def check(self, item, user, creating):
        services.check_form_request(item, user)

    @expose("/show/<int:pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        user = current_user()
        try:
            item = services.get_visible_request(pk, user)
        except DomainError:
            abort(404)
        may_decide = item.status == PENDING and (has_role(user, OFFICE) or (
            is_department_scoped(user) and user.department_id == item.owner_department_id))
        return self.render_template(self.show_template, pk=pk, title=self.show_title,
                                    widgets=self._show(pk), related_views=self._related_views,
                                    item=item, may_decide=may_decide)

    @expose("/decide/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("decide")
    def decide(self, pk):
        try:
            with transaction():
                item = services.get_visible_request(pk, current_user())
                services.decide(item, {"decision": request.form.get("decision", ""),
                                       "reason": request.form.get("reason")}, current_user())
            flash(item.status_label(), "success")
        except DomainError as exc:
            flash(str(exc), "danger")
        return redirect(url_for(".show", pk=pk))


class SharingUsageView(BaseView):
    """The catalogue's usage: each shared item with the projects that use it by approved
    request."""

    route_base = "/sharing"
    template_folder = TEMPLATES
    default_view = "usage"

    @expose("/usage")
    @has_access
    @permission_name("list")
    def usage(self):
        return self.render_template("sharing/usage.html", rows=services.usage())
