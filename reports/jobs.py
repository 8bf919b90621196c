"""The compliance workbook as a background job: the web starts it, a progress bar follows it,
the file is downloaded from the job's page (20,000 projects with their audit trail take longer
than a web request may)."""
import datetime as dt

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import clock
from core.extensions import db
from core.jobs import job, result_file, set_progress
from core.uow import transaction
from plan.models import Department, PlanTask
from reports.rules import Filters


def filter_params(filters: Filters) -> dict:
    """The filters as JSON for the job's row (the user travels as an id)."""
    return {"department": filters.department.id if filters.department else None,
            "plan_task": filters.plan_task.code if filters.plan_task else None,
            "from": filters.date_from.isoformat() if filters.date_from else None,
            "to": filters.date_to.isoformat() if filters.date_to else None,
            "user": getattr(filters.user, "id", None)}


def filters_from(params: dict) -> Filters:
    from flask import current_app
    user = current_app.appbuilder.sm.get_user_by_id(params["user"]) if params.get("user") \
        else None
    return Filters(
        department=db.session.get(Department, params["department"])
        if params.get("department") else None,
        plan_task=db.session.scalar(select(PlanTask).where(PlanTask.code == params["plan_task"]))
        if params.get("plan_task") else None,
        date_from=dt.date.fromisoformat(params["from"]) if params.get("from") else None,
        date_to=dt.date.fromisoformat(params["to"]) if params.get("to") else None,
        user=user)


def workbook_name(filters: Filters) -> str:
    parts = ["compliance"]
    if filters.department:
        parts.append(filters.department.code)
    if filters.plan_task:
        parts.append(filters.plan_task.code)
    if filters.date_from or filters.date_to:
        parts.append(f"{filters.date_from or ''}~{filters.date_to or ''}")
    return "-".join(parts + [clock.today().isoformat()]) + ".xlsx"


@job("compliance_workbook", label=_l("Compliance workbook"))
def compliance_workbook_job(job_id, **params):
    from core.jobs import Job
    from reports.workbook import write_compliance_workbook
    filters = filters_from(params)
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "zh")):
        set_progress(job_id, 5, _("Evaluating the compliance rules"))
    path = result_file(job_id, ".xlsx")
    counts = write_compliance_workbook(path, filters, base_url=params.get("base_url") or "")
    with transaction():
        row = db.session.get(Job, job_id)
        row.result_path, row.result_name = path, workbook_name(filters)
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "zh")):
        return _("%(projects)s projects, %(failures)s failures, %(events)s audit events",
                 projects=f"{counts['projects']:,}", failures=f"{counts['failures']:,}",
                 events=f"{counts['audit_events']:,}")
