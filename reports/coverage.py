"""Plan coverage (规划覆盖): plan tasks x projects — how many, how much money, at which stage;
the tasks no project carries out; the tasks where suspected duplicates cluster.

Counts come from one GROUP BY over the project-task links and one over the latest stored
duplicate checks; a task's figures include its sub-tasks' (rolled up in Python over ~40 tasks).
"""
import re
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import case, func, select

from core.extensions import db
from plan.models import PlanTask
from projects import enums as s
from projects.guard.models import DuplicateCheck
from projects.models import Project, project_plan_task
from reports.rules import Filters, scope_query

PIPELINE = (s.DRAFT, s.SUBMITTED, s.IN_REVIEW, s.RETURNED)


@dataclass
class TaskCoverage:
    task: PlanTask
    projects: int = 0
    budget: Decimal = Decimal("0")
    pipeline: int = 0
    approved: int = 0
    rejected: int = 0
    flagged: int = 0  # projects whose latest duplicate check flagged matches
    matches: int = 0  # flagged matches in those checks
    children: list = field(default_factory=list)

    @property
    def code(self):
        return self.task.code

    @property
    def covered(self) -> bool:
        return self.projects > 0

    @property
    def duplicate_share(self):
        return self.flagged / self.projects if self.projects else None


def natural_key(code: str):
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", code)]


def plan_coverage(filters: Filters | None = None) -> list[TaskCoverage]:
    """Every task and sub-task of the plan (not the section headings), in plan order."""
    filters = filters or Filters()
    ids = scope_query(filters).subquery()
    tasks = sorted(db.session.scalars(select(PlanTask).where(PlanTask.level >= 1)),
                   key=lambda t: natural_key(t.code))
    rows = {t.id: TaskCoverage(t) for t in tasks}
    link = project_plan_task.c
    own = db.session.execute(
        select(link.plan_task_id, func.count(), func.coalesce(func.sum(Project.budget_total), 0),
               func.sum(case((Project.status.in_(PIPELINE), 1), else_=0)),
               func.sum(case((Project.status.in_(s.APPROVED_OR_LATER), 1), else_=0)),
               func.sum(case((Project.status == s.REJECTED, 1), else_=0)))
        .join(Project, Project.id == link.project_id)
        .where(link.project_id.in_(select(ids.c.id)))
        .group_by(link.plan_task_id))
    for task_id, count, budget, pipeline, approved, rejected in own:
        if task_id in rows:
            row = rows[task_id]
            row.projects, row.budget = count, Decimal(budget)
            row.pipeline, row.approved, row.rejected = pipeline or 0, approved or 0, rejected or 0
    latest = (select(func.max(DuplicateCheck.id).label("id"))
              .where(DuplicateCheck.project_id.in_(select(ids.c.id)))
              .group_by(DuplicateCheck.project_id).subquery())
    for task_id, flagged, matches in db.session.execute(
            select(Project.primary_task_id, func.count(), func.sum(DuplicateCheck.flagged))
            .join(DuplicateCheck, DuplicateCheck.project_id == Project.id)
            .where(DuplicateCheck.id.in_(select(latest.c.id)), DuplicateCheck.flagged > 0)
            .group_by(Project.primary_task_id)):
        if task_id in rows:
            rows[task_id].flagged, rows[task_id].matches = flagged, int(matches or 0)
    for task in tasks:
        if task.parent_id in rows:
            rows[task.parent_id].children.append(rows[task.id])
    return [rows[t.id] for t in tasks]


# Sections whose tasks projects carry out: the main tasks (主要任务, T). Principles (P) and
# guarantee measures (G) are chapters of the plan, not tasks a project covers.
COVERABLE_SECTIONS = ("T",)


def coverable(row) -> bool:
    return row.code.split(".")[0].rstrip("0123456789") in COVERABLE_SECTIONS


def uncovered(coverage: list[TaskCoverage]) -> list[TaskCoverage]:
    """Main tasks with no project, neither on themselves nor on any of their sub-tasks."""
    return [row for row in coverage if coverable(row)
            and not row.covered and not any(c.covered for c in row.children)]


def coverage_headline(user) -> dict:
    """For the home page: how many plan tasks there are and the codes of the main tasks no
    project (visible to the user) carries out, cached per portfolio version and scope (two
    GROUP BYs over every project and its latest duplicate check: 40 ms at 20,000 projects)."""
    from core import summaries

    def compute():
        rows = plan_coverage(Filters(user=user))
        return {"tasks": len(rows), "uncovered": [row.code for row in uncovered(rows)]}
    return summaries.cached("coverage_headline", (summaries.user_scope(user),), compute)


def duplicate_clusters(coverage: list[TaskCoverage], least: int = 2) -> list[TaskCoverage]:
    """Tasks with at least `least` projects flagged as possible duplicates, most first."""
    return sorted((row for row in coverage if row.flagged >= least),
                  key=lambda row: (-row.flagged, natural_key(row.code)))
