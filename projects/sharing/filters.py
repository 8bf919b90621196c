"""FAB filters of data sharing: requests a user may read, catalogue items one may request, and
the requesting department's projects."""
from flask_appbuilder.models.filters import BaseFilter

from core.security import current_user, is_department_scoped


class CatalogueItems(BaseFilter):
    """Shared items produced by another department than the user's."""

    name = "catalogue items"
    arg_name = "catalogue_items"

    def apply(self, query, value):
        query = query.filter(self.model.shared.is_(True), self.model.direction == "produces")
        user = current_user()
        if user is not None and is_department_scoped(user):
            query = query.filter(self.model.owner_department_id != user.department_id)
        return query
