"""Seeds 20,000 demo projects and measures the project list page as an Office user and as a
ProjectManager: server time per page (p50, p95) and SQL statements per page.

    .venv/bin/python bench/projects.py [--projects 20000] [--requests 60]
Set BENCH_DATABASE_URL to measure on PostgreSQL.
"""
import argparse
import time

from common import count_queries, login, percentiles, scratch_app, timed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=20000)
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    app = scratch_app()
    from core.extensions import db
    runner = app.test_cli_runner()
    with timed(f"demo seed, {args.projects} projects (incl. demo users)"):
        result = runner.invoke(args=["demo", "seed", "--projects", str(args.projects)])
        assert result.exit_code == 0, result.output
    pages = ["/projects/list/", "/projects/list/?page_ProjectModelView=40",
             "/projects/list/?_flt_0_status=in_construction",
             "/projects/list/?_flt_0_name=视频"]
    for user in ("office", "pm"):
        client = app.test_client()
        login(client, user)
        for url in pages:
            client.get(url)  # warm
            samples, statements = [], set()
            for _ in range(args.requests):
                with app.app_context(), count_queries(db.engine) as n:
                    started = time.perf_counter()
                    response = client.get(url)
                    samples.append((time.perf_counter() - started) * 1000)
                    statements.add(n[0])
                assert response.status_code == 200
            p50, p95 = percentiles(samples)
            print(f"{user:6s} {url:50s} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  "
                  f"SQL per page {sorted(statements)}")
    with app.app_context(), count_queries(db.engine) as n:
        client = app.test_client()
        login(client, "office")
        started = time.perf_counter()
        response = client.get("/projects/export/xlsx")
        print(f"export xlsx of all projects: {time.perf_counter() - started:.2f} s, "
              f"{len(response.data) / 1e6:.1f} MB, SQL {n[0]}")


if __name__ == "__main__":
    main()
