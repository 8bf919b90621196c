"""Summaries cached per portfolio version.

Some pages summarise the whole portfolio (compliance per rule, the department scorecard, the
escalation list, schedule variance): seconds of work at 20,000 projects. Their result changes
only when a domain row changes or the day turns, so each is computed once per (portfolio
version, day, scope) and kept in the worker's memory; every page then slices it.

The portfolio version is one counter row, bumped in the transaction of any flush that inserts,
updates or deletes an audited row (the same rows the audit trail records), and by bulk writers
that bypass the ORM (`bump()`: the demo seed, imports). A worker reads it with one primary-key
SELECT per summary. Rolled-back changes leave the counter where it was.

A summary must be plain data (ids, numbers, strings), never ORM objects: they belong to one
request's session. Pages load the rows of their page by id.
"""
import threading
from collections import OrderedDict

from flask import current_app
from flask_appbuilder import Model
from sqlalchemy import Integer, event, select, update
from sqlalchemy.orm import Mapped, mapped_column

from core.audit import Audited

MAX_ENTRIES = 64


class PortfolioVersion(Model):
    """One row: the version of everything a summary may read."""

    __tablename__ = "portfolio_version"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


def bump(session) -> None:
    """A change that bypassed the ORM (bulk insert): summaries computed before are stale."""
    table = PortfolioVersion.__table__
    if session.execute(update(table).where(table.c.id == 1)
                       .values(version=table.c.version + 1)).rowcount == 0:
        session.execute(table.insert().values(id=1, version=1))


def current(session) -> int:
    return session.scalar(select(PortfolioVersion.version).where(PortfolioVersion.id == 1)) or 0


def _after_flush(session, flush_context):
    if session.info.get("portfolio_bumped"):
        return
    if any(isinstance(obj, Audited) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info["portfolio_bumped"] = True
        bump(session)


def _reset(session, *_args):
    session.info.pop("portfolio_bumped", None)


def install(session_factory) -> None:
    """Register the version hooks once on the session class used by `db`."""
    if event.contains(session_factory, "after_flush", _after_flush):
        return
    event.listen(session_factory, "after_flush", _after_flush)
    for name in ("after_commit", "after_rollback"):
        event.listen(session_factory, name, _reset)


class SummaryCache:
    """The worker's summaries: {(name, key...): (version, value)}, least recently used out."""

    def __init__(self, size=MAX_ENTRIES):
        self.size, self.entries, self.lock = size, OrderedDict(), threading.Lock()
        self.computed = 0  # how many times a summary was (re)computed: tests and benches read it

    def get(self, key, version, compute):
        with self.lock:
            hit = self.entries.get(key)
            if hit is not None and hit[0] == version:
                self.entries.move_to_end(key)
                return hit[1]
        value = compute()  # outside the lock: two threads may both compute, neither waits
        with self.lock:
            self.computed += 1
            self.entries[key] = (version, value)
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return value

    def clear(self):
        with self.lock:
            self.entries.clear()


def cache() -> SummaryCache:
    return current_app.extensions.setdefault("planguard_summaries", SummaryCache())


def user_scope(user) -> tuple | None:
    """The part of a summary's key that the user's view of the portfolio adds: a
    department-scoped user sees its department's projects (and approved ones), everybody else
    the whole portfolio."""
    from core.security import is_department_scoped
    if user is not None and is_department_scoped(user):
        return ("department", user.department_id)
    return None


def language() -> str:
    """The UI's language, for summaries holding labels (department names, for example)."""
    from flask import has_request_context
    from flask_babel import get_locale
    return str(get_locale() or "zh") if has_request_context() else "zh"


def cached(name: str, key: tuple, compute):
    """`compute()` for (name, key) at the current portfolio version, once per worker.
    `key` must hold everything the result depends on besides the data: the day, the user's
    scope, the filters."""
    from core.extensions import db
    if not current_app.config.get("SUMMARY_CACHE", True):
        return compute()
    return cache().get((name, *key), current(db.session), compute)

