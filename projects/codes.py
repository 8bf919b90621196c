"""Project codes and the plan-task choices of the project form (issue 12).

- `suggest_code(department, year)`: the next free code of a department and year,
  <department code>-<year>-<nnn> (editable: codes need only be unique and stable).
- `task_choices()`: the plan tasks a project may name as primary, in the plan's tree order,
  without the sections (a section is no task, and rule C01 asks for one below it).
"""
import re

from sqlalchemy import select

from core.extensions import db
from plan.models import PlanTask
from projects.models import Project


def suggest_code(department, year: int) -> str:
    if department is None:
        return ""
    prefix = f"{department.code}-{year}-"
    taken = db.session.scalars(select(Project.code).where(Project.code.like(prefix + "%")))
    numbers = [int(m.group(1)) for code in taken
               if (m := re.fullmatch(re.escape(prefix) + r"(\d+)", code))]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


def task_choices() -> list[PlanTask]:
    tasks = list(db.session.scalars(select(PlanTask)))
    children: dict = {}
    for task in tasks:
        children.setdefault(task.parent_id, []).append(task)
    ordered = []

    def walk(parent_id):
        for task in sorted(children.get(parent_id, []), key=lambda t: (t.position, t.code)):
            if task.level >= 1:
                ordered.append(task)
            walk(task.id)
    walk(None)
    return ordered
