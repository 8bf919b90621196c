"""The duplicate guard at portfolio scale: a demo portfolio (20,000 projects by default) with
planted duplicates and hard negatives (`flask demo seed --planted-pairs`); for each engine, p50/p95
of one check, the time to catch up after one change (another worker's view), the scan's time and
peak memory, and the scan's precision and recall against the planted pairs, with what the
flagged pairs that were not planted are (the same system in another county, the same kind of
system at another site, a planted hard negative, unrelated).

    .venv/bin/python bench/duplicates.py [--projects 20000] [--checks 200]
        [--engines dictionary,learned] [--planted-share 0.03] [--seed 2012]
Set BENCH_DATABASE_URL to measure on PostgreSQL. The learned engine first stores the sentence
vectors of the seeded projects (`flask projects guard-vectors`; each distinct text embedded once),
timed apart.
"""
import argparse
import json
import os
import random
import resource
import tempfile
import time
from collections import Counter
from pathlib import Path

from common import percentiles, scratch_app, timed

os.environ.setdefault("ADMIN_PASSWORD", "Bench-scratch-2026")  # the testing config's policy
SAMPLES = Path(__file__).resolve().parents[1] / "tests" / "data" / "proposals.json"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=20000)
    parser.add_argument("--checks", type=int, default=200)
    parser.add_argument("--engines", default="dictionary,learned")
    parser.add_argument("--planted-share", type=float, default=0.03)
    parser.add_argument("--seed", type=int, default=2012)
    args = parser.parse_args()
    app = scratch_app()
    app.config["GUARD_ENGINE"] = "dictionary"  # the seed's stored checks: the fast engine
    planted_file = Path(tempfile.mkdtemp(prefix="planguard-planted-")) / "planted.json"
    with timed(f"demo seed, {args.projects} projects"):
        result = app.test_cli_runner().invoke(args=[
            "demo", "seed", "--projects", str(args.projects), "--no-users", "--seed",
            str(args.seed), "--planted-share", str(args.planted_share),
            "--planted-pairs", str(planted_file)])
        assert result.exit_code == 0, result.output
    planted = json.loads(planted_file.read_text(encoding="utf-8"))
    print(f"planted: {len(planted['duplicates'])} duplicate pairs "
          f"({dict(Counter(p['kind'] for p in planted['duplicates']))}), "
          f"{len(planted['hard_negatives'])} hard negatives "
          f"({dict(Counter(p['kind'] for p in planted['hard_negatives']))}); "
          f"{len(set(planted['systems'].values()))} distinct systems, "
          f"{len({s.split('|')[0] for s in planted['systems'].values()})} cities and counties")
    for engine in args.engines.split(","):
        print(f"\n--- GUARD_ENGINE={engine} ---")
        app.config["GUARD_ENGINE"] = engine
        measure(app, args, planted)


def measure(app, args, planted):
    from core.extensions import db
    from projects.guard import services as guard
    with app.test_request_context():
        if guard.learned_engine():
            from projects.guard.vectors import store_missing_vectors
            started = time.perf_counter()
            stored = store_missing_vectors()
            print(f"sentence vectors stored for {stored} projects: "
                  f"{time.perf_counter() - started:.1f} s")
        proposals = json.loads(SAMPLES.read_text(encoding="utf-8"))
        if guard.learned_engine():
            from projects.guard import learned
            from projects.guard.vectors import guard_index
            started = time.perf_counter()
            guard_index()
            print(f"a new worker's index from the stored rows: "
                  f"{time.perf_counter() - started:.2f} s")
            started = time.perf_counter()
            rows = learned.warm()
            print(f"the rest of its warm thread ({rows} neighbour lists, the embedder, jieba): "
                  f"{time.perf_counter() - started:.2f} s")
        started = time.perf_counter()
        guard.check_proposal(dict(proposals[0], code=""))
        print(f"first check of a worker (index build included unless above): "
              f"{time.perf_counter() - started:.2f} s")
        firsts = []
        for proposal in proposals[1:]:
            started = time.perf_counter()
            guard.check_proposal(dict(proposal, code=""))
            firsts.append((time.perf_counter() - started) * 1000)
        p50, p95 = percentiles(firsts)
        print(f"first check of each other sample text (its embedding included): "
              f"p50 {p50:.1f} ms, p95 {p95:.1f} ms")
        rng = random.Random(1)
        samples = []
        for _ in range(args.checks):
            body = dict(rng.choice(proposals), code="")
            started = time.perf_counter()
            guard.check_proposal(body)
            samples.append((time.perf_counter() - started) * 1000)
        p50, p95 = percentiles(samples)
        print(f"one check against {args.projects} projects (texts embedded before): "
              f"p50 {p50:.1f} ms, p95 {p95:.1f} ms")

        from projects.models import Project
        project = db.session.scalar(db.select(Project).order_by(Project.id).limit(1))
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
        print_quality(result["pairs"], planted)
        started = time.perf_counter()
        guard.scan()
        print(f"portfolio scan with evidence and reasons for every pair: "
              f"{time.perf_counter() - started:.1f} s; process peak RSS {max_rss_mib():.0f} MiB")


def score(pairs: list[dict], planted: dict) -> dict:
    """Precision and recall of the flagged pairs against the planted duplicates, and what the
    other flags are."""
    duplicates = {frozenset((p["a"], p["b"])): p["kind"] for p in planted["duplicates"]}
    negatives = {frozenset((p["a"], p["b"])): p["kind"] for p in planted["hard_negatives"]}
    systems = planted["systems"]
    flagged = {frozenset((p["a"], p["b"])) for p in pairs}
    found = flagged & set(duplicates)
    kinds = Counter()
    for pair in flagged - found:
        if pair in negatives:
            kinds[f"planted hard negative ({negatives[pair]})"] += 1
            continue
        a, b = (systems.get(code, "?|?|?").split("|") for code in sorted(pair))
        if a[1:3] == b[1:3]:
            kinds["same system, another county"] += 1
        elif a[1] == b[1]:
            kinds["same kind of system, another site"] += 1
        else:
            kinds["unrelated systems"] += 1
    return {"flagged": len(flagged), "found": len(found), "planted": len(duplicates),
            "precision": len(found) / len(flagged) if flagged else 0.0,
            "recall": len(found) / len(duplicates) if duplicates else 0.0,
            "missed": Counter(duplicates[p] for p in set(duplicates) - found),
            "false": kinds}


def print_quality(pairs, planted):
    q = score(pairs, planted)
    print(f"against the planted pairs: precision {q['precision']:.2f}, recall {q['recall']:.2f} "
          f"({q['found']} of {q['planted']} planted duplicates among {q['flagged']} flagged "
          f"pairs)")
    print(f"  missed: {dict(q['missed'])}; flagged but not planted: {dict(q['false'])}")


def max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
