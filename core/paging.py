"""One paging for the pages that list work (review queue, suspected pairs, overdue milestones,
escalation, schedule variance): a page number and size from the query string, the page's rows
from SQL (LIMIT/OFFSET) or from a cached summary (a slice), and the true total for the badge
("showing 51-100 of 1,851"). Templates use the macros in paging/macros.html."""
from dataclasses import dataclass, field

from flask import request
from sqlalchemy import func, select

DEFAULT_SIZE = 50
MAX_SIZE = 200


@dataclass
class Page:
    items: list
    total: int
    number: int = 1  # 1-based
    size: int = DEFAULT_SIZE
    param: str = "page"  # the query-string key, when a page holds two paged tables
    extra: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, (self.total + self.size - 1) // self.size)

    @property
    def first(self) -> int:
        return 0 if not self.total else (self.number - 1) * self.size + 1

    @property
    def last(self) -> int:
        return min(self.total, self.number * self.size)

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


def page_args(param: str = "page", default_size: int = DEFAULT_SIZE) -> tuple[int, int]:
    """(page number from 1, page size within 1..MAX_SIZE) from the request's query string."""
    number = request.args.get(param, 1, type=int) or 1
    size = request.args.get("size", default_size, type=int) or default_size
    return max(number, 1), min(max(size, 1), MAX_SIZE)


def paged_query(session, query, number: int, size: int, param: str = "page",
                scalars: bool = True, count_query=None) -> Page:
    """The page of a SELECT (already filtered and ordered) and its total in two statements;
    `count_query` counts the same rows more cheaply when it can (fewer joins)."""
    total = session.scalar(select(func.count()).select_from(
        (count_query if count_query is not None else query.order_by(None)).subquery()))
    number = min(number, max(1, (total + size - 1) // size))
    page = query.limit(size).offset((number - 1) * size)
    items = list(session.scalars(page) if scalars else session.execute(page))
    return Page(items, total, number, size, param)


def paged_list(rows: list, number: int, size: int, param: str = "page") -> Page:
    """The page of a list computed once (a cached summary)."""
    total = len(rows)
    number = min(number, max(1, (total + size - 1) // size))
    return Page(rows[(number - 1) * size:number * size], total, number, size, param)


def search_text() -> str:
    """The `q` search box: code or name, trimmed, at most 50 characters."""
    return (request.args.get("q") or "").strip()[:50]


def like_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with LIKE's wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _query_with(args: dict, param: str, number: int) -> str:
    from urllib.parse import urlencode
    return urlencode({**args, param: number})


def install(app) -> None:
    """The `pg_query` filter the pager macro uses."""
    app.jinja_env.filters["pg_query"] = _query_with
