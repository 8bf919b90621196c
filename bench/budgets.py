"""Seeds 20,000 demo projects with funding plans and about 200,000 disbursements, then measures
the portfolio budget-execution page (and its charts and export) as the Office and as a
ProjectManager: server time per request (p50, p95) and SQL statements per request.

    .venv/bin/python bench/budgets.py [--projects 20000] [--requests 40]
Set BENCH_DATABASE_URL to measure on PostgreSQL.
"""
import argparse
import time

from common import count_queries, login, percentiles, scratch_app, timed


def measure(app, db, client, url, requests):
    client.get(url)  # warm
    samples, statements = [], set()
    for _ in range(requests):
        with app.app_context(), count_queries(db.engine) as n:
            started = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - started) * 1000)
            statements.add(n[0])
        assert response.status_code == 200, (url, response.status_code)
    return percentiles(samples), sorted(statements)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=20000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--payments-per-line", type=int, nargs=2, default=(2, 6))
    args = parser.parse_args()
    app = scratch_app()
    from sqlalchemy import func, select

    import budgets.demo
    from budgets.models import Disbursement, Expenditure, FundingLine
    from core.extensions import db
    budgets.demo.PAYMENTS_PER_LINE = tuple(args.payments_per_line)
    with timed(f"demo seed, {args.projects} projects with funding (incl. demo users)"):
        result = app.test_cli_runner().invoke(args=["demo", "seed", "--projects",
                                                    str(args.projects)])
        assert result.exit_code == 0, result.output
    with app.app_context():
        sizes = {m.__tablename__: db.session.scalar(select(func.count()).select_from(m))
                 for m in (FundingLine, Disbursement, Expenditure)}
    print("rows:", sizes)
    pages = ["/budgets/execution/", "/budgets/execution/?year=2013",
             "/budgets/execution/?department=8", "/budgets/execution/?year=2014&department=8"]
    for user in ("office", "pm"):
        client = app.test_client()
        login(client, user)
        for url in pages:
            (p50, p95), statements = measure(app, db, client, url, args.requests)
            print(f"{user:6s} {url:45s} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  "
                  f"SQL per page {statements}")
        for kind in ("source", "department", "year", "social"):
            url = f"/budgets/execution/chart/{kind}.png"
            (p50, p95), statements = measure(app, db, client, url, max(5, args.requests // 4))
            print(f"{user:6s} {url:45s} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  "
                  f"SQL per chart {statements}")
    client = app.test_client()
    login(client, "office")
    with app.app_context(), count_queries(db.engine) as n:
        started = time.perf_counter()
        response = client.get("/budgets/execution/export/xlsx")
        print(f"export xlsx, figures of every project: {time.perf_counter() - started:.2f} s, "
              f"{len(response.data) / 1e6:.1f} MB, SQL {n[0]}")


if __name__ == "__main__":
    main()
