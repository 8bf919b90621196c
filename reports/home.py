"""The home page: what waits for this user, by role (counts by status and the dashboards).
It reads projects and reports, so it lives here, not in core."""
from flask import g
from flask_appbuilder import IndexView, expose
from sqlalchemy import func, select

from core.extensions import db
from projects.enums import STATUSES
from projects.services import project_query
from reports.dashboards import dashboard_for


class HomeView(IndexView):
    """The landing page: what waits for this user, by role."""

    index_template = "home.html"

    @expose("/")
    def index(self):
        user = g.user if getattr(g.user, "is_authenticated", False) else None
        counts = {}
        if user is not None:
            visible = project_query(user).subquery()
            counts = dict(db.session.execute(
                select(visible.c.status, func.count()).group_by(visible.c.status)).all())
        return self.render_template(self.index_template, appbuilder=self.appbuilder,
                                    counts=counts, statuses=STATUSES,
                                    dashboards=dashboard_for(user))
