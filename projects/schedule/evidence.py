"""Evidence files for milestones and audit findings: pdf, office documents and images only,
recognised by their content (magic bytes), never by the name the user gave; size-limited
(EVIDENCE_MAX_BYTES); stored under UPLOAD_DIR/evidence (outside the web root) with generated
names; a name that carries a path is refused."""
import hashlib
import io
import re
import secrets
import zipfile
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from core.audit import current_actor
from core.errors import ValidationFailed
from core.extensions import db
from projects.schedule.models import AuditFinding, EvidenceFile, Milestone

# kind -> the file name endings that may carry it
KINDS = {
    "pdf": (".pdf",),
    "png": (".png",),
    "jpeg": (".jpg", ".jpeg"),
    "gif": (".gif",),
    "docx": (".docx",),
    "xlsx": (".xlsx",),
    "pptx": (".pptx",),
    "ole": (".doc", ".xls", ".ppt", ".wps", ".et"),  # legacy Office and WPS binary formats
    "odf": (".odt", ".ods", ".odp"),
}
MIMETYPES = {
    "pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg", "gif": "image/gif",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "ole": "application/octet-stream", "odf": "application/octet-stream",
}
_OOXML = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\:]")


def detect_kind(data: bytes) -> str | None:
    """The kind of document the bytes are, by their content, or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    return None


def _zip_kind(data: bytes) -> str | None:
    """An Office Open XML or OpenDocument package, by the parts it holds."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = package.namelist()
            if "mimetype" in names and package.read("mimetype").startswith(
                    b"application/vnd.oasis.opendocument."):
                return "odf"
            if "[Content_Types].xml" in names:
                for prefix, kind in _OOXML.items():
                    if any(n.startswith(prefix) for n in names):
                        return kind
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        return None
    return None


def clean_name(name: str | None) -> str:
    """The user's file name, refused when it carries a path or control characters."""
    name = (name or "").strip()
    if not name or _UNSAFE_NAME.search(name) or name in (".", "..") or name.startswith("."):
        raise ValidationFailed(_("The file name must be a plain name without a path, e.g. "
                                 "acceptance-report.pdf."), {"file": _("Invalid file name.")})
    return name[-200:]


def read_limited(stream) -> bytes:
    """The upload's bytes, or a refusal as soon as it exceeds EVIDENCE_MAX_BYTES."""
    limit = int(current_app.config["EVIDENCE_MAX_BYTES"])
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ValidationFailed(_("The file is larger than %(mb)s MB.", mb=round(limit / 2**20, 1)),
                               {"file": _("Too large.")})
    if not data:
        raise ValidationFailed(_("The file is empty."), {"file": _("Empty file.")})
    return data


def check_file(name: str | None, data: bytes) -> tuple[str, str]:
    """(clean name, kind) of an acceptable evidence file, else ValidationFailed."""
    name = clean_name(name)
    kind = detect_kind(data)
    if kind is None:
        raise ValidationFailed(_("Only PDF, office documents and images (PNG, JPEG, GIF) are "
                                 "accepted; this file's content is none of them."),
                               {"file": _("Type not accepted.")})
    suffix = Path(name).suffix.lower()
    if suffix not in KINDS[kind]:
        raise ValidationFailed(_("The file's content does not match its name %(name)s.",
                                 name=name), {"file": _("Type not accepted.")})
    return name, kind


def evidence_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"]) / "evidence"
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_of(evidence: EvidenceFile) -> Path:
    return evidence_dir() / evidence.stored_name


def store(owner: Milestone | AuditFinding, name: str | None, stream, user=None) -> EvidenceFile:
    """Keep an evidence file for a milestone or a finding. The caller checks who may."""
    data = read_limited(stream)
    name, kind = check_file(name, data)
    stored = f"{secrets.token_hex(16)}{KINDS[kind][0]}"
    target = evidence_dir() / stored
    target.write_bytes(data)
    evidence = EvidenceFile(project_id=owner.project.id, name=name, stored_name=stored,
                            kind=kind, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                            uploaded_by=user.username if user else current_actor())
    if isinstance(owner, Milestone):
        evidence.milestone = owner
    else:
        evidence.finding = owner
    db.session.add(evidence)
    try:
        db.session.flush()
    except Exception:
        target.unlink(missing_ok=True)
        raise
    return evidence


def counts_by_milestone(project_id: int) -> dict:
    """Milestone id -> how many evidence files it carries, for one project in one statement
    (the project page's milestone table)."""
    from sqlalchemy import func, select
    return dict(db.session.execute(
        select(EvidenceFile.milestone_id, func.count())
        .where(EvidenceFile.project_id == project_id, EvidenceFile.milestone_id.is_not(None))
        .group_by(EvidenceFile.milestone_id)).all())
