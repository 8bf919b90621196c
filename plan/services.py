"""Loading the plan tree and the department list from their data files (idempotent)."""
import json
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import or_, select

from core.errors import NotAllowed, ValidationFailed
from core.extensions import db
from core.security import ADMIN, OFFICE, has_role
from core.users import create_user
from plan.models import Department, Plan, PlanTask


def load_plan(path) -> dict:
    """Create or update the plan and its task tree from a JSON file; running it twice changes
    nothing. Returns the number of tasks per section code and how many rows changed."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    meta = data["plan"]
    plan = db.session.scalar(select(Plan).where(Plan.code == meta["code"])) or Plan()
    _assign(plan, {k: meta.get(k) for k in ("code", "title", "title_en", "period_start",
                                             "period_end", "issuer", "source")})
    db.session.add(plan)
    existing = {t.code: t for t in db.session.scalars(select(PlanTask))}
    counts = {}
    for position, section in enumerate(data["sections"]):
        node = _upsert_task(existing, plan, None, 0, position, section)
        counts[section["code"]] = _load_children(existing, plan, node, 1, section["tasks"])
    changed = len(db.session.new) + len([o for o in db.session.dirty if db.session.is_modified(o)])
    db.session.flush()
    return {"sections": counts, "changed": changed}


def _load_children(existing, plan, parent, level, items) -> int:
    count = 0
    for position, item in enumerate(items):
        node = _upsert_task(existing, plan, parent, level, position, item)
        count += 1 + _load_children(existing, plan, node, level + 1, item.get("children", []))
    return count


def _upsert_task(existing, plan, parent, level, position, item) -> PlanTask:
    task = existing.get(item["code"])
    if task is None:
        task = PlanTask(code=item["code"])
        existing[item["code"]] = task
        db.session.add(task)
    indicators = "\n".join(item.get("indicators") or []) or None
    _assign(task, dict(plan=plan, parent=parent, level=level, position=position,
                       title=item["title"], title_en=item.get("title_en"),
                       description=item.get("text"), indicators=indicators))
    return task


def _assign(obj, values: dict) -> None:
    """Set only what differs, so an unchanged reload leaves no audit events."""
    for key, value in values.items():
        if getattr(obj, key) is not value and getattr(obj, key) != value:
            setattr(obj, key, value)


def load_departments(path) -> int:
    """Create or update departments by code from a JSON list; returns how many were added."""
    items = json.loads(Path(path).read_text(encoding="utf-8"))
    existing = {d.code: d for d in db.session.scalars(select(Department))}
    added = 0
    for item in items:
        department = existing.get(item["code"])
        if department is None:
            department = Department(code=item["code"])
            db.session.add(department)
            added += 1
        _assign(department, {"name": item["name"], "name_en": item.get("name_en")})
    db.session.flush()
    return added


def ensure_may_edit_plan(user) -> None:
    """Admin and the Office maintain the plan; everyone else reads it."""
    if user is not None and not has_role(user, ADMIN, OFFICE):
        raise NotAllowed(_("Only the Office and administrators edit the plan."))


def check_plan_task(task: PlanTask) -> None:
    """A task's code is unique and stays a child of the section its code starts with."""
    errors = {}
    if not task.code or not task.title:
        errors["code" if not task.code else "title"] = _("This field is required.")
    clash = select(PlanTask.id).where(PlanTask.code == task.code)
    if task.id is not None:
        clash = clash.where(PlanTask.id != task.id)
    if task.code and db.session.scalar(clash) is not None:
        errors["code"] = _("Code %(code)s is already used.", code=task.code)
    if errors:
        raise ValidationFailed(_("The plan task has invalid fields."), errors)


def find_department(ref: str | None) -> Department | None:
    """A department by its code or its name."""
    if not ref:
        return None
    return db.session.scalar(select(Department).where(
        or_(Department.code == ref, Department.name == ref)))


def add_user(username, password, role_name, department_ref=None, first="", last="",
             check_password=True):
    """A user with a role and the department named by code or name (`flask users create`,
    the demo users)."""
    department = find_department(department_ref) if department_ref else None
    if department_ref and department is None:
        raise ValidationFailed(_("Unknown department: %(ref)s.", ref=department_ref),
                               {"department": _("unknown department %(ref)r",
                                                ref=department_ref)})
    return create_user(username, password, role_name, department, first, last,
                       check_password=check_password)
