"""Helpers for benchmarks: a scratch database built by `flask setup`, timing, query counting."""
import os
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def scratch_app():
    """An app on BENCH_DATABASE_URL, or on a new SQLite file; schema and plan loaded."""
    os.environ.setdefault("PLANGUARD_INSTANCE", tempfile.mkdtemp(prefix="planguard-bench-"))
    os.environ.setdefault("ADMIN_PASSWORD", "Bench-scratch-2026")  # `flask setup` refuses "admin"
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or (
        "sqlite:///" + os.path.join(os.environ["PLANGUARD_INSTANCE"], "bench.db"))
    from app import create_app
    app = create_app({"PLANGUARD_ENV": "testing"})
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["setup"])
        assert result.exit_code == 0, result.output
    return app


def percentiles(samples_ms):
    ordered = sorted(samples_ms)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered), p95


@contextmanager
def timed(label):
    started = time.perf_counter()
    yield
    print(f"{label}: {time.perf_counter() - started:.2f} s")


@contextmanager
def count_queries(engine):
    """Counts the SQL statements run inside the block: `with count_queries(e) as n: ...; n[0]`."""
    from sqlalchemy import event
    counter = [0]

    def before(*_args, **_kwargs):
        counter[0] += 1

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", before)


SIZES = [("projects", "project"), ("audit events", "audit_event"),
         ("stored duplicate checks", "duplicate_check"), ("funding lines", "funding_line"),
         ("disbursements", "disbursement"), ("milestones", "milestone"), ("risks", "risk"),
         ("reviews", "review")]


def table_sizes(app) -> dict:
    """Rows per table that a real portfolio carries: benches print them so that nobody reads a
    time measured on an empty audit trail as a real one."""
    from sqlalchemy import inspect, text

    from core.extensions import db
    with app.app_context():
        names = set(inspect(db.engine).get_table_names())
        return {label: db.session.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()
                for label, table in SIZES if table in names}


def portfolio(app, projects: int, reuse: bool = False) -> dict:
    """Seed `projects` demo projects (with their audit trail, funding, milestones, risks and
    stored checks, as `flask demo seed` writes them); with `reuse`, keep a portfolio that is
    already there. Returns the size of each table."""
    if not (reuse and table_sizes(app).get("projects")):
        with timed(f"demo seed, {projects:,} projects"):
            result = app.test_cli_runner().invoke(args=["demo", "seed", "--projects",
                                                        str(projects)])
            assert result.exit_code == 0, result.output
    return table_sizes(app)


def login(client, user, password=None):
    """Log a test client in through the login form, CSRF token included (as a browser does)."""
    import re
    page = client.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', page)
    data = {"username": user, "password": password or user}
    if token:
        data["csrf_token"] = token.group(1)
    response = client.post("/login/", data=data)
    assert response.status_code == 302, f"login of {user} failed"
    return client
