"""A large import of projects as a background job (projects.importer.import_projects queues
it): the rows are checked and imported all or none, as in the web form, and the job's result
lists every row: imported, or what is wrong with it, by column (a workbook to download, the
same rows as JSON for the API)."""
import json

import xlsxwriter
from flask import current_app
from flask_babel import gettext as _

from core import clock, imports
from core.extensions import db
from core.jobs import Job, job, result_file, set_progress
from core.uow import transaction
from projects import importer

IMPORTED, FAILED, NOT_IMPORTED = "imported", "failed", "not_imported"


def _progress(job_id):
    """Progress while the rows are written: on PostgreSQL from a connection of its own; on
    SQLite none (its one writer is the import's transaction until it ends)."""
    if db.engine.dialect.name == "sqlite":
        return None
    return lambda done, total: set_progress(job_id, 5 + 90 * done // max(total, 1))


def outcome_rows(items, created=None, errors=()) -> list[dict]:
    """One entry per row of the file: imported (with its project), or its errors, or (when
    another row failed) checked but not imported."""
    wrong = {}
    for error in errors:
        wrong.setdefault(error["row"], []).append(error)
    rows = []
    for index, (n, item) in enumerate(items):
        entry = {"row": n, "code": str(item.get("code") or ""), "name": str(item.get("name") or "")}
        if created is not None:
            entry.update(result=IMPORTED, project_id=created[index].id)
        elif n in wrong:
            entry.update(result=FAILED, errors=[{"column": e["column"], "message": e["message"]}
                                                for e in wrong[n]])
        else:
            entry.update(result=NOT_IMPORTED)
        rows.append(entry)
    return rows


def _write_result(job_id, rows) -> str:
    """The rows as a workbook (the job page's download) and as JSON beside it (the API)."""
    labels = {IMPORTED: _("Imported"), FAILED: _("Not imported: errors"),
              NOT_IMPORTED: _("Passed the checks; not imported (another row failed)")}
    path = result_file(job_id, ".xlsx")
    book = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_formulas": False,
                                      "strings_to_urls": False})
    sheet = book.add_worksheet(_("Import"))
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7"})
    for col, header in enumerate((_("Row"), "code", "name", _("Result"), _("Column"),
                                  _("Problem"))):
        sheet.write_string(0, col, header, bold)
    line = 0
    for row in rows:
        for error in row.get("errors") or [{"column": "", "message": ""}]:
            line += 1
            sheet.write_number(line, 0, row["row"])
            for col, text in enumerate((row["code"], row["name"], str(labels[row["result"]]),
                                        error["column"], error["message"]), start=1):
                if text:
                    sheet.write_string(line, col, text)
    sheet.set_column(1, 1, 18)
    sheet.set_column(2, 2, 36)
    sheet.set_column(3, 5, 24)
    book.close()
    with open(result_file(job_id, ".json"), "w", encoding="utf-8") as handle:
        json.dump(rows, handle, ensure_ascii=False)
    return path


def result_rows(job_row: Job) -> list[dict] | None:
    """The rows of a finished import job (None while it runs)."""
    if not job_row.result_path:
        return None
    try:
        with open(result_file(job_row.id, ".json"), encoding="utf-8") as handle:
            return json.load(handle)
    except OSError:
        return None


@job("project_import")
def project_import_job(job_id, token, suffix, rows=0, user=None, create_departments=False):
    path = imports.staged(token, suffix)
    if path is None:
        raise importer.ImportFailed(_("The uploaded file has expired; upload it again."), [])
    account = current_app.appbuilder.sm.get_user_by_id(user) if user else None
    try:
        items = importer.read_rows(path)
        set_progress(job_id, 5, _("Checking and importing %(n)d rows.", n=len(items)))
        try:
            with transaction():
                created = importer.check_rows(items, account, create_departments, keep=True,
                                              progress=_progress(job_id))
            outcome, message = outcome_rows(items, created), \
                _("%(n)d projects imported.", n=len(created))
        except importer.ImportFailed as exc:
            outcome, message = outcome_rows(items, errors=exc.row_errors), exc.message
    finally:
        path.unlink(missing_ok=True)
    result = _write_result(job_id, outcome)
    with transaction():
        row = db.session.get(Job, job_id)
        row.result_path = result
        row.result_name = f"project-import-{clock.today().isoformat()}.xlsx"
    return message
