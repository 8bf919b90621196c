"""After saving a record that belongs to a project (a milestone, a risk, a finding), the user
goes back to that project's page, where the record shows, not to the home page (issue 12)."""
from flask import g, redirect, url_for


class BackToProject:
    """Mixin for ModelViews of models with a project_id."""

    def post_add(self, item):
        super().post_add(item)
        g.back_to_project = item.project_id

    def post_update(self, item):
        super().post_update(item)
        g.back_to_project = item.project_id

    def _back(self, default):
        project_id = getattr(g, "back_to_project", None)
        if project_id:
            return redirect(url_for("ProjectModelView.show", pk=project_id))
        return default()

    def post_add_redirect(self):
        return self._back(super().post_add_redirect)

    def post_edit_redirect(self):
        return self._back(super().post_edit_redirect)
