"""The plan tree page, plan tasks (Office edits) and departments (Admin edits)."""
from flask_appbuilder import BaseView, ModelRestApi, ModelView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.extensions import db
from core.viewhelpers import ServiceCheckedView
from plan.models import Department, Plan, PlanTask
from plan.services import check_plan_task, ensure_may_edit_plan

TASK_LABELS = {"code": _l("Code"), "title": _l("Title"), "title_en": _l("English title"),
               "description": _l("Original text"), "indicators": _l("Target indicators"),
               "parent": _l("Parent"), "level": _l("Level"), "plan": _l("Plan"),
               "position": _l("Position")}


class PlanTreeView(BaseView):
    route_base = "/plan"
    default_view = "tree"

    @expose("/")
    @has_access
    def tree(self):
        plans = list(db.session.scalars(select(Plan)))
        tasks = list(db.session.scalars(select(PlanTask).order_by(PlanTask.level,
                                                                  PlanTask.position)))
        children = {}
        for task in tasks:
            children.setdefault(task.parent_id, []).append(task)
        return self.render_template("plan_tree.html", plans=plans, children=children)


class PlanTaskView(ServiceCheckedView, ModelView):
    datamodel = SQLAInterface(PlanTask)
    base_permissions = ["can_list", "can_show", "can_edit", "can_add"]
    list_columns = ["code", "title", "title_en", "parent", "level"]
    show_columns = ["code", "title", "title_en", "parent", "description", "indicators"]
    edit_columns = ["title", "title_en", "description", "indicators"]
    add_columns = ["plan", "parent", "code", "level", "position", "title", "title_en",
                   "description", "indicators"]
    search_columns = ["code", "title", "title_en", "description", "level"]
    label_columns = TASK_LABELS
    base_order = ("code", "asc")
    list_title = show_title = _l("Plan tasks")

    def check(self, item, user, creating):
        ensure_may_edit_plan(user)
        check_plan_task(item)


class DepartmentView(ModelView):
    datamodel = SQLAInterface(Department)
    list_columns = ["code", "name", "name_en"]
    add_columns = edit_columns = show_columns = ["code", "name", "name_en"]
    search_columns = ["code", "name", "name_en"]
    label_columns = {"code": _l("Code"), "name": _l("Name"), "name_en": _l("English name")}
    base_order = ("code", "asc")
    page_size = 50
    list_title = show_title = _l("Departments")


class PlanTaskApi(ModelRestApi):
    resource_name = "plantask"
    datamodel = SQLAInterface(PlanTask)
    allow_browser_login = True
    include_route_methods = {"get", "get_list", "info"}
    list_columns = show_columns = ["id", "code", "title", "title_en", "level", "parent.code",
                                   "description", "indicators"]
    search_columns = ["code", "title", "level"]
    base_order = ("code", "asc")


class DepartmentApi(ModelRestApi):
    resource_name = "department"
    datamodel = SQLAInterface(Department)
    allow_browser_login = True
    include_route_methods = {"get", "get_list", "info"}
    list_columns = show_columns = ["id", "code", "name", "name_en"]
    search_columns = ["code", "name"]
    base_order = ("code", "asc")
