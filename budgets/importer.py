"""Import funding lines from xlsx: all rows or none, errors by row and column.

Columns (row 1): project (code), source (code or name), year, amount, note. Each row goes through
`services.add_funding_line`, the rule the API and the web forms use, inside one savepoint
(core.imports.all_or_none).
"""
import datetime as dt
import io
from pathlib import Path

import openpyxl
import xlsxwriter
from flask_babel import gettext as _
from sqlalchemy import select

from budgets.models import FundingSource
from budgets.services import add_funding_line
from core.extensions import db
from core.imports import ImportFailed, all_or_none  # noqa: F401 (ImportFailed: callers)

COLUMNS = ("project", "source", "year", "amount", "note")


def read_rows(path) -> list[tuple[int, dict]]:
    """(row number as the user sees it, values by column). Numbers keep the digits shown."""
    if Path(path).suffix.lower() != ".xlsx":
        raise ImportFailed(_("Choose an .xlsx file."), [])
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (OSError, ValueError, KeyError) as exc:
        raise ImportFailed(_("The file cannot be read: %(error)s", error=exc), []) from exc
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, [])]
        missing = [k for k in COLUMNS[:4] if k not in header]
        if missing:
            raise ImportFailed(_("Row 1 lacks the columns %(keys)s.", keys=", ".join(missing)), [])
        result = []
        for n, values in enumerate(rows, start=2):
            if values is None or all(v in (None, "") for v in values):
                continue
            item = {}
            for key, value in zip(header, values):
                if key not in COLUMNS or value is None:
                    continue
                if isinstance(value, (dt.date, dt.datetime)):
                    value = value.isoformat()
                elif isinstance(value, float) and key == "amount":
                    value = repr(value)  # the digits shown, never float arithmetic
                elif key == "project" and isinstance(value, (int, float)):
                    value = str(value)
                item[key] = value
            result.append((n, item))
        return result
    finally:
        workbook.close()


def import_rows(rows, user=None, keep=True) -> list:
    """Add every row's funding line inside a savepoint; keep them only if all pass."""
    return all_or_none(rows, lambda item: add_funding_line(item, user), keep,
                       empty=_("The file holds no funding lines."))


def import_file(path, user=None) -> list:
    return import_rows(read_rows(path), user)


def template_workbook() -> io.BytesIO:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet("funding lines")
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7"})
    example = ["TC-2013-001", "市本级财政", "2013", "250000.00", "一期建设资金"]
    for col, (key, value) in enumerate(zip(COLUMNS, example)):
        sheet.write_string(0, col, key, bold)
        sheet.write_string(1, col, value)
        sheet.set_column(col, col, 20)
    lists = workbook.add_worksheet("sources")
    lists.write_row(0, 0, ["code", "name"], bold)
    for r, (code, name) in enumerate(db.session.execute(
            select(FundingSource.code, FundingSource.name).order_by(FundingSource.position)), 1):
        lists.write_row(r, 0, [code, name])
    workbook.close()
    buffer.seek(0)
    return buffer
