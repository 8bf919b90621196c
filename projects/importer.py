"""Import projects from xlsx or json (DESIGN §7): all rows or none, errors by row and column.

The same `create_project` service that the API uses checks each row, inside a savepoint that is
rolled back if any row fails (or when only checking).
"""
import datetime as dt
import io
import json
from pathlib import Path

import xlsxwriter
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from core import imports
from core.extensions import db
from core.imports import ImportFailed, all_or_none  # noqa: F401 (ImportFailed: callers)
from core.inputlimits import load_json_file, open_xlsx
from plan.models import Department, PlanTask
from plan.services import find_department
from projects.enums import CATEGORIES
from projects.schemas import INPUT_KEYS
from projects.services import create_project

SUFFIXES = (".xlsx", ".json")


def read_rows(path) -> list[tuple[int, dict]]:
    """(row number as the user sees it, values by key). xlsx: row 1 holds the keys."""
    path = Path(path)
    try:
        if path.suffix.lower() == ".json":
            return _json_rows(path)
        if path.suffix.lower() == ".xlsx":
            return _xlsx_rows(path)
    except (ValueError, KeyError, OSError, json.JSONDecodeError) as exc:
        raise ImportFailed(_("The file cannot be read: %(error)s", error=exc), []) from exc
    raise ImportFailed(_("Choose an .xlsx or .json file."), [])


def _json_rows(path):
    data = load_json_file(path)
    if isinstance(data, dict) and isinstance(data.get("projects"), list):
        data = data["projects"]
    if not isinstance(data, list):
        raise ValueError(_("expected a list of projects"))
    return [(n, item) for n, item in enumerate(data, start=1)]


def _xlsx_rows(path):
    workbook = open_xlsx(path)
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, [])]
        missing = [k for k in ("code", "name", "department", "plan_task") if k not in header]
        if missing:
            raise ValueError(_("row 1 lacks the columns %(keys)s", keys=", ".join(missing)))
        result = []
        for n, values in enumerate(rows, start=2):
            if values is None or all(v in (None, "") for v in values):
                continue
            item = {}
            for key, value in zip(header, values):
                if not key or value is None:
                    continue
                if isinstance(value, dt.datetime):
                    value = value.date().isoformat()
                elif isinstance(value, dt.date):
                    value = value.isoformat()
                elif isinstance(value, (int, float)) and key != "protection_level":
                    value = str(value)
                item[key] = value
            result.append((n, item))
        return result
    finally:
        workbook.close()


def _create_missing_departments(rows) -> None:
    for _n, item in rows:
        ref = str(item.get("department") or "").strip()
        if ref and find_department(ref) is None:
            count = db.session.query(Department).count()
            db.session.add(Department(code=f"NEW{count + 1:03d}", name=ref))
            db.session.flush()


def check_rows(rows, user=None, create_departments=False, keep=False, progress=None) -> list:
    """Create every row's project inside a savepoint; keep them only if all rows pass and
    `keep` is set. Raises ImportFailed listing every error by row and column."""
    return all_or_none(rows, lambda item: create_project(item, user), keep,
                       before=(lambda: _create_missing_departments(rows))
                       if create_departments else None,
                       empty=_("The file holds no projects."), progress=progress)


def import_file(path, user=None, create_departments=False) -> list:
    return check_rows(read_rows(path), user, create_departments, keep=True)


def runs_as_job(rows) -> bool:
    """A file of more rows than IMPORT_JOB_ROWS is checked and imported by a background job:
    creating its projects one by one would outlast a web request."""
    return len(rows) > current_app.config["IMPORT_JOB_ROWS"]


def import_projects(path, user=None, create_departments=False, background=None):
    """Import a file of projects, all rows or none: the web form, the API and the CLI call
    this. A file of more than IMPORT_JOB_ROWS rows goes to a background job, which returns
    the Job (when done, its result lists every row: imported, or its errors); a smaller file
    is imported now and the created projects returned. `background` forces either way (the
    CLI imports in the foreground unless asked)."""
    from core import jobs
    from core.inputlimits import check_row_count
    rows = read_rows(path)
    if not (runs_as_job(rows) if background is None else background):
        return check_rows(rows, user, create_departments, keep=True)
    if not rows:
        raise ImportFailed(_("The file holds no projects."), [])
    check_row_count(rows)  # IMPORT_MAX_ROWS, before anything is queued
    token, copy = imports.stage_copy(path)
    return jobs.enqueue("project_import", {
        "token": token, "suffix": copy.suffix, "rows": len(rows),
        "user": getattr(user, "id", None), "create_departments": bool(create_departments)},
        user.username if user is not None else "system")


def template_workbook() -> io.BytesIO:
    """An xlsx with the import columns, one example row and the lists of valid values."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet("projects")
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7"})
    example = ["TC-2013-001", "市级政务外网升级改造", "市信息化办公室", "T1", "network",
               "完成政务外网的升级改造工程,更新核心交换设备并建设备份链路。", "政务外网、网络升级",
               "1500000.00", "2013-03-01", "2013-12-31"]
    for col, (key, value) in enumerate(zip(INPUT_KEYS, example)):
        sheet.write_string(0, col, key, bold)
        sheet.write_string(1, col, value)
        sheet.set_column(col, col, 40 if key in ("name", "description") else 16)
    sheet.freeze_panes(1, 0)
    lists = workbook.add_worksheet("valid values")
    lists.write_row(0, 0, ["department", "plan_task", "category"], bold)
    departments = db.session.scalars(select(Department.name).order_by(Department.code)).all()
    tasks = db.session.scalars(select(PlanTask.code).where(PlanTask.level >= 1)
                               .order_by(PlanTask.code)).all()
    for r, name in enumerate(departments, start=1):
        lists.write_string(r, 0, name)
    for r, code in enumerate(tasks, start=1):
        lists.write_string(r, 1, code)
    for r, key in enumerate(CATEGORIES, start=1):
        lists.write_string(r, 2, key)
    lists.set_column(0, 2, 24)
    workbook.close()
    buffer.seek(0)
    return buffer
