"""Seeds 20,000 demo projects (with their funding, milestones and audit trail), tops the
milestones up to 100,000, then writes the compliance workbook in a fresh process and prints its
time and peak memory (DESIGN §8: under 20 s and 500 MiB).

    .venv/bin/python bench/reports.py [--projects 20000] [--milestones 100000]
Set BENCH_DATABASE_URL to measure on PostgreSQL; BENCH_REUSE=1 keeps a portfolio already seeded
in that database (or in PLANGUARD_INSTANCE), as in bench/pages.py.
"""
import argparse
import datetime as dt
import os
import random
import resource
import subprocess
import sys
import tempfile
import time

from common import portfolio, scratch_app

CHILD = """
import datetime as dt, resource, sys, time
sys.path.insert(0, {root!r})
from app import create_app
app = create_app({{"PLANGUARD_ENV": "testing"}})
with app.app_context():
    from sqlalchemy import func, select
    from core.audit import AuditEvent
    from core.extensions import db
    from reports.workbook import write_compliance_workbook
    # the portfolio's own day (the demo dates its story to the day it was seeded): the audit
    # sheet then holds the trail of the 90 days before it, as a real report's does
    last = db.session.scalar(select(func.max(AuditEvent.at)))
    on = last.date() if last else dt.date.today()
    db.session.remove()
    started = time.perf_counter()
    counts = write_compliance_workbook({out!r}, on=on)
    took = time.perf_counter() - started
print("as of", on, "counts", counts)
print(f"workbook {{took:.2f}} s, peak RSS {{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}} MiB")
"""


def top_up_milestones(db, target):
    """Supervision reports on random approved projects until the table holds `target` rows."""
    from sqlalchemy import func, insert, select

    from projects.enums import APPROVED_OR_LATER
    from projects.models import Project
    from projects.schedule.models import Milestone
    have = db.session.scalar(select(func.count()).select_from(Milestone))
    if have >= target:
        return have
    projects = db.session.execute(select(Project.id, Project.start_date).where(
        Project.status.in_(APPROVED_OR_LATER))).all()
    rng = random.Random(7)
    today = dt.date.today()
    rows, now = [], dt.datetime.combine(today, dt.time())
    for n in range(target - have):
        pid, start = rng.choice(projects)
        day = start + dt.timedelta(days=rng.randint(0, 900))
        done = day < today and rng.random() < 0.8
        rows.append(dict(project_id=pid, type="supervision_report", sequence=100 + n,
                         planned_date=day, baseline_date=day, status="done" if done else "planned",
                         actual_date=day if done else None, created_at=now))
    for i in range(0, len(rows), 5000):
        db.session.execute(insert(Milestone), rows[i:i + 5000])
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(Milestone))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=20000)
    parser.add_argument("--milestones", type=int, default=100000)
    args = parser.parse_args()
    app = scratch_app()
    from core.extensions import db
    sizes = portfolio(app, args.projects, reuse=os.environ.get("BENCH_REUSE") == "1")
    print("portfolio: " + ", ".join(f"{k} {v:,}" for k, v in sizes.items()))
    with app.app_context():
        print("milestones:", top_up_milestones(db, args.milestones))
    out = os.path.join(tempfile.mkdtemp(prefix="planguard-bench-"), "compliance.xlsx")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    started = time.perf_counter()
    child = subprocess.run([sys.executable, "-c", CHILD.format(root=root, out=out)],
                           env=dict(os.environ), capture_output=True, text=True)
    print(child.stdout.strip())
    if child.returncode:
        print(child.stderr[-3000:])
        sys.exit(1)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"child process: {time.perf_counter() - started:.2f} s wall incl. start-up, "
          f"peak RSS {peak:.0f} MiB; file {os.path.getsize(out) / 1e6:.1f} MB ({out})")


if __name__ == "__main__":
    main()
