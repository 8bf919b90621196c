"""The audit trail: every insert, update and delete of a domain row becomes an AuditEvent.

One SQLAlchemy session hook catches changes from the web, the API, the CLI and imports alike.
Models opt in by inheriting `Audited`. Events are written in the same transaction as the change,
so a rolled-back change leaves no event. The acting user is the web user, or what a CLI command
set with `acting_as()`, else `system`.
"""
import contextlib
import contextvars
import datetime as dt
import json
from decimal import Decimal

from flask import g, has_request_context
from flask_appbuilder import Model
from sqlalchemy import DateTime, Integer, String, Text, event, insert, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from core import clock

_actor = contextvars.ContextVar("planguard_actor", default=None)
SYSTEM = "system"


class Audited:
    """Marker: changes to rows of this model are recorded. `audit_label` names the entity."""

    audit_exclude: tuple = ()


class AuditEvent(Model):
    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True, nullable=False)
    actor: Mapped[str] = mapped_column(String(128), index=True, nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)  # insert, update, delete
    entity: Mapped[str] = mapped_column(String(64), index=True, nullable=False)
    entity_id: Mapped[int | None] = mapped_column(Integer, index=True)
    field: Mapped[str | None] = mapped_column(String(64))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)

    def __repr__(self):
        return f"{self.entity}#{self.entity_id} {self.action} {self.field or ''}"


def utcnow() -> dt.datetime:
    """Naive UTC from the one clock (`core.clock.now`)."""
    return clock.now()


def current_actor() -> str:
    explicit = _actor.get()
    if explicit:
        return explicit
    if has_request_context():
        user = getattr(g, "user", None)
        if user is not None and getattr(user, "is_authenticated", False):
            return user.username
    return SYSTEM


@contextlib.contextmanager
def acting_as(username: str):
    """Attribute changes made inside the block to `username` (CLI, imports, seeding)."""
    token = _actor.set(username)
    try:
        yield
    finally:
        _actor.reset(token)


def set_audit_note(session: Session, note: str | None) -> None:
    """Attach a note (e.g. a transition comment) to the events of the next flush."""
    session.info["audit_note"] = note


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple, set)):
        return json.dumps(sorted(_text(v) for v in value), ensure_ascii=False)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if hasattr(value, "audit_key"):
        return value.audit_key()
    return str(value)


def _snapshot(obj) -> str:
    state = inspect(obj)
    data = {}
    for attr in state.mapper.column_attrs:
        if attr.key in obj.audit_exclude:
            continue
        value = getattr(obj, attr.key)
        if value is not None:
            data[attr.key] = _text(value)
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def _changes(obj):
    """(field, old, new) for each changed column or relationship of a dirty object."""
    state = inspect(obj)
    for attr in state.attrs:
        if attr.key in obj.audit_exclude:
            continue
        prop = state.mapper.attrs[attr.key]
        hist = attr.load_history()
        if not hist.has_changes():
            continue
        if hasattr(prop, "direction"):  # relationship
            if prop.direction.name == "MANYTOONE":
                continue  # recorded through its foreign-key column
            old = list(hist.unchanged) + list(hist.deleted)
            new = list(hist.unchanged) + list(hist.added)
        else:
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
        old_text, new_text = _text(old), _text(new)
        if old_text != new_text:
            yield attr.key, old_text, new_text


def _collect(session: Session) -> None:
    """before_flush: remember updates and deletes while their old values are known."""
    pending = session.info.setdefault("audit_pending", [])
    for obj in session.dirty:
        if isinstance(obj, AuditEvent):
            raise PermissionError("the audit trail is append-only")
        if isinstance(obj, Audited) and session.is_modified(obj):
            for field, old, new in _changes(obj):
                pending.append(("update", obj, field, old, new))
    for obj in session.deleted:
        if isinstance(obj, AuditEvent):
            raise PermissionError("the audit trail is append-only")
        if isinstance(obj, Audited):
            pending.append(("delete", obj, None, _snapshot(obj), None))
    for obj in session.new:
        if isinstance(obj, Audited):
            pending.append(("insert", obj, None, None, None))


def _write(session: Session, flush_context) -> None:
    """after_flush: ids of new rows are known now; write the events on the same connection."""
    pending = session.info.pop("audit_pending", [])
    if not pending:
        return
    at, actor, note = utcnow(), current_actor(), session.info.get("audit_note")
    rows = []
    for action, obj, field, old, new in pending:
        if action == "insert":
            new = _snapshot(obj)
        key = inspect(obj).mapper.primary_key_from_instance(obj)
        rows.append(dict(at=at, actor=actor, action=action, entity=obj.__tablename__,
                         entity_id=key[0] if len(key) == 1 else None,
                         field=field, old_value=old, new_value=new, note=note))
    session.connection().execute(insert(AuditEvent.__table__), rows)


def _clear_note(session: Session) -> None:
    session.info.pop("audit_note", None)
    session.info.pop("audit_pending", None)


def install(session_factory) -> None:
    """Register the hooks once on the session class used by `db`."""
    if event.contains(session_factory, "before_flush", _before_flush):
        return
    event.listen(session_factory, "before_flush", _before_flush)
    event.listen(session_factory, "after_flush", _write)
    event.listen(session_factory, "after_commit", _clear_note)
    event.listen(session_factory, "after_rollback", _clear_note)


def _before_flush(session, flush_context, instances):
    _collect(session)
