"""Helpers for the hardening tests: a fingerprint of the whole database ("nothing changed")."""
import hashlib

from flask_appbuilder import Model
from sqlalchemy import select

from core.extensions import db

# columns that change by merely logging in or out, not data
VOLATILE = {"ab_user": {"last_login", "login_count", "fail_login_count", "changed_on",
                        "session_epoch"}}


def fingerprint(app) -> dict:
    """table -> sha1 over its rows (ordered by primary key)."""
    result = {}
    with app.app_context():
        for table in Model.metadata.sorted_tables:
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
