"""Hints for SQLite's query planner, which other databases do not need.

SQLite's statistics cannot tell that `planned_date < today` on open milestones keeps a few
rows of a quarter million: at 20,000 projects it walked every department's projects and all
their milestones (81 ms) instead of the (status, planned_date) index (2 ms). `rare(clause)`
says so with SQLite's likelihood(); elsewhere it is the clause itself."""
from sqlalchemy.types import NullType
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

RARE = 0.01


class rare(ColumnElement):  # noqa: N801 - used like a SQL function
    """A condition few rows meet."""

    type = NullType()  # Boolean would make SQLite compare it "= 1", which hides the hint
    inherit_cache = True
    _traverse_internals = [("clause", InternalTraversal.dp_clauseelement)]

    def __init__(self, clause):
        self.clause = clause


@compiles(rare)
def _anywhere(element, compiler, **kw):
    return compiler.process(element.clause, **kw)


@compiles(rare, "sqlite")
def _sqlite(element, compiler, **kw):
    return f"likelihood({compiler.process(element.clause, **kw)}, {RARE})"
