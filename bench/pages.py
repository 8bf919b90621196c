"""Every page of the issue-15 table at a given portfolio size: server time (median and max of
`--requests` loads, in-process through the WSGI app), HTML size and SQL statements per page, as
the Office (and one ProjectManager with --pm).

    .venv/bin/python bench/pages.py [--projects 20000] [--requests 4]
Set BENCH_DATABASE_URL to measure on PostgreSQL; BENCH_REUSE=1 keeps a portfolio already seeded
in that database (or in PLANGUARD_INSTANCE) instead of seeding a new one.
"""
import argparse
import os
import statistics
import time

from common import count_queries, login, portfolio, scratch_app

PAGES = ["/login/", "/", "/projects/list/", "/projects/show/{project}", "/budgets/execution/",
         "/risk/escalation", "/duplicates/", "/reports/compliance/", "/schedule/variance",
         "/reports/scorecard/", "/reviews/queue", "/schedule/overdue",
         "/projects/list/?_flt_0_name=视频", "/reviews/queue?q=DEMO-2013&page=3",
         "/duplicates/?page=5", "/api/v1/project/"]


def measure(app, client, url, requests):
    from core.extensions import db
    client.get(url)  # warm: caches per portfolio version are filled by the first load
    samples, statements, size, status = [], set(), 0, None
    for _ in range(requests):
        with app.app_context(), count_queries(db.engine) as n:
            started = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - started) * 1000)
            statements.add(n[0])
        size, status = len(response.data), response.status_code
    return statistics.median(samples), max(samples), size, sorted(statements), status


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=20000)
    parser.add_argument("--requests", type=int, default=4)
    parser.add_argument("--user", default="office")
    args = parser.parse_args()
    app = scratch_app()
    sizes = portfolio(app, args.projects, reuse=os.environ.get("BENCH_REUSE") == "1")
    print("portfolio: " + ", ".join(f"{k} {v:,}" for k, v in sizes.items()))
    with app.app_context():
        from sqlalchemy import select

        from core.extensions import db
        from projects.models import Project
        project = db.session.scalar(select(Project.id).where(Project.status == "in_construction")
                                    .order_by(Project.id).limit(1))
    anonymous = app.test_client()
    rows = [("/login/", *measure(app, anonymous, "/login/", args.requests))]
    client = app.test_client()
    login(client, args.user)
    token = None
    for url in PAGES[1:]:
        url = url.format(project=project)
        if url.startswith("/api/"):
            if token is None:
                token = client.post("/api/v1/security/login", json={
                    "username": args.user, "password": args.user, "provider": "db"}).json
                client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token['access_token']}"
        rows.append((url, *measure(app, client, url, args.requests)))
    floor = rows[0][1]
    print(f"{'page':42s} {'p50 ms':>8s} {'max ms':>8s} {'x login':>8s} {'KB':>7s}  SQL  status")
    for url, p50, worst, size, statements, status in rows:
        print(f"{url:42s} {p50:8.1f} {worst:8.1f} {p50 / floor:8.1f} {size / 1024:7.0f}  "
              f"{statements}  {status}")


if __name__ == "__main__":
    main()
