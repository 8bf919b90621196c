"""Pages of the evaluation cycle (issue 14) at a given portfolio size: server time (median and
max of `--requests` loads, in-process), HTML size and SQL statements, as the Office, a
ProjectManager and the anonymous public; and the time of one public rating (POST).

    .venv/bin/python bench/evaluation.py [--projects 20000] [--requests 4]
BENCH_DATABASE_URL and BENCH_REUSE as in bench/pages.py.
"""
import argparse
import os
import time

from common import login, portfolio, scratch_app
from pages import measure

STAFF = ["/evaluation/scorecard/", "/evaluation/scorecard/trend.png",
         "/publicevaluations/moderation/", "/publicevaluations/list/", "/assessments/list/",
         "/training/list/", "/postevaluations/list/", "/leadership/agenda", "/reviews/queue",
         "/sharing/usage", "/api/v1/publicevaluation/"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=20000)
    parser.add_argument("--requests", type=int, default=4)
    args = parser.parse_args()
    app = scratch_app()
    app.config["WTF_CSRF_ENABLED"] = False  # the bench's client does not read the forms' token
    sizes = portfolio(app, args.projects, reuse=os.environ.get("BENCH_REUSE") == "1")
    print("portfolio: " + ", ".join(f"{k} {v:,}" for k, v in sizes.items()))
    with app.app_context():
        from sqlalchemy import func, select

        from core.extensions import db
        from evaluation.models import PublicEvaluation
        from projects.models import Project
        code = db.session.scalar(select(Project.code).where(Project.status == "in_operation")
                                 .order_by(Project.id).limit(1))
        print(f"public evaluations: {db.session.scalar(select(func.count(PublicEvaluation.id))):,}")
    rows = []
    public = app.test_client()
    for url in ("/login/", "/disclosure/", f"/disclosure/evaluate/{code}"):
        rows.append(("public", url, *measure(app, public, url, args.requests)))
    for user in ("office", "pm"):
        client = app.test_client()
        login(client, user)
        for url in STAFF:
            if url.startswith("/api/"):
                token = client.post("/api/v1/security/login", json={
                    "username": user, "password": user, "provider": "db"}).json
                client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token['access_token']}"
            rows.append((user, url, *measure(app, client, url, args.requests)))
    samples = []
    for n in range(args.requests):
        started = time.perf_counter()
        response = public.post(f"/disclosure/evaluate/{code}/rate", data={
            "rating": "4", "comment": f"bench comment {os.getpid()} {n}"},
            environ_base={"REMOTE_ADDR": f"10.{os.getpid() % 250}.{n // 250}.{n % 250 + 1}"})
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 302, response.status_code
    floor = rows[0][2]  # the login page
    print(f"{'who':7s} {'page':36s} {'p50 ms':>8s} {'max ms':>8s} {'x login':>8s} {'KB':>6s}  SQL")
    for who, url, p50, worst, size, statements, status in rows:
        print(f"{who:7s} {url:36s} {p50:8.1f} {worst:8.1f} {p50 / floor:8.1f} "
              f"{size / 1024:6.0f}  {statements} {status}")
    print(f"public rating POST: median {sorted(samples)[len(samples) // 2]:.1f} ms")


if __name__ == "__main__":
    main()
