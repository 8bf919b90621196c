"""Bulk inserts for seeding (the demo, benchmarks): rows written without the ORM, their ids
kept in step on PostgreSQL, and the audit trail told about them."""
import json

from sqlalchemy import insert, text

from core.audit import AuditEvent, current_actor, utcnow
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


def audit_inserts(entity, rows, note="demo seed"):
    """One insert event per row, as the ORM hook would have written (bulk inserts pass none)."""
    at, actor = utcnow(), current_actor()
    events = [dict(at=at, actor=actor, action="insert", entity=entity, entity_id=r["id"],
                   new_value=json.dumps({k: str(v) for k, v in r.items() if v is not None},
                                        ensure_ascii=False, sort_keys=True), note=note)
              for r in rows]
    bulk_insert(AuditEvent, events)
