"""REST resource `dataitem`: writes go through the guard's rules for information resources."""
from flask_appbuilder.models.sqla.interface import SQLAInterface

from core.api import ServiceApi
from core.security import current_user
from projects.guard import services as guard
from projects.guard.models import DataItem


class DataItemApi(ServiceApi):
    """FAB's own writes; the pre_* hooks apply the guard's rules (DomainErrors map in
    core.api)."""

    resource_name = "dataitem"
    datamodel = SQLAInterface(DataItem)
    list_columns = show_columns = ["id", "project.id", "project.code", "name", "direction",
                                   "owner_department.name", "shared", "description"]
    add_columns = edit_columns = ["project", "name", "direction", "owner_department", "shared",
                                  "description"]
    search_columns = ["name", "project", "direction", "shared"]

    def pre_add(self, item):
        guard.check_data_item(item, current_user())

    def pre_update(self, item):
        guard.check_data_item(item, current_user())

    def pre_delete(self, item):
        guard.check_data_item(item, current_user())
