"""The dossier pages: one project's readable trail, filterable, as xlsx and as a print page."""
import datetime as dt
import os

from flask import abort, request
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name

from core.export import xlsx_response
from reports import dossier

TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")


def _day(name):
    try:
        return dt.date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


class DossierView(BaseView):
    """项目档案 for the Auditor (and Admin): every event of a project and its children."""

    route_base = "/dossier"
    template_folder = TEMPLATES
    default_view = "show"

    def _load(self, pk):
        project = dossier.project_for_dossier(pk)
        if project is None:
            abort(404)
        kinds = [k for k in request.args.getlist("kind") if k in dossier.KINDS]
        since, until = _day("from"), _day("to")
        items = dossier.entries(project.id, since, until, kinds)
        args = {k: v for k, v in (("from", request.args.get("from")),
                                  ("to", request.args.get("to"))) if v}
        if kinds:
            args["kind"] = kinds
        return project, items, dict(since=since, until=until, kinds=kinds, args=args)

    @expose("/<int:pk>/")
    @has_access
    def show(self, pk):
        project, items, filters = self._load(pk)
        return self.render_template("reports/dossier.html", project=project, items=items,
                                    kinds=dossier.KINDS, kinds_selected=filters.pop("kinds"),
                                    **filters)

    @expose("/<int:pk>/print")
    @has_access
    @permission_name("show")
    def print_page(self, pk):
        project, items, filters = self._load(pk)
        return self.render_template("reports/dossier_print.html", project=project, items=items,
                                    kinds=dossier.KINDS, kinds_selected=filters.pop("kinds"),
                                    **filters)

    @expose("/<int:pk>/xlsx")
    @has_access
    @permission_name("show")
    def xlsx(self, pk):
        project, items, _filters = self._load(pk)
        return xlsx_response(f"dossier-{project.code}.xlsx", project.code[:31],
                             [str(h) for h in dossier.HEADERS], dossier.rows(items),
                             widths={0: 17, 3: 20, 5: 16, 6: 30, 7: 60, 8: 30})
