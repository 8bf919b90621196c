"""Cell formatters for list and detail pages: no raw `None`, `True`/`False`, unseparated
amounts or microseconds on a page (issue 12)."""
import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l

YES, NO = _l("Yes"), _l("No")


def blank(value):
    """Text, or nothing for an empty value."""
    return "" if value is None else value


def yes_no(value):
    return "" if value is None else (YES if value else NO)


def money(value):
    """An amount in yuan with thousands separators: 2,940,000.00."""
    if value is None or value == "":
        return ""
    return f"{Decimal(value):,.2f}"


def minute(value):
    """A stored time to the minute (no seconds, no microseconds)."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return blank(value)
