"""What the xlsx/json importers share (projects, funding lines): all rows or none, every error
named by row and column, and the staging of an uploaded file."""
import secrets
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from core.errors import DomainError
from core.extensions import db


class ImportFailed(Exception):
    def __init__(self, message, row_errors):
        super().__init__(message)
        self.message = str(message)
        self.row_errors = row_errors  # [{"row": n, "column": key, "message": text}]

    def __str__(self):
        return "\n".join([self.message] + [f"row {e['row']}, {e['column']}: {e['message']}"
                                           for e in self.row_errors])


def errors_of(row: int, exc: DomainError) -> list[dict]:
    if not exc.errors:
        return [{"row": row, "column": "", "message": exc.message}]
    return [{"row": row, "column": column, "message": " ".join(messages)}
            for column, messages in exc.errors.items()]


def all_or_none(rows, add, keep=True, before=None, empty=None, progress=None) -> list:
    """add(item) for every (row number, item) inside a savepoint, kept only if every row
    passes and `keep` is set (a dry run checks and keeps nothing); else ImportFailed listing
    every error. `before()` runs first inside the savepoint (e.g. missing departments);
    `progress(done, total)` is told every 100 rows (a background import's progress bar)."""
    if not rows:
        raise ImportFailed(empty or _("The file holds no rows."), [])
    from core.inputlimits import check_row_count
    check_row_count(rows)  # IMPORT_MAX_ROWS
    nested = db.session.begin_nested()
    created, errors = [], []
    try:
        if before is not None:
            before()
        for done, (n, item) in enumerate(rows, start=1):
            try:
                created.append(add(item))
            except DomainError as exc:
                errors.extend(errors_of(n, exc))
            if progress is not None and done % 100 == 0:
                progress(done, len(rows))
    except BaseException:
        nested.rollback()
        raise
    if errors or not keep:
        nested.rollback()
    else:
        nested.commit()
    if errors:
        raise ImportFailed(_("Nothing was imported: %(n)d errors.", n=len(errors)), errors)
    return created


def staging_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"]) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def stage(file, suffix: str) -> tuple[str, Path]:
    """Save an uploaded file under a random token; returns (token, path)."""
    token = secrets.token_hex(16)
    path = staging_dir() / f"{token}{suffix}"
    file.save(path)
    return token, path


def stage_copy(path) -> tuple[str, Path]:
    """A copy of a file under a random token (a background job's own, removed when it is
    done: the caller's file, a CLI user's or a staged upload, stays the caller's)."""
    import shutil
    token = secrets.token_hex(16)
    target = staging_dir() / f"{token}{Path(path).suffix.lower()}"
    shutil.copyfile(path, target)
    return token, target


def staged(token: str, suffix: str) -> Path | None:
    """The file staged under `token`, or None when the token is malformed or it expired."""
    if not token.isalnum():
        return None
    path = staging_dir() / f"{token}{suffix}"
    return path if path.exists() else None
