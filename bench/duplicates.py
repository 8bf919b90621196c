"""The duplicate guard at portfolio scale: 20,000 demo projects; p50/p95 of one check, the
time to catch up after one change (another worker's view), and the scan's time and peak memory.

    .venv/bin/python bench/duplicates.py [--projects 20000] [--checks 200]
Set BENCH_DATABASE_URL to measure on PostgreSQL.
"""
import argparse
import json
import random
import resource
import time
from pathlib import Path

from common import percentiles, scratch_app, timed

SAMPLES = Path(__file__).resolve().parents[1] / "tests" / "data" / "proposals.json"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=20000)
    parser.add_argument("--checks", type=int, default=200)
    args = parser.parse_args()
    app = scratch_app()
    from core.extensions import db
    from projects.guard import services as guard
    with timed(f"demo seed, {args.projects} projects"):
        result = app.test_cli_runner().invoke(args=["demo", "seed", "--projects",
                                                    str(args.projects), "--no-users"])
        assert result.exit_code == 0, result.output
    proposals = json.loads(SAMPLES.read_text(encoding="utf-8"))
    with app.test_request_context():
        started = time.perf_counter()
        index = guard.index()
        print(f"index build (first check of a worker): {time.perf_counter() - started:.2f} s, "
              f"{len(index)} projects")
        rng = random.Random(1)
        samples = []
        for _ in range(args.checks):
            body = dict(rng.choice(proposals), code="")
            started = time.perf_counter()
            guard.check_proposal(body)
            samples.append((time.perf_counter() - started) * 1000)
        p50, p95 = percentiles(samples)
        print(f"one check against {len(index)} projects: p50 {p50:.1f} ms, p95 {p95:.1f} ms")

        from projects.models import Project
        project = db.session.scalar(db.select(Project).limit(1))
        project.description = (project.description or "") + "新增移动终端接入。"
        db.session.commit()
        started = time.perf_counter()
        guard.check_project(project)
        print(f"first check after one project changed (incremental refresh): "
              f"{(time.perf_counter() - started) * 1000:.1f} ms")

        before = max_rss_mib()
        started = time.perf_counter()
        result = guard.scan(explain_first=0)
        elapsed = time.perf_counter() - started
        print(f"portfolio scan: {elapsed:.1f} s, {len(result['pairs'])} pairs; process peak "
              f"RSS {max_rss_mib():.0f} MiB (before the scan {before:.0f} MiB)")
        started = time.perf_counter()
        result = guard.scan()
        print(f"portfolio scan with evidence and reasons for every pair: "
              f"{time.perf_counter() - started:.1f} s; process peak RSS {max_rss_mib():.0f} MiB")


def max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
