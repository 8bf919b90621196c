"""Bulk inserts for seeding (the demo, benchmarks): rows written without the ORM, their ids
kept in step on PostgreSQL, and the audit trail told about them."""
import datetime as dt
import json

from sqlalchemy import insert, text

from core.audit import current_actor, utcnow
from core.auditchain import append_events, in_date_order
from core.extensions import db


def bulk_insert(target, rows, chunk=2000):
    """Insert dict rows into a model's table (or a Table) in chunks (insertmanyvalues)."""
    table = getattr(target, "__table__", target)
    for i in range(0, len(rows), chunk):
        db.session.execute(insert(table), rows[i:i + chunk])


def sync_sequences(*tables):
    """Rows inserted with explicit ids leave PostgreSQL's id sequences behind: move them on,
    or the next project created through the ORM would collide."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))


def audit_inserts(entity, rows, note="demo seed", at=None, snapshot=None):
    """One insert event per row, as the ORM hook would have written (bulk inserts pass none).
    `at(row)`: when the story says the row was written (a date or datetime; default now);
    `snapshot(row)`: the values the event records (default the row)."""
    now, actor = utcnow(), current_actor()
    events = [dict(at=stamp(at(r)) if at else now, actor=actor, action="insert",
                   entity=entity, entity_id=r["id"],
                   new_value=json.dumps({k: str(v) for k, v in (snapshot(r) if snapshot else r)
                                         .items() if v is not None},
                                        ensure_ascii=False, sort_keys=True), note=note)
              for r in rows]
    append_events(events)  # at the end of the hash chain, like every event


def audit_updates(events, note="demo seed"):
    """Field changes of bulk-written rows at their story dates: dicts with entity,
    entity_id, field, old, new and at (a date or datetime)."""
    actor = current_actor()
    append_events([dict(at=stamp(e["at"]), actor=e.get("actor", actor), action="update",
                        entity=e["entity"], entity_id=e["entity_id"], field=e["field"],
                        old_value=e["old"], new_value=e["new"], note=e.get("note", note))
                   for e in events])


def stamp(value) -> dt.datetime:
    """A story date as an event time: a bare date at 09:00."""
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.combine(value, dt.time(9, 0))


def audit_in_story_order():
    """Seeding: the block's audit events enter the chain sorted by their story dates
    (core.auditchain.in_date_order on the session's connection)."""
    return in_date_order(db.session.connection())
