"""The audit trail views (read-only for everyone, by construction)."""
from flask_appbuilder import ModelRestApi, ModelView
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from core.audit import AuditEvent

AUDIT_LABELS = {
    "at": _l("Time (UTC)"), "actor": _l("User"), "action": _l("Action"),
    "entity": _l("Entity"), "entity_id": _l("Entity id"), "field": _l("Field"),
    "old_value": _l("Old value"), "new_value": _l("New value"), "note": _l("Note"),
}
AUDIT_COLUMNS = ["at", "actor", "action", "entity", "entity_id", "field", "old_value",
                 "new_value", "note"]


class AuditEventView(ModelView):
    """Auditors and Admin browse and filter the trail; there is no add, edit or delete."""

    datamodel = SQLAInterface(AuditEvent)
    route_base = "/audit"
    base_permissions = ["can_list", "can_show"]
    list_columns = AUDIT_COLUMNS
    show_columns = AUDIT_COLUMNS
    search_columns = ["actor", "action", "entity", "entity_id", "field", "at", "new_value"]
    label_columns = AUDIT_LABELS
    base_order = ("id", "desc")
    page_size = 50
    list_title = show_title = _l("Audit trail")


class AuditEventApi(ModelRestApi):
    resource_name = "auditevent"
    datamodel = SQLAInterface(AuditEvent)
    allow_browser_login = True
    include_route_methods = {"get", "get_list", "info"}
    list_columns = ["id"] + AUDIT_COLUMNS
    show_columns = ["id"] + AUDIT_COLUMNS
    search_columns = ["actor", "action", "entity", "entity_id", "field", "at"]
    base_order = ("id", "desc")
