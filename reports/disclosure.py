"""Public disclosure (政务公开): approved projects as the public may see them.

Only projects approved or later that the Office has not withheld (不予公开), and only name, code, department, plan task, budget, period and
status: nothing of reviews, risks, findings, funding payments or the people involved.
"""
from sqlalchemy import extract, func, or_, select

from core.extensions import db
from plan.models import Department, PlanTask
from projects.enums import APPROVED_OR_LATER, STATUSES
from projects.models import Project

PUBLIC_FIELDS = ("code", "name", "department", "plan_task", "budget_total", "start_date",
                 "end_date", "status")


def disclosure_query(department_id=None, plan_task=None, status=None, year=None, q=None):
    query = (select(Project.id, Project.code, Project.name, Department.label_column().label("department"),
                    (PlanTask.code + " " + PlanTask.title).label("plan_task"),
                    Project.budget_total, Project.start_date, Project.end_date, Project.status)
             .join(Department, Department.id == Project.department_id)
             .join(PlanTask, PlanTask.id == Project.primary_task_id)
             .where(Project.status.in_(APPROVED_OR_LATER), Project.withheld.is_(False)))
    if department_id:
        query = query.where(Project.department_id == department_id)
    if plan_task:
        query = query.where(or_(PlanTask.code == plan_task, PlanTask.code.like(plan_task + ".%")))
    if status in APPROVED_OR_LATER:
        query = query.where(Project.status == status)
    if year:
        query = query.where(extract("year", Project.start_date) <= year,
                            extract("year", Project.end_date) >= year)
    if q:
        query = query.where(or_(Project.name.contains(q, autoescape=True),
                                Project.code.contains(q, autoescape=True)))
    return query


def disclosed_projects(page=0, page_size=50, **filters):
    """(rows for the page, total count, total budget)."""
    query = disclosure_query(**filters)
    sub = query.subquery()
    total, budget = db.session.execute(
        select(func.count(), func.coalesce(func.sum(sub.c.budget_total), 0))).one()
    rows = db.session.execute(query.order_by(Project.start_date.desc(), Project.code)
                              .limit(page_size).offset(page * page_size)).all()
    return rows, total, budget


def csv_rows(**filters):
    for row in db.session.execute(disclosure_query(**filters).order_by(Project.code)):
        yield (row.code, row.name, row.department, row.plan_task, row.budget_total,
               row.start_date, row.end_date, str(STATUSES.get(row.status, row.status)))


def filter_choices():
    departments = db.session.execute(
        select(Department.id, Department.label_column())
        .where(Department.id.in_(select(Project.department_id)
                                 .where(Project.status.in_(APPROVED_OR_LATER),
                                        Project.withheld.is_(False))))
        .order_by(Department.code)).all()
    tasks = db.session.execute(select(PlanTask.code, PlanTask.title)
                               .where(PlanTask.level == 1)).all()
    from reports.coverage import natural_key
    return departments, sorted(tasks, key=lambda t: natural_key(t[0]))
