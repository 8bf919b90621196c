"""REST resource `dataitem`: writes go through the guard's rules for information resources."""
from flask_appbuilder.models.sqla.interface import SQLAInterface

from core.errors import DomainError
from core.extensions import db
from core.security import current_user
from projects.api import DomainErrorsApi
from projects.filters import VisibleProjectChildren
from projects.guard import services as guard
from projects.guard.models import DataItem


class DataItemApi(DomainErrorsApi):
    resource_name = "dataitem"
    datamodel = SQLAInterface(DataItem)
    base_filters = [["id", VisibleProjectChildren, None]]
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

    def post_headless(self):
        try:
            return super().post_headless()
        except DomainError as exc:
            return self.domain_error(exc)

    def put_headless(self, pk):
        try:
            return super().put_headless(pk)
        except DomainError as exc:
            return self.domain_error(exc)

    def delete_headless(self, pk):
        try:
            return super().delete_headless(pk)
        except DomainError as exc:
            db.session.rollback()
            return self.domain_error(exc)
