"""The audit trail's hash chain and its guard in the database (DESIGN §2).

Each event carries `seq` (1, 2, 3 ... with no gaps), `prev_hash` (the hash of the event before it)
and `hash` (SHA-256 over its own content and `prev_hash`). The chain head (last seq and hash) is one
row of `audit_chain_head`; every writer locks that row before appending, so concurrent writers
queue behind each other and cannot fork the chain (a row lock on PostgreSQL, the database's write
lock on SQLite). Triggers in the database refuse UPDATE and DELETE on `audit_event` (and TRUNCATE
on PostgreSQL), whatever client tries. `verify()` walks the chain and names the first broken link.

What a hash chain cannot stop: someone with DDL rights who rewrites every event from the forged
one to the end and the head too. `flask audit verify` prints the head hash; recording it outside
the database (a signed report, the auditors' files) makes that detectable as well.
"""
import contextlib
import datetime as dt
import hashlib
import json

from flask_appbuilder import Model
from sqlalchemy import BigInteger, Integer, String, select, text
from sqlalchemy.orm import Mapped, mapped_column

GENESIS = "0" * 64
DEFERRED = "planguard_audit_deferred"  # Connection.info key of in_date_order's buffer
CONTENT = ("seq", "at", "actor", "action", "entity", "entity_id", "field", "old_value",
           "new_value", "note")


class AuditChainHead(Model):
    """One row (id 1): the last event's seq and hash."""

    __tablename__ = "audit_chain_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    hash: Mapped[str] = mapped_column(String(64), nullable=False, default=GENESIS)


def _canonical(value):
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="microseconds")
    return value


def event_hash(prev_hash: str, row: dict) -> str:
    """SHA-256 of the event's content fields and the previous event's hash, as canonical JSON."""
    content = [prev_hash] + [_canonical(row.get(key)) for key in CONTENT]
    if row.get("entity_version") is not None:  # added later: older events hash without it
        content.append(row["entity_version"])
    data = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def append(connection, rows: list[dict]) -> None:
    """Insert audit events (dicts of AuditEvent columns) at the end of the chain, in order.

    The head row is locked first (an UPDATE takes PostgreSQL's row lock and SQLite's write lock),
    then read, so a second writer waits and then sees this writer's head."""
    from core.audit import AuditEvent

    if not rows:
        return
    deferred = connection.info.get(DEFERRED)
    if deferred is not None:  # inside in_date_order: the events wait for its end
        deferred.extend(rows)
        return
    connection.execute(text("UPDATE audit_chain_head SET seq = seq WHERE id = 1"))
    head = connection.execute(text("SELECT seq, hash FROM audit_chain_head WHERE id = 1")).first()
    if head is None:
        raise RuntimeError("audit_chain_head is missing its row: run `flask setup`")
    seq, prev = head
    chained = []
    for row in rows:
        seq += 1
        row = {**{key: None for key in CONTENT}, "entity_version": None, **row, "seq": seq,
               "prev_hash": prev}
        row["hash"] = prev = event_hash(prev, row)
        chained.append(row)
    connection.execute(AuditEvent.__table__.insert(), chained)
    connection.execute(text("UPDATE audit_chain_head SET seq = :seq, hash = :hash WHERE id = 1"),
                       {"seq": seq, "hash": prev})


@contextlib.contextmanager
def in_date_order(connection, chunk: int = 2000):
    """Within the block, the events written on this connection (bulk and ORM alike) wait; when
    it ends without error they enter the chain sorted by `at` (stable), so that a seeded story
    whose rows are written table by table reads in date order along the chain. Nested blocks
    join the outer one; after an error the events go with the rolled-back transaction."""
    if connection.info.get(DEFERRED) is not None:
        yield
        return
    buffer = connection.info[DEFERRED] = []
    try:
        yield
    finally:
        connection.info.pop(DEFERRED, None)
    buffer.sort(key=lambda row: row["at"])
    for i in range(0, len(buffer), chunk):
        append(connection, buffer[i:i + chunk])


def append_events(rows: list[dict], session=None, chunk: int = 2000) -> None:
    """Bulk events (demo data, seeding) at the end of the chain, on the session's connection."""
    from core.extensions import db
    connection = (session or db.session).connection()
    for i in range(0, len(rows), chunk):
        append(connection, rows[i:i + chunk])


def verify(connection, chunk: int = 5000) -> dict:
    """Walk the chain in seq order. Returns {"ok", "events", "head", "broken": None or
    {"id", "seq", "reason"}} naming the first broken event."""
    from core.audit import AuditEvent

    table = AuditEvent.__table__
    result = {"ok": True, "events": 0, "head": GENESIS, "broken": None}

    def broken(row, reason):
        result.update(ok=False, broken={"id": row.id if row is not None else None,
                                        "seq": row.seq if row is not None else None,
                                        "reason": reason})
        return result

    unchained = connection.execute(select(table).where(table.c.seq.is_(None))
                                   .order_by(table.c.id).limit(1)).first()
    if unchained is not None:
        return broken(unchained, "event has no place in the chain (inserted behind the app)")
    expected_seq, prev, last_seq = 1, GENESIS, 0
    while True:
        rows = connection.execute(select(table).where(table.c.seq > last_seq)
                                  .order_by(table.c.seq).limit(chunk)).all()
        if not rows:
            break
        for row in rows:
            if row.seq != expected_seq:
                return broken(row, f"seq {row.seq} where {expected_seq} was expected "
                                   "(an event before it was deleted)")
            if row.prev_hash != prev:
                return broken(row, "prev_hash does not match the previous event's hash")
            if event_hash(prev, row._mapping) != row.hash:
                return broken(row, "content does not match its hash (the event was edited)")
            prev, expected_seq, last_seq = row.hash, expected_seq + 1, row.seq
            result["events"] += 1
    head = connection.execute(text("SELECT seq, hash FROM audit_chain_head WHERE id = 1")).first()
    result["head"] = prev
    if head is None or (head[0], head[1]) != (last_seq, prev):
        return broken(None, f"chain head {tuple(head) if head else None} does not match the last "
                            f"event (seq {last_seq}): events at the end were deleted")
    return result


# --- the guard in the database (used by the migration; tests drop it as a DBA would) ---

SQLITE_TRIGGERS = {
    "audit_event_no_update": "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
                             "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
    "audit_event_no_delete": "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
                             "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
    "audit_chain_head_forward": (
        "CREATE TRIGGER audit_chain_head_forward BEFORE UPDATE ON audit_chain_head "
        "WHEN NEW.seq < OLD.seq BEGIN SELECT RAISE(ABORT, 'the audit chain only grows'); END"),
    "audit_chain_head_no_delete": (
        "CREATE TRIGGER audit_chain_head_no_delete BEFORE DELETE ON audit_chain_head "
        "BEGIN SELECT RAISE(ABORT, 'the audit chain only grows'); END"),
}
POSTGRESQL_FUNCTIONS = [
    """CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE FUNCTION audit_chain_head_forward() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' OR TG_OP = 'TRUNCATE' OR NEW.seq < OLD.seq THEN
    RAISE EXCEPTION 'the audit chain only grows';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql""",
]
POSTGRESQL_TRIGGERS = {
    "audit_event_no_update_delete": (
        "CREATE TRIGGER audit_event_no_update_delete BEFORE UPDATE OR DELETE ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()", "audit_event"),
    "audit_event_no_truncate": (
        "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()", "audit_event"),
    "audit_chain_head_forward": (
        "CREATE TRIGGER audit_chain_head_forward BEFORE UPDATE OR DELETE ON audit_chain_head "
        "FOR EACH ROW EXECUTE FUNCTION audit_chain_head_forward()", "audit_chain_head"),
    "audit_chain_head_no_truncate": (
        "CREATE TRIGGER audit_chain_head_no_truncate BEFORE TRUNCATE ON audit_chain_head "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_head_forward()", "audit_chain_head"),
}


def create_guard(connection) -> None:
    """Create the triggers that make the trail append-only (idempotent)."""
    if connection.dialect.name == "postgresql":
        for statement in POSTGRESQL_FUNCTIONS:
            connection.execute(text(statement))
        for name, (statement, table) in POSTGRESQL_TRIGGERS.items():
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name} ON {table}"))
            connection.execute(text(statement))
    else:
        for name, statement in SQLITE_TRIGGERS.items():
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
            connection.execute(text(statement))


def drop_guard(connection) -> None:
    """What a DBA does before editing the trail by hand (tests, downgrade)."""
    if connection.dialect.name == "postgresql":
        for name, (_statement, table) in POSTGRESQL_TRIGGERS.items():
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name} ON {table}"))
    else:
        for name in SQLITE_TRIGGERS:
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name}"))

