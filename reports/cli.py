"""`flask reports compliance --out FILE.xlsx [--department D] [--from DATE --to DATE]
[--plan-task T]` and `flask reports scorecard --out FILE.xlsx`."""
import time

import click
from flask.cli import AppGroup
from sqlalchemy import select

from core import clock
from core.extensions import db

reports_cli = AppGroup("reports", help="Compliance workbook and department scorecard.")


def _filters(department, date_from, date_to, plan_task):
    from plan.models import PlanTask
    from plan.services import find_department
    from reports.rules import Filters
    filters = Filters(date_from=date_from.date() if date_from else None,
                      date_to=date_to.date() if date_to else None)
    if department:
        filters.department = find_department(department)
        if filters.department is None:
            raise click.BadParameter(f"no department with code or name {department!r}",
                                     param_hint="--department")
    if plan_task:
        filters.plan_task = db.session.scalar(select(PlanTask).where(PlanTask.code == plan_task))
        if filters.plan_task is None:
            raise click.BadParameter(f"no plan task {plan_task!r}", param_hint="--plan-task")
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise click.BadParameter("--from is after --to", param_hint="--from")
    return filters


@reports_cli.command("compliance")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False),
              help="The .xlsx file to write.")
@click.option("--department", help="Department code or name.")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]),
              help="Projects whose period ends on or after this day; start of the audit trail.")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]),
              help="Projects whose period starts on or before this day; end of the audit trail.")
@click.option("--plan-task", "plan_task", help="Plan task code (its sub-tasks included).")
@click.option("--on", "on", type=click.DateTime(["%Y-%m-%d"]),
              help="Judge as of this day (default today).")
def compliance_command(out, department, date_from, date_to, plan_task, on):
    """Write the compliance workbook (rules C01-C12 for every project in scope)."""
    from reports.workbook import write_compliance_workbook
    started = time.perf_counter()
    filters = _filters(department, date_from, date_to, plan_task)
    counts = write_compliance_workbook(out, filters, on.date() if on else clock.today())
    click.echo(f"{out}: {counts['projects']} projects, {counts['rules']} rules, "
               f"{counts['failures']} failures, {counts['overdue_milestones']} overdue "
               f"milestones, {counts['audit_events']} audit events "
               f"({time.perf_counter() - started:.1f} s)")


@reports_cli.command("scorecard")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False))
@click.option("--on", "on", type=click.DateTime(["%Y-%m-%d"]))
def scorecard_command(out, on):
    """Write the department scorecard (绩效评估) workbook."""
    from reports.scorecard import department_scorecard, write_scorecard
    cards = department_scorecard(on=on.date() if on else None)
    with open(out, "wb") as handle:
        write_scorecard(handle, cards)
    click.echo(f"{out}: {len(cards)} departments")
