"""Serialising writes that read before they write (money: cumulative checks on a line).

PostgreSQL locks the row (`SELECT ... FOR UPDATE`, at the caller). SQLite has no row locks and
Python's driver starts a transaction only at the first INSERT/UPDATE/DELETE, so two writers can
both read the old totals; `write_lock()` starts the transaction with BEGIN IMMEDIATE (the
database's write lock) before the read, so the second writer waits and then reads the first's
result. Inside a transaction that has already written, this connection holds that lock anyway.
"""
from core.extensions import db


def write_lock(session=None) -> None:
    session = session or db.session
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.dbapi_connection
    if not raw.in_transaction:
        raw.execute("BEGIN IMMEDIATE")
