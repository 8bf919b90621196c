"""The learned duplicate guard (GUARD_ENGINE=learned) at portfolio scale: storing the demo's
sentence vectors, the index built from stored rows, one check of a stored project and of an
unsaved proposal (p50/p95, embedding apart), the first check after one change, the scan's time
and peak memory, and a brute-force all-pairs cosine baseline on the same vectors.

    OMP_NUM_THREADS=2 .venv/bin/python bench/guard_learned.py [--projects 20000] [--checks 200]
        [--embed-budget 600]
Set BENCH_DATABASE_URL to measure on PostgreSQL. The embedder needs OMP_NUM_THREADS=2 (or it
oversubscribes the cores). When computing every distinct demo text would take longer than
--embed-budget seconds, only a sample of texts is embedded (one per template, see
sample_vectors); a check's and the scan's cost do not depend on the vectors' values.
"""
import argparse
import json
import os
import random
import resource
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("ADMIN_PASSWORD", "Bench-Admin-2026!")  # `flask setup` refuses a weak one

import numpy as np  # noqa: E402

from common import percentiles, scratch_app, timed  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[1] / "tests" / "data" / "proposals.json"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=20000)
    parser.add_argument("--checks", type=int, default=200)
    parser.add_argument("--embed-budget", type=float, default=600,
                        help="seconds the vectors of every distinct text may take")
    args = parser.parse_args()
    app = scratch_app()
    from core.extensions import db
    from projects.guard import embedding, learned
    from projects.guard import services as guard
    from projects.guard.vectors import EXTENSION, project_texts, store_missing_vectors
    from projects.guard.text import analyse
    from projects.models import Project

    with timed(f"demo seed, {args.projects} projects (dictionary engine: no vectors)"):
        result = app.test_cli_runner().invoke(args=["demo", "seed", "--projects",
                                                    str(args.projects), "--no-users"])
        assert result.exit_code == 0, result.output
    app.config["GUARD_ENGINE"] = "learned"
    print(f"peak RSS after the seed: {max_rss_mib():.0f} MiB")

    with app.test_request_context():
        started = time.perf_counter()
        combos = [project_texts(p) for p in db.session.scalars(db.select(Project))]
        texts = sorted({f.texts[k] for f in map(lambda c: analyse(*c), combos)
                        for k in embedding.FIELDS} - {""})
        print(f"distinct texts: {len(set(combos))} distinct project texts, {len(texts)} "
              f"distinct texts to embed (name, name+description, tags) for {len(combos)} "
              f"projects; analysing them {time.perf_counter() - started:.1f} s")
        probe = texts[:: max(1, len(texts) // 48)][:48]
        started = time.perf_counter()
        embedding.embed_texts(probe)
        per_text = (time.perf_counter() - started) / max(len(probe), 1)
        embedding._cache.clear()  # measure the store from cold
        estimate = per_text * len(texts)
        print(f"embedding: {per_text * 1000:.1f} ms per distinct text (sample of {len(probe)}); "
              f"all distinct texts: about {estimate:.0f} s")
        if estimate <= args.embed_budget:
            started = time.perf_counter()
            stored = store_missing_vectors()
            elapsed = time.perf_counter() - started
            print(f"store_missing_vectors: {stored} projects in {elapsed:.1f} s "
                  f"({elapsed / max(stored, 1) * 1000:.1f} ms per project, "
                  f"{elapsed / max(len(texts), 1) * 1000:.1f} ms per distinct text)")
            started = time.perf_counter()
            again = store_missing_vectors()
            print(f"store_missing_vectors again (nothing missing): {again} stored, "
                  f"{time.perf_counter() - started:.1f} s")
        else:
            print(f"SAMPLED VECTORS: embedding all {len(texts)} distinct texts would take "
                  f"about {estimate:.0f} s > {args.embed_budget:.0f} s, so only one project "
                  f"per template was embedded and every project got its template's vectors. "
                  f"This does not change the cost of a check or the scan (they do not depend "
                  f"on the vectors' values), only which pairs are found.")
            with timed("sampled vectors stored"):
                sample_vectors()
        print(f"peak RSS after storing vectors: {max_rss_mib():.0f} MiB")

        app.extensions.pop(EXTENSION, None)  # a fresh worker: the index from stored rows
        embedding._cache.clear()
        started = time.perf_counter()
        index = learned.guard_index()
        print(f"index build from stored rows (a worker's first check): "
              f"{time.perf_counter() - started:.2f} s, {len(index)} projects; peak RSS "
              f"{max_rss_mib():.0f} MiB")

        rng = random.Random(1)
        ids = list(db.session.scalars(db.select(Project.id)))
        picked = [db.session.get(Project, i) for i in rng.sample(ids, min(args.checks, len(ids)))]
        for project in picked[:5]:
            learned.check_project(project)  # warm the caches a worker's first requests warm
        samples, embed = [], []
        for project in picked:
            started = time.perf_counter()
            learned.check_project(project)
            samples.append((time.perf_counter() - started) * 1000)
        p50, p95 = percentiles(samples)
        print(f"one check of a stored project against {len(index)} projects "
              f"(learned.check_project, its vectors cached): p50 {p50:.1f} ms, p95 {p95:.1f} ms")

        proposals = json.loads(SAMPLES.read_text(encoding="utf-8"))
        bodies = [dict(rng.choice(proposals), code="") for _ in range(args.checks)]
        for body in bodies[:5]:
            guard.check_proposal(dict(body))
        for p in proposals:  # a proposal's texts embedded once, timed apart
            f = analyse(p["name"], tuple(p.get("capabilities") or ()), p.get("description") or "",
                        p.get("department") or "")
            for text in (f.texts[k] for k in embedding.FIELDS):
                embedding._cache.pop(text, None)
            started = time.perf_counter()
            embedding.project_vectors([f])
            embed.append((time.perf_counter() - started) * 1000)
        samples = []
        for body in bodies:
            started = time.perf_counter()
            guard.check_proposal(dict(body))
            samples.append((time.perf_counter() - started) * 1000)
        p50, p95 = percentiles(samples)
        e50, e95 = percentiles(embed)
        print(f"one check of an unsaved proposal (services.check_proposal -> "
              f"learned.check_unsaved), its texts embedded: p50 {p50:.1f} ms, p95 {p95:.1f} ms; "
              f"embedding a new proposal's three texts: p50 {e50:.1f} ms, p95 {e95:.1f} ms")

        project = picked[0]
        project.description = (project.description or "") + "新增移动终端接入。"
        started = time.perf_counter()
        db.session.commit()
        saved = time.perf_counter() - started
        started = time.perf_counter()
        learned.check_project(project)
        print(f"one project changed: saving it (vectors computed in the flush) {saved * 1000:.0f} "
              f"ms; the first check after it (incremental refresh) "
              f"{(time.perf_counter() - started) * 1000:.1f} ms")

        before = max_rss_mib()
        started = time.perf_counter()
        result = guard.scan(explain_first=0)
        elapsed = time.perf_counter() - started
        print(f"portfolio scan: {elapsed:.1f} s, {len(result['pairs'])} pairs; process peak "
              f"RSS {max_rss_mib():.0f} MiB (before the scan {before:.0f} MiB)")
        started = time.perf_counter()
        explained = guard.scan(explain_first=100)
        print(f"portfolio scan with reasons for the first 100 pairs: "
              f"{time.perf_counter() - started:.1f} s, {len(explained['pairs'])} pairs")

        brute = brute_force(index.portfolio.unit)
        print(f"brute-force baseline, cosine of all {len(index)}^2/2 pairs (blocks of 1024 rows, "
              f"float32, counting pairs >= 0.9): {brute:.1f} s; scan / brute force "
              f"{elapsed / brute:.2f}x; peak RSS {max_rss_mib():.0f} MiB")


def sample_vectors() -> None:
    """One project per template is embedded; every project gets its template's vectors (the
    tags text is the template's: the demo has one tag list per template)."""
    from core.extensions import db
    from core.uow import transaction
    from projects.guard import embedding
    from projects.guard.models import ProjectVector
    from projects.guard.text import analyse
    from projects.guard.vectors import _hash_of, project_texts
    from projects.models import Project

    projects = list(db.session.scalars(db.select(Project).order_by(Project.id)))
    features = [analyse(*project_texts(p)) for p in projects]
    first = {}
    for f in features:
        first.setdefault(f.texts["capabilities"], f)
    vectors = dict(zip(first, embedding.project_vectors(list(first.values()))))
    with transaction():
        for project, f in zip(projects, features):
            db.session.add(ProjectVector(
                project_id=project.id, text_hash=_hash_of(project_texts(project)),
                model=embedding.MODEL_ID, vectors=embedding.to_bytes(
                    vectors[f.texts["capabilities"]]), analysis=f.as_json()))
    db.session.expunge_all()


def brute_force(unit: np.ndarray, block: int = 1024, cut: float = 0.9) -> float:
    started = time.perf_counter()
    found = 0
    for start in range(0, len(unit), block):
        sims = unit[start:start + block] @ unit[start:].T
        found += int(np.count_nonzero(np.triu(sims, 1) >= cut))
    elapsed = time.perf_counter() - started
    print(f"  (brute force found {found} pairs with cosine >= {cut})")
    return elapsed


def max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
