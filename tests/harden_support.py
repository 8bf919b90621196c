"""Helpers for the hardening tests: a fingerprint of the whole database ("nothing changed")."""
import hashlib

from flask_appbuilder import Model
from sqlalchemy import select

from core.extensions import db

# columns that change by merely logging in or out, not data
VOLATILE = {"ab_user": {"last_login", "login_count", "fail_login_count", "changed_on",
                        "session_epoch"}}
# operational tables, not data: background jobs, stored scans and caches of derived figures
OPERATIONAL = {"job", "duplicate_scan", "portfolio_version", "guard_version"}


def fingerprint(app) -> dict:
    """table -> sha1 over its rows (ordered by primary key)."""
    result = {}
    with app.app_context():
        for table in Model.metadata.sorted_tables:
            if table.name in OPERATIONAL:
                continue
            skip = VOLATILE.get(table.name, set())
            columns = [c for c in table.columns if c.name not in skip]
            order = list(table.primary_key.columns) or columns
            digest = hashlib.sha1()
            for row in db.session.execute(select(*columns).order_by(*order)):
                digest.update(repr(tuple(row)).encode())
            result[table.name] = digest.hexdigest()
        db.session.rollback()
    return result


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(name for name in after if before.get(name) != after[name])


def quick_fingerprint(app) -> dict:
    """Cheaper, for the route matrix: every table's row count in one query, and the audit
    chain's head (every change of an audited row, users and roles included, moves it)."""
    from sqlalchemy import func, text
    with app.app_context():
        tables = [t for t in Model.metadata.sorted_tables if t.name not in OPERATIONAL]
        counts = db.session.execute(select(*[
            select(func.count()).select_from(t).scalar_subquery().label(t.name)
            for t in tables])).one()
        head = db.session.execute(text("SELECT seq, hash FROM audit_chain_head")).first()
        db.session.rollback()
    result = dict(zip([t.name for t in tables], counts))
    result["audit_chain_head"] = tuple(head) if head else None
    return result
