"""Attachments of records other than milestones (assessment evidence, leadership minutes): the same checks
as milestone evidence (content-recognised types, size limit, plain names), stored under
UPLOAD_DIR/evaluation with generated names, outside the web root."""
import secrets
from pathlib import Path

from flask import current_app

from projects.schedule.evidence import KINDS, MIMETYPES, check_file, read_limited


def folder() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"]) / "evaluation"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_attachment(name: str | None, stream) -> tuple[str, str]:
    """(clean name, stored name) of an accepted file, written to the folder."""
    data = read_limited(stream)
    name, kind = check_file(name, data)
    stored = f"{secrets.token_hex(16)}{KINDS[kind][0]}"
    (folder() / stored).write_bytes(data)
    return name, stored


def path_of(stored: str) -> Path:
    return folder() / Path(stored).name


def mimetype_of(stored: str) -> str:
    suffix = Path(stored).suffix.lower()
    return next((MIMETYPES[k] for k, ends in KINDS.items() if suffix in ends),
                "application/octet-stream")
