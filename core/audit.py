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
from sqlalchemy import BigInteger, DateTime, Integer, String, Text, event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from core import clock

_actor = contextvars.ContextVar("planguard_actor", default=None)
SYSTEM = "system"


class Audited:
    """Marker: changes to rows of this model are recorded. `audit_label` names the entity.
    `audit_exclude`: columns not recorded; `audit_redact`: recorded as changed, values hidden."""

    audit_exclude: tuple = ()
    audit_redact: tuple = ()


_extra_audited: list[type] = []  # classes we do not own (FAB's Role), see `audit_also`
REDACTED = "[redacted]"


def audit_also(cls) -> None:
    """Audit a model class that cannot inherit `Audited` (e.g. FAB's Role)."""
    if cls not in _extra_audited:
        _extra_audited.append(cls)


def _audited(obj) -> bool:
    return isinstance(obj, Audited) or isinstance(obj, tuple(_extra_audited))


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
    # the hash chain (core.auditchain): position, previous event's hash, this event's hash
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))
    # the version a versioned record reached with this change (core.versioning)
    entity_version: Mapped[int | None] = mapped_column(Integer)

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
    exclude, redact = getattr(obj, "audit_exclude", ()), getattr(obj, "audit_redact", ())
    for attr in state.mapper.column_attrs:
        if attr.key in exclude:
            continue
        value = getattr(obj, attr.key)
        if value is not None:
            data[attr.key] = REDACTED if attr.key in redact else _text(value)
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def _many_to_one_old(session, obj, prop):
    """The object a many-to-one pointed at before this flush: its foreign-key columns still hold
    the old value until the flush syncs them (or their own history has it)."""
    state = inspect(obj)
    values = []
    for column in prop.local_columns:
        attr = state.attrs[state.mapper.get_property_by_column(column).key]
        hist = attr.history
        values.append(hist.deleted[0] if hist.deleted else attr.value)
    if any(v is None for v in values):
        return None
    with session.no_autoflush:
        return session.get(prop.mapper.class_, values[0] if len(values) == 1 else tuple(values))


def _changes(session, obj):
    """(field, old, new) for each changed column or relationship of a dirty object. A many-to-one
    is recorded under the relationship's name with the objects' keys; its foreign-key column then
    is not recorded twice."""
    state = inspect(obj)
    exclude, redact = getattr(obj, "audit_exclude", ()), getattr(obj, "audit_redact", ())
    mapper = state.mapper
    many_to_one = [p for p in mapper.relationships if p.direction.name == "MANYTOONE"
                   and p.key not in exclude and state.attrs[p.key].history.has_changes()]
    covered = {mapper.get_property_by_column(c).key for p in many_to_one for c in p.local_columns}
    for attr in state.attrs:
        if attr.key in exclude or attr.key in covered:
            continue
        prop = mapper.attrs[attr.key]
        if prop in many_to_one:
            hist = attr.history
            old = _many_to_one_old(session, obj, prop)
            new = hist.added[0] if hist.added else None
        else:
            hist = attr.load_history()
            if not hist.has_changes():
                continue
            if hasattr(prop, "direction"):
                if prop.direction.name == "MANYTOONE":
                    continue
                old = list(hist.unchanged) + list(hist.deleted)
                new = list(hist.unchanged) + list(hist.added)
            else:
                old = hist.deleted[0] if hist.deleted else None
                new = hist.added[0] if hist.added else None
        old_text, new_text = _text(old), _text(new)
        if (old_text or None) != (new_text or None):  # an empty box saved empty is no change
            if attr.key in redact:
                old_text, new_text = REDACTED, REDACTED
            yield attr.key, old_text, new_text


def _is_versioned(obj) -> bool:
    from core.versioning import Versioned
    return isinstance(obj, Versioned)


def _version_step(obj):
    """The version a versioned row reaches in this flush when the flush will UPDATE it (a
    column or a many-to-one changed): SQLAlchemy bumps it inside the flush, after this hook."""
    if not _is_versioned(obj) or obj.version is None:
        return None
    state = inspect(obj)
    mapper = state.mapper
    touched = any(state.attrs[a.key].history.has_changes() for a in mapper.column_attrs
                  if a.key != "version") or any(
        state.attrs[r.key].history.has_changes() for r in mapper.relationships
        if r.direction.name == "MANYTOONE")
    return obj.version + 1 if touched else None


def _collect(session: Session) -> None:
    """before_flush: remember updates and deletes while their old values are known."""
    pending = session.info.setdefault("audit_pending", [])
    for obj in session.dirty:
        if isinstance(obj, AuditEvent):
            raise PermissionError("the audit trail is append-only")
        if _audited(obj) and session.is_modified(obj):
            version = _version_step(obj)
            for field, old, new in _changes(session, obj):
                pending.append(("update", obj, field, old, new, version))
    for obj in session.deleted:
        if isinstance(obj, AuditEvent):
            raise PermissionError("the audit trail is append-only")
        if _audited(obj):
            pending.append(("delete", obj, None, _snapshot(obj), None, None))
    for obj in session.new:
        if _audited(obj):
            pending.append(("insert", obj, None, None, None, None))


def _write(session: Session, flush_context) -> None:
    """after_flush: ids of new rows are known now; write the events on the same connection."""
    pending = session.info.pop("audit_pending", [])
    if not pending:
        return
    at, actor, note = utcnow(), current_actor(), session.info.get("audit_note")
    rows = []
    for action, obj, field, old, new, version in pending:
        if action == "insert":
            new = _snapshot(obj)
            version = getattr(obj, "version", None) if _is_versioned(obj) else None
        key = inspect(obj).mapper.primary_key_from_instance(obj)
        rows.append(dict(at=at, actor=actor, action=action, entity=obj.__tablename__,
                         entity_id=key[0] if len(key) == 1 else None,
                         field=field, old_value=old, new_value=new, note=note,
                         entity_version=version))
    from core.auditchain import append
    append(session.connection(), rows)


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
