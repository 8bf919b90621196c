"""The training register (培训, plan G5: "加强对公务员的信息化培训和考核"): courses held for a
department's staff, how many attended and passed, entered or imported from xlsx (all rows or
none, errors by row and column). People trained and the pass rate feed the scorecard.
The Office keeps the register; ProjectManagers read their own department's courses.
"""
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import xlsxwriter
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import extract, func, select

from core.audit import utcnow
from core.errors import ValidationFailed
from core import scoping
from core.extensions import db
from core.imports import ImportFailed, all_or_none  # noqa: F401 (ImportFailed: callers)
from evaluation.models import TrainingRecord
from evaluation.schemas import TrainingSchema
from evaluation.services import actor, department_of, ensure_office
from core.schemas import parse

_INVALID = _l("The training record has invalid fields.")
COLUMNS = ("department", "held_on", "subject", "hours", "attendees", "passed", "note")
MAX_ROWS = 5000


def training_errors(item: TrainingRecord) -> dict:
    """Field -> message: a subject, hours above 0 (at most 1000), attendees at least 1 and
    passed between 0 and the attendees."""
    errors = {}
    if not (item.subject or "").strip():
        errors["subject"] = _("This field is required.")
    elif len(item.subject) > 200:
        errors["subject"] = _("At most %(n)s characters.", n=200)
    if item.held_on is None:
        errors["held_on"] = _("This field is required.")
    if item.hours is None or not Decimal("0") < Decimal(item.hours) <= Decimal("1000"):
        errors["hours"] = _("Give the hours, above 0.")
    if not isinstance(item.attendees, int) or item.attendees < 1:
        errors["attendees"] = _("At least one attendee.")
    if not isinstance(item.passed, int) or item.passed < 0 or (
            isinstance(item.attendees, int) and item.passed > item.attendees):
        errors["passed"] = _("Between 0 and the number of attendees.")
    return errors


def _checked(item: TrainingRecord) -> TrainingRecord:
    errors = training_errors(item)
    if errors:
        raise ValidationFailed(_INVALID, errors)
    return item


def record_training(raw: dict, user=None) -> TrainingRecord:
    """The Office enters a course held for a department."""
    ensure_office(user, _("training records"))
    data = parse(TrainingSchema(), raw, _INVALID)
    try:
        department = department_of(data.pop("department"))
    except ValidationFailed:
        raise ValidationFailed(_INVALID, {"department": _("No such department.")}) from None
    item = _checked(TrainingRecord(department=department, recorded_by=actor(user),
                                   recorded_at=utcnow(), **data))
    db.session.add(item)
    db.session.flush()
    return item


def update_training(item: TrainingRecord, raw: dict, user=None) -> TrainingRecord:
    ensure_office(user, _("training records"))
    data = parse(TrainingSchema(partial=True), raw, _INVALID)
    if "department" in data:
        item.department = department_of(data.pop("department"))
    for key, value in data.items():
        setattr(item, key, value)
    item.recorded_by, item.recorded_at = actor(user), utcnow()
    _checked(item)
    db.session.flush()
    return item


def check_form_training(item: TrainingRecord, user, creating: bool) -> None:
    with db.session.no_autoflush:
        ensure_office(user, _("training records"))
        if item.department is None:
            raise ValidationFailed(_INVALID, {"department": _("This field is required.")})
        item.recorded_by, item.recorded_at = actor(user), utcnow()
        _checked(item)


def get_visible_training(record_id, user) -> TrainingRecord:
    return scoping.get(TrainingRecord, record_id, user)

# --- import -------------------------------------------------------------------------------

def read_rows(path) -> list[tuple[int, dict]]:
    """(row number as the user sees it, values by column) of the first sheet."""
    if Path(path).suffix.lower() != ".xlsx":
        raise ImportFailed(_("Choose an .xlsx file."), [])
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (OSError, ValueError, KeyError) as exc:
        raise ImportFailed(_("The file cannot be read: %(error)s", error=exc), []) from exc
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, [])]
        missing = [k for k in COLUMNS[:6] if k not in header]
        if missing:
            raise ImportFailed(_("Row 1 lacks the columns %(keys)s.", keys=", ".join(missing)), [])
        result = []
        for n, values in enumerate(rows, start=2):
            if values is None or all(v in (None, "") for v in values):
                continue
            if len(result) >= MAX_ROWS:
                raise ImportFailed(_("At most %(n)s rows per file.", n=MAX_ROWS), [])
            item = {}
            for key, value in zip(header, values):
                if key not in COLUMNS or value is None:
                    continue
                if isinstance(value, dt.datetime):
                    value = value.date().isoformat()
                elif isinstance(value, dt.date):
                    value = value.isoformat()
                elif isinstance(value, float) and key == "hours":
                    value = repr(value)
                elif isinstance(value, float) and value.is_integer():
                    value = int(value)
                item[key] = value
            result.append((n, item))
        return result
    finally:
        workbook.close()


def import_rows(rows, user=None) -> list[TrainingRecord]:
    """Record every row through `record_training` inside a savepoint; keep them only if all
    pass (core.imports.all_or_none)."""
    ensure_office(user, _("training records"))
    return all_or_none(rows, lambda item: record_training(item, user),
                       empty=_("The file holds no training records."))


def import_file(path, user=None) -> list[TrainingRecord]:
    return import_rows(read_rows(path), user)


def template_workbook() -> io.BytesIO:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet("training")
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7"})
    example = ["市公安局", "2013-05-20", "电子政务与信息安全培训", "16", "45", "42", "考核合格 42 人"]
    for col, (key, value) in enumerate(zip(COLUMNS, example)):
        sheet.write_string(0, col, key, bold)
        sheet.write_string(1, col, value)
        sheet.set_column(col, col, 22)
    workbook.close()
    buffer.seek(0)
    return buffer


# --- indicators ---------------------------------------------------------------------------

def training_by_department(year: int) -> dict:
    """department id -> (courses, hours, attendees, passed) in the year."""
    rows = db.session.execute(
        select(TrainingRecord.department_id, func.count(), func.sum(TrainingRecord.hours),
               func.sum(TrainingRecord.attendees), func.sum(TrainingRecord.passed))
        .where(extract("year", TrainingRecord.held_on) == year)
        .group_by(TrainingRecord.department_id))
    return {dep: (courses, Decimal(hours or 0), int(attendees or 0), int(passed or 0))
            for dep, courses, hours, attendees, passed in rows}
