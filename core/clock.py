"""The one clock of PlanGuard: `today()` and `now()` (naive UTC).

Every rule that asks "what day is it" (overdue milestones, review dates, reports) reads this
module, never `date.today()` or `datetime.now()`, so that tests and a demo can set the day:

- `PLANGUARD_AS_OF` in the app config (or the environment): the demo's "as of" date, e.g.
  "2014-06-30";
- `frozen(day)`: a context manager for tests and scripts (wins over the config).

A set day shifts the clock by whole days: `now()` keeps running from that day's time of day,
so timestamps stay ordered and agree with `today()`.
"""
import contextlib
import contextvars
import datetime as dt

from flask import current_app, has_app_context

_frozen = contextvars.ContextVar("planguard_today", default=None)


def _real_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _as_date(value) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def as_of() -> dt.date | None:
    """The set day, or None when the clock runs on the real calendar."""
    day = _frozen.get()
    if day is None and has_app_context():
        day = _as_date(current_app.config.get("PLANGUARD_AS_OF"))
    return day


def now() -> dt.datetime:
    """Naive UTC: every timestamp PlanGuard stores is UTC."""
    real = _real_now()
    day = as_of()
    return real if day is None else dt.datetime.combine(day, real.time())


def today() -> dt.date:
    day = as_of()
    return day if day is not None else dt.date.today()


@contextlib.contextmanager
def frozen(day):
    """Within the block, today() is `day` (a date or an ISO date string)."""
    token = _frozen.set(_as_date(day))
    try:
        yield today()
    finally:
        _frozen.reset(token)
