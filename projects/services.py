"""Project rules: who may see and change which project, and what a valid project is.

Every path that writes a project (web form, REST API, import, CLI) goes through these functions.
`user=None` means the system itself (CLI, seeding), which works for every department.
"""
import re
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from core import registry, scoping
from core.errors import NotAllowed, ValidationFailed
from core.extensions import db
from core.security import ADMIN, OFFICE, has_role, is_department_scoped
from plan.models import Department, PlanTask
from plan.services import find_department
from projects.enums import CATEGORIES, EDITABLE_BY_DEPARTMENT
from projects.models import Project
from projects.scopes import can_see, visibility_clause  # noqa: F401 (guard reads them here)
from core.schemas import localized
from projects.schemas import ProjectInputSchema, ProjectUpdateSchema

MAX_BUDGET = Decimal("999999999999.99")


def add_project_check(check, app=None) -> None:
    """A check other packages add to every project write (e.g. budgets: an approved project's
    budget changes only through a change request): check(project) -> {field: message}.
    Registered in app.register_rules()."""
    registry.add("project_check", check, app)


# --- who sees and changes what -------------------------------------------------------------

def ensure_may_create_for(user, department: Department | None) -> None:
    """A ProjectManager creates projects for its own department only; the Office for any."""
    if user is None or has_role(user, OFFICE):
        return
    if is_department_scoped(user):
        if department is not None and department.id != user.department_id:
            raise NotAllowed(_("You may register projects only for your own department."),
                             {"department": _("Not your department.")})
        return
    raise NotAllowed(_("Your role may not register projects."))


def ensure_may_change(user, project: Project, deleting: bool = False) -> None:
    """The owning department edits its drafts and returned proposals; the Office any project
    before it is closed. Admin and Auditor change no project."""
    if user is None:
        return
    if has_role(user, OFFICE):
        if project.status == "closed":
            raise NotAllowed(_("A closed project cannot be changed."))
        if deleting and project.status not in EDITABLE_BY_DEPARTMENT + ("rejected",):
            raise NotAllowed(_("Only drafts, returned and rejected proposals can be deleted."))
        return
    if is_department_scoped(user):
        if project.department_id != user.department_id:
            raise NotAllowed(_("This project belongs to another department."))
        if project.status not in EDITABLE_BY_DEPARTMENT:
            raise NotAllowed(_("Only drafts and returned proposals can be changed; this project is "
                               "%(status)s.", status=project.status_label()))
        return
    if has_role(user, ADMIN):
        raise NotAllowed(_("Administrators maintain users, departments and the plan, "
                           "not projects."))
    raise NotAllowed(_("Your role may not change projects."))


# --- what a valid project is -------------------------------------------------------------

def find_plan_tasks(codes: list[str]) -> tuple[list[PlanTask], list[str]]:
    """The plan tasks named by code, in the given order, and the codes that name none."""
    if not codes:
        return [], []
    found = {t.code: t for t in db.session.scalars(select(PlanTask).where(PlanTask.code.in_(codes)))}
    return [found[c] for c in codes if c in found], [c for c in codes if c not in found]


def validate_project(project: Project) -> dict:
    """Field -> message for every rule the project breaks: code format and uniqueness, a known
    department, at least one plan task below section level, a listed category, a positive budget
    in yuan and fen, an end not before the start."""
    errors = {}
    pattern = current_app.config["PROJECT_CODE_PATTERN"]
    if not project.code:
        errors["code"] = _("This field is required.")
    elif not re.fullmatch(pattern, project.code):
        errors["code"] = _("Use capitals, digits and hyphens, e.g. TC-2013-001.")
    else:
        clash = select(Project.id).where(Project.code == project.code)
        if project.id is not None:
            clash = clash.where(Project.id != project.id)
        if db.session.scalar(clash) is not None:
            errors["code"] = _("Code %(code)s is already used by another project.",
                               code=project.code)
    if not (project.name or "").strip():
        errors["name"] = _("This field is required.")
    elif len(project.name) > 200:
        errors["name"] = _("At most 200 characters.")
    if project.department is None and project.department_id is None:
        errors.setdefault("department", _("This field is required."))
    tasks = project.plan_tasks or ([project.primary_task] if project.primary_task else [])
    if not tasks:
        errors.setdefault("plan_task", _("Name at least one plan task, e.g. T3."))
    elif any(not t.is_assignable for t in tasks):
        errors["plan_task"] = _("Register against a task or sub-task (e.g. T3, T3.1), "
                                "not a whole section.")
    if project.category not in CATEGORIES:
        errors["category"] = _("Choose one of: %(choices)s.", choices=", ".join(CATEGORIES))
    budget = project.budget_total
    if budget is None:
        errors["budget_total"] = _("This field is required.")
    elif not isinstance(budget, Decimal) or not budget.is_finite():
        errors["budget_total"] = _("Not an amount of money.")
    elif budget <= 0:
        errors["budget_total"] = _("The budget must be more than zero.")
    elif budget > MAX_BUDGET or -budget.as_tuple().exponent > 2:
        errors["budget_total"] = _("Give yuan with at most two decimals (fen).")
    if project.start_date is None:
        errors["start_date"] = _("This field is required.")
    if project.end_date is None:
        errors["end_date"] = _("This field is required.")
    elif project.start_date and project.end_date < project.start_date:
        errors["end_date"] = _("The end date must not be before the start date.")
    if project.protection_level is not None and project.protection_level not in (1, 2, 3, 4):
        errors["protection_level"] = _("The protection level is 1, 2, 3 or 4.")
    return errors


def parse_input(raw, partial=False) -> dict:
    """Typed values from input keys, or ValidationFailed naming each bad field."""
    if not isinstance(raw, dict):
        raise ValidationFailed(_("Expected an object with the project's fields."))
    schema = ProjectUpdateSchema() if partial else ProjectInputSchema()
    try:
        return schema.load(raw)
    except ValidationError as err:
        raise ValidationFailed(_("The project has invalid fields."), localized(err.messages))


def apply_input(project: Project, data: dict) -> dict:
    """Copy parsed values onto the project; return errors for references that name nothing."""
    errors = {}
    simple = ("code", "name", "category", "description", "budget_total", "start_date",
              "end_date", "contractor", "supervisor", "protection_level", "listed_in_plan")
    for key in simple:
        if key in data:
            setattr(project, key, data[key])
    if "capabilities" in data:
        project.capabilities = "、".join(data["capabilities"]) or None
    if "department" in data:
        department = find_department(data["department"])
        if department is None:
            errors["department"] = _("Unknown department: %(ref)s.", ref=data["department"])
        project.department = department
    if "plan_task" in data:
        tasks, unknown = find_plan_tasks(data["plan_task"])
        if unknown:
            errors["plan_task"] = _("Unknown plan task: %(codes)s.", codes=", ".join(unknown))
        project.plan_tasks = tasks
        project.primary_task = tasks[0] if tasks else None
    if "reuses" in data:
        reused = list(db.session.scalars(select(Project).where(Project.code.in_(data["reuses"]))))
        missing = set(data["reuses"]) - {p.code for p in reused}
        if missing:
            errors["reuses"] = _("Unknown project: %(codes)s.", codes=", ".join(sorted(missing)))
        project.reuses = reused
    return errors


def _checked(project: Project, reference_errors: dict) -> None:
    errors = {**validate_project(project), **reference_errors}
    for check in registry.hooks("project_check"):
        errors.update(check(project) or {})
    if errors:
        raise ValidationFailed(_("The project has invalid fields."), errors)


def create_project(raw: dict, user=None) -> Project:
    """Register a project in `draft` from input keys. Nothing is written when a rule fails."""
    data = parse_input(raw)
    with db.session.no_autoflush:
        project = Project(status="draft", created_by=user.username if user else "system")
        ref_errors = apply_input(project, data)
        ensure_may_create_for(user, project.department)
        _checked(project, ref_errors)
    db.session.add(project)
    db.session.flush()
    return project


def update_project(project: Project, raw: dict, user=None) -> Project:
    """Change the given fields of a project the user may change."""
    ensure_may_change(user, project)
    data = parse_input(raw, partial=True)
    with db.session.no_autoflush:
        ref_errors = apply_input(project, data)
        if "department" in data:
            ensure_may_create_for(user, project.department)
        _checked(project, ref_errors)
    db.session.flush()
    return project


def check_form_project(project: Project, user, creating: bool) -> None:
    """Rules for a project filled in by a web form (FAB has already set its attributes)."""
    with db.session.no_autoflush:
        if creating:
            project.status = "draft"
            project.created_by = user.username if user else "system"
            ensure_may_create_for(user, project.department)
        else:
            ensure_may_change(user, project)
            ensure_may_create_for(user, project.department)
        if project.primary_task is not None and project.primary_task not in project.plan_tasks:
            project.plan_tasks = [project.primary_task] + list(project.plan_tasks)
        _checked(project, {})


def delete_project(project: Project, user=None) -> None:
    ensure_may_change(user, project, deleting=True)
    db.session.delete(project)
    db.session.flush()


def project_query(user):
    """A SELECT of the projects the user may see."""
    return scoping.visible(Project, user)

