"""Editable records carry a version; a stale write is refused with 409 (DESIGN §2).

`Versioned` gives a model a `version` column that SQLAlchemy's `version_id_col` increments on
every UPDATE (and checks in its WHERE, so two flushes racing on one row cannot both win). A client
says which version it edited: the API's `version` field (or `If-Match`), the web form's hidden
`expected_version`. `ensure_current()` refuses an older one with a `StaleVersion` carrying the
fields changed since, read from the audit trail (each update event carries the version it made).
"""
from flask_babel import gettext as _
from sqlalchemy import Integer, event, select
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from core.errors import Conflict, ValidationFailed


class Versioned:
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.version}


class StaleVersion(Conflict):
    """409: somebody saved the record after the client read it."""

    def __init__(self, message, current_version, changed):
        super().__init__(message, {"version": _("The record is at version %(v)d now.",
                                                v=current_version)})
        self.current_version = current_version
        self.changed = changed


@event.listens_for(Versioned, "load", propagate=True)
def _remember_loaded_version(target, context):
    target.__dict__["_loaded_version"] = target.__dict__.get("version")


@event.listens_for(Versioned, "refresh", propagate=True)
def _remember_refreshed_version(target, context, attrs):
    if "version" in target.__dict__:
        target.__dict__["_loaded_version"] = target.__dict__["version"]


def committed_version(item) -> int | None:
    """The version the record had when this request loaded it (a web form's autoflush may
    already have bumped `version` inside the transaction)."""
    return item.__dict__.get("_loaded_version") or item.version


def changed_since(entity: str, key: int, version: int) -> list[str]:
    """Fields of a record changed after `version`, from the audit trail (each update event
    carries the version its change made)."""
    from core.audit import AuditEvent
    from core.extensions import db
    fields = db.session.scalars(select(AuditEvent.field).where(
        AuditEvent.entity == entity, AuditEvent.entity_id == key, AuditEvent.action == "update",
        AuditEvent.entity_version > version).order_by(AuditEvent.seq))
    return list(dict.fromkeys(f for f in fields if f))


def parse_version(value) -> int | None:
    """A version from a body field, a form field or an If-Match header ("3", 3, '"3"', W/"3")."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    if text.startswith("W/"):
        text = text[2:]
    text = text.strip('"')
    if not text.isdigit() or len(text) > 18:
        raise ValidationFailed(_("The version must be a whole number."),
                       {"version": _("The version must be a whole number.")})
    return int(text)


def ensure_current(item, expected) -> None:
    """Refuse the write when the client edited an older version than the stored one."""
    expected = parse_version(expected)
    if expected is None or not isinstance(item, Versioned):
        return
    current = committed_version(item)
    if current is None or expected == current:
        return
    from core.extensions import db
    entity, key = item.__tablename__, item.id
    db.session.rollback()  # this request's own autoflushed changes are not "changed since"
    changed = changed_since(entity, key, expected)
    labels = ", ".join(changed) if changed else _("unknown fields")
    raise StaleVersion(
        _("Somebody saved this record after you opened it (your version %(mine)d, now "
          "%(now)d); changed since: %(fields)s. Reload it, check the changes and edit again.",
          mine=expected, now=current, fields=labels), current, changed)
