"""Bounds on what comes in (issue 11): requests, uploads, text, JSON nesting, ids, NUL bytes.

Every refusal is a clear 4xx that changes nothing:
- a request body over MAX_CONTENT_LENGTH: 413 (Flask);
- an id in a URL beyond a 32-bit integer (the key columns): 404 (no such row can exist);
- a value the database cannot hold (PostgreSQL's DataError: a number out of range): 422;
- a NUL byte in a query string, form or JSON body: 400 (PostgreSQL cannot store one);
- JSON nested deeper than JSON_MAX_DEPTH: 400, before it is parsed (no RecursionError);
- a text value longer than its column (or TEXT_MAX_LENGTH for Text): 422, at flush, whichever
  path wrote it (web, API, import, CLI);
- an xlsx whose inflated size exceeds XLSX_MAX_INFLATED_BYTES (a zip bomb), or that is not a zip
  at all, and a json import that is not UTF-8: ImportFailed before reading the rows.
"""
import json
import re
import zipfile
from pathlib import Path

from flask import current_app, request
from flask_babel import gettext as _
from sqlalchemy import String, Text, event, inspect
from sqlalchemy.exc import DataError
from werkzeug.exceptions import BadRequest, NotFound

from core.errors import ValidationFailed

MAX_ID = 2 ** 31 - 1  # every primary key is an INTEGER (32 bits on PostgreSQL)
MAX_BIGINT = 2 ** 63 - 1  # the largest integer any column holds
_DIGITS = re.compile(r"^-?\d+$")


def install(app, session_factory) -> None:
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = 32 * 1024 * 1024
    app.config.setdefault("JSON_MAX_DEPTH", 64)
    app.config.setdefault("TEXT_MAX_LENGTH", 20000)
    app.config.setdefault("XLSX_MAX_INFLATED_BYTES", 200 * 1024 * 1024)
    app.config.setdefault("UPLOAD_FOLDER", str(Path(app.instance_path) / "fab-uploads"))
    app.before_request(_check_request)
    app.register_error_handler(DataError, _out_of_range)
    if not event.contains(session_factory, "before_flush", _check_lengths):
        event.listen(session_factory, "before_flush", _check_lengths)


def _check_request():
    rule = request.url_rule.rule if request.url_rule is not None else ""
    if rule.endswith("/download/<string:filename>"):
        raise NotFound()  # FAB's file-column download: no PlanGuard model has file columns
    if "/action/<string:name>/" in rule and not _has_action(request.view_args.get("name")):
        raise NotFound()  # FAB looks an unknown action up as None (AttributeError, a 500)
    group_by = (request.view_args or {}).get("group_by")
    if group_by is not None and not str(group_by).isdigit():
        raise NotFound()  # FAB's user statistics chart takes an index (int() of it, a 500)
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and abs(value) > MAX_ID:
            raise NotFound()
        if isinstance(value, str) and _DIGITS.match(value) and abs(int(value)) > MAX_ID:
            raise NotFound()
    if "\x00" in request.query_string.decode("latin-1") or "%00" in request.query_string.decode(
            "latin-1"):
        raise BadRequest(_("NUL characters are not allowed."))
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if request.mimetype == "application/x-www-form-urlencoded" or (
                request.mimetype == "multipart/form-data"):
            if any("\x00" in v for v in request.form.values()):
                raise BadRequest(_("NUL characters are not allowed."))
        elif request.is_json:
            body = request.get_data(cache=True)
            if b"\\u0000" in body or b"\x00" in body:
                raise BadRequest(_("NUL characters are not allowed."))
            if json_depth(body) > current_app.config["JSON_MAX_DEPTH"]:
                raise BadRequest(_("The JSON document is nested too deeply."))
            too_big = _reference_beyond_keys(request.get_json(silent=True))
            if too_big:
                raise ValidationFailed(_("A value is out of range or malformed for the "
                                         "database."), {too_big: _("No such record.")})


REFERENCE_KEYS = {"id", "pk", "project", "funding_line", "line", "source", "department",
                  "owner_department", "primary_task", "plan_task", "plan_tasks", "reuses",
                  "milestone", "risk", "finding", "review", "change", "user", "ids"}


def _reference_keys() -> set[str]:
    """REFERENCE_KEYS and the name of every relationship of the mapped models (`data_item`,
    `parent`, ...): a body names a related row by them."""
    keys = current_app.extensions.get("planguard_reference_keys")
    if keys is None:
        from flask_appbuilder import Model
        keys = REFERENCE_KEYS | {rel.key for mapper in Model.registry.mappers
                                 for rel in mapper.relationships}
        current_app.extensions["planguard_reference_keys"] = keys
    return keys


def _reference_beyond_keys(data, key=None):
    """The first key naming a row (`project`, `..._id`, any relationship) whose integer is
    beyond the key columns' range, or any integer beyond 64 bits (no column holds it):
    PostgreSQL would refuse the lookup with an error, SQLite overflow (a 500 in FAB's API)."""
    if isinstance(data, dict):
        for k, v in data.items():
            found = _reference_beyond_keys(v, k)
            if found:
                return found
    elif isinstance(data, list):
        for v in data:
            found = _reference_beyond_keys(v, key)
            if found:
                return found
    elif isinstance(data, int) and not isinstance(data, bool) and key is not None and (
            abs(data) > MAX_BIGINT or (key in _reference_keys() or str(key).endswith("_id"))
            and abs(data) > MAX_ID):
        return str(key)
    return None


def _out_of_range(exc):
    """PostgreSQL refused a value (e.g. an id or amount beyond its column): nothing is written."""
    from core.extensions import db
    db.session.rollback()
    return {"message": _("A value is out of range or malformed for the database."),
            "reason": type(getattr(exc, "orig", exc)).__name__}, 422


def _has_action(name) -> bool:
    view = current_app.view_functions.get(request.endpoint)
    while view is not None and not hasattr(view, "__self__"):
        view = getattr(view, "__wrapped__", None)
    actions = getattr(getattr(view, "__self__", None), "actions", None)
    return actions is None or name in actions


def json_depth(data) -> int:
    """The deepest nesting of arrays and objects, found without parsing (strings skipped)."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    depth = deepest = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > 10000:
                    return deepest
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def _limit_of(column) -> int | None:
    if isinstance(column.type, String) and getattr(column.type, "length", None):
        return column.type.length
    if isinstance(column.type, (Text, String)):
        return current_app.config.get("TEXT_MAX_LENGTH", 20000)
    return None


def _check_lengths(session, flush_context, instances):
    """Text longer than its column, or holding NUL, is refused whichever path wrote it."""
    from flask import has_app_context
    if not has_app_context():
        return
    errors = {}
    for obj in list(session.new) + list(session.dirty):
        state = inspect(obj)
        for attr in state.mapper.column_attrs:
            if len(attr.columns) != 1:
                continue
            value = state.dict.get(attr.key)
            if not isinstance(value, str):
                continue
            if "\x00" in value:
                errors[attr.key] = _("NUL characters are not allowed.")
                continue
            limit = _limit_of(attr.columns[0])
            if limit is not None and len(value) > limit and attr.key != "password":
                errors[attr.key] = _("At most %(n)d characters.", n=limit)
    if errors:
        raise ValidationFailed(_("Some fields are too long or hold invalid characters."), errors)


# --- imports -------------------------------------------------------------------------------

def _import_failed(message):
    from core.imports import ImportFailed
    return ImportFailed(message, [])


def open_xlsx(path):
    """openpyxl's workbook, after checking the zip directory: a real xlsx, and not inflating to
    more than XLSX_MAX_INFLATED_BYTES (a zip bomb is refused before anything is unpacked)."""
    import openpyxl
    limit = current_app.config.get("XLSX_MAX_INFLATED_BYTES", 200 * 1024 * 1024)
    try:
        with zipfile.ZipFile(path) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _import_failed(_("The file is not an .xlsx workbook (%(error)s).",
                               error=exc)) from exc
    if inflated > limit:
        raise _import_failed(_("The workbook would unpack to %(mb)d MB, more than the %(limit)d "
                               "MB allowed.", mb=inflated // 2 ** 20, limit=limit // 2 ** 20))
    if "[Content_Types].xml" not in names:
        raise _import_failed(_("The file is not an .xlsx workbook (%(error)s).",
                               error="no [Content_Types].xml"))
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise _import_failed(_("The file is not an .xlsx workbook (%(error)s).",
                               error=exc)) from exc


def load_json_file(path):
    """A json import: UTF-8 (a BOM allowed), nesting bounded, else ImportFailed naming why."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _import_failed(_("The file is not UTF-8 text (byte %(pos)d).",
                               pos=exc.start)) from exc
    if json_depth(text) > current_app.config.get("JSON_MAX_DEPTH", 64):
        raise _import_failed(_("The JSON document is nested too deeply."))
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise _import_failed(_("The file cannot be read: %(error)s", error=exc)) from exc


def check_row_count(rows) -> None:
    limit = current_app.config.get("IMPORT_MAX_ROWS", 20000)
    if rows is not None and len(rows) > limit:
        raise _import_failed(_("The file holds %(n)d rows; at most %(limit)d are imported at "
                               "once.", n=len(rows), limit=limit))
