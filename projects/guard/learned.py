"""The learned duplicate guard (GUARD_ENGINE = "learned"): candidates by meaning (sentence
vectors stored per project) and by words (TF-IDF), decided by the model fitted on the
development corpus (model.py, training.py), with reasons from the features that drove it.

A recorded reuse link (one builds on the other) and a later phase of the same department's
project (same name but for the phase marker) are never duplicates; a shared produced data item
is always a match to look at. services.py keeps the rules (approval, storage at submission) and
calls these when the engine is on.
"""
import threading

import numpy as np
from flask import current_app

from core.extensions import db
from projects.guard import embedding, explain
from projects.guard import model as decision_model
from projects.guard.features import FEATURES, PAIR_ONLY, pair_matrix, relation
from projects.guard.text import analyse, load_dictionaries
from projects.guard.vectors import entry_of, guard_index, project_texts
from projects.models import Project

SCORE_CHUNK = 10_000  # pairs scored at once by the scan (their two sides' vectors: ~90 MB)


def model():
    return decision_model.load(decision_model.Path(current_app.config["GUARD_MODEL_FILE"]))


def threshold() -> float:
    configured = current_app.config.get("GUARD_LEARNED_THRESHOLD")
    return float(configured) if configured is not None else model().threshold


def warm() -> int:
    """What a worker's first check would otherwise pay for beside its own texts: the index,
    every row's neighbour lists, the embedder, jieba's dictionaries. Returns the lists made."""
    made = guard_index().portfolio.work_out_neighbours()
    embedding.model()
    load_dictionaries()
    return made


def warm_served_worker(app) -> None:
    """gunicorn's post_worker_init (gunicorn.conf.py): a served worker's first check finds the
    index built, however gunicorn was started."""
    if app.config["GUARD_ENGINE"] == "learned" and app.config["GUARD_WARM_ON_START"]:
        warm_in_background(app)


def warm_in_background(app) -> None:
    """warm() in a thread when a worker starts, so its first checks are warm."""
    def build():
        with app.app_context():
            try:
                warm()
            except Exception:  # noqa: BLE001 - a cold index is rebuilt at the first check
                app.logger.exception("guard: warming the index failed")
            finally:
                db.session.remove()
    threading.Thread(target=build, name="guard-warm", daemon=True).start()


# --- checks ---------------------------------------------------------------------------------

def _decide(guard, entry, vectors) -> tuple[list[dict], list[dict]]:
    """(flagged matches, near misses) for one entry against the portfolio, best first."""
    portfolio = guard.portfolio
    config = current_app.config
    with portfolio.lock:
        rows = portfolio.candidates(entry, vectors, config["GUARD_CANDIDATES"])
        rows = np.union1d(rows, _sharing_data(portfolio, entry)).astype(np.int64)
        if not len(rows):
            return [], []
        decider = model()
        query = portfolio.query_side(entry, vectors, len(rows))
        X, worded = pair_matrix(query, portfolio.side(rows),
                                portfolio.query_ranks(entry, vectors, rows, decider.background))
        probability = decider.decide(X, worded)
        contributions = decider.contributions(X)
        limit, cut = config["GUARD_MAX_MATCHES"], threshold()
        relations = [relation(entry, portfolio.entries[int(r)]) for r in rows]
        direct = (probability >= cut) & np.array([rel is None for rel in relations])
        family = _family_members(portfolio, rows, direct, relations, decider, cut)
        flagged, missed = [], []
        for k in np.argsort(-probability):
            other = portfolio.entries[int(rows[k])]
            rel = relations[k]
            shares_data = bool(entry.data_produced & other.data_produced)
            is_flag = rel is None and (probability[k] >= cut or shares_data or k in family)
            target = flagged if is_flag else missed
            if (is_flag and len(flagged) >= limit) or (
                    not is_flag and len(missed) >= config["GUARD_NEAR_MISSES"]):
                continue
            terms = explain.shared_terms(portfolio, None, int(rows[k]), a_words=query.words[k])
            ev = explain.evidence(entry, other, X[k], terms, worded[k])
            reasons = explain.reasons(ev, contributions[k], is_flag, rel, (entry.name, other.name))
            group = _group_key(other)
            if k in family and not direct[k]:
                partner, pair_score = family[k]
                reasons.insert(0, explain.family_reason(partner.code, pair_score))
                group = _group_key(partner)
            target.append({
                "project_id": other.id, "code": other.code, "name": other.name,
                "score": round(float(probability[k]), 3), "reasons": reasons,
                "evidence": ev, "group": group})
        return _grouped(flagged), missed


def _family_members(portfolio, rows, direct, relations, decider, cut) -> dict:
    """Candidates that are not flagged themselves but that the model flags as duplicates of a
    flagged match: {candidate index: (that match's entry, the pair's score)}. When the
    proposal duplicates B and B duplicates C, one should reuse or merge with both; the
    ranks alone hide C (B stands between them)."""
    hits, others = np.flatnonzero(direct), [k for k in range(len(rows))
                                            if not direct[k] and relations[k] is None]
    if not len(hits) or not others:
        return {}
    pairs = np.array([(rows[h], rows[k]) for h in hits for k in others], dtype=np.int64)
    scores = _pair_scores(portfolio, decider, pairs)[0]
    family = {}
    for (h, k), score in zip(((h, k) for h in hits for k in others), scores):
        partner = portfolio.entries[int(rows[h])]
        if score >= cut and relation(partner, portfolio.entries[int(rows[k])]) is None \
                and score > family.get(k, (None, -1.0))[1]:
            family[k] = (partner, float(score))
    return family


def _sharing_data(portfolio, entry) -> list[int]:
    if not entry.data_produced:
        return []
    return [row for pid, row in portfolio.row_of.items()
            if pid != entry.id and portfolio.entries[row].data_produced & entry.data_produced]


def _group_key(entry) -> str:
    """Phases and copies of one system of one department share a key (shown together)."""
    return f"{entry.department_id}:{entry.features.name_stem or entry.name}"


def _grouped(matches: list[dict]) -> list[dict]:
    """Best first, members of a group right after its best member."""
    order, seen = [], {}
    for match in matches:
        seen.setdefault(match["group"], []).append(match)
    for match in matches:
        members = seen.pop(match["group"], None)
        if members:
            order.extend(members)
    return order


def _entry_and_vectors(project: Project, project_id=None, saved: Project | None = None,
                       guard=None):
    linked = saved if saved is not None else project
    features = analyse(*project_texts(project))
    produced = {d.name for d in getattr(linked, "data_items", []) if d.direction == "produces"}
    entry = entry_of(project, features, [p.id for p in linked.reuses], produced, project_id)
    return entry, _vectors_of(guard, entry.id, features)


def _vectors_of(guard, project_id, features) -> np.ndarray:
    """A project's three vectors: the index's stored ones when it holds this project with the
    same texts (a worker never re-embeds a stored project), else embedded (cached per text)."""
    if guard is not None:
        portfolio = guard.portfolio
        with portfolio.lock:
            row = portfolio.row_of.get(project_id)
            held = portfolio.entries[row] if row is not None else None
            if held is not None and all(held.features.texts.get(name) == features.texts.get(name)
                                        for name in embedding.FIELDS):
                return portfolio.vectors[row].astype(np.float32)
    return embedding.project_vectors([features])[0]


def check_project_in_full(project: Project) -> tuple[list[dict], list[dict]]:
    """(matches, near misses) for a saved (or being-edited) project."""
    guard = guard_index()
    entry, vectors = _entry_and_vectors(project, guard=guard)
    return _decide(guard, entry, vectors)


def check_project(project: Project) -> list[dict]:
    """Matches for a saved (or being-edited) project, best first."""
    return check_project_in_full(project)[0]


def check_unsaved(project: Project, existing: Project | None) -> tuple[list, list]:
    """(matches, near misses) for a proposal that is not saved; a re-check of a saved one
    keeps its reuse links and data items."""
    guard = guard_index()
    entry, vectors = _entry_and_vectors(
        project, project_id=existing.id if existing else -1, saved=existing, guard=guard)
    return _decide(guard, entry, vectors)


def scan(explain_first: int | None = None) -> dict:
    """Every suspected pair of the portfolio once, highest score first (DESIGN §7 format).
    Reasons are worked out for the first `explain_first` pairs (all when None)."""
    guard = guard_index()
    portfolio = guard.portfolio
    cut, decider = threshold(), model()
    k, k_words = current_app.config["GUARD_SCAN_NEIGHBOURS"]
    found = []
    with portfolio.lock:
        candidates = portfolio.candidate_pairs(k, k_words)
        for start in range(0, len(candidates), SCORE_CHUNK):
            chunk = candidates[start:start + SCORE_CHUNK]
            probability = _pair_scores(portfolio, decider, chunk)[0]
            for n in np.nonzero(probability >= cut)[0]:
                a, b = portfolio.entries[chunk[n, 0]], portfolio.entries[chunk[n, 1]]
                if relation(a, b) is None:
                    found.append((float(probability[n]), a, b, chunk[n]))
        found.sort(key=lambda f: (-f[0], min(f[1].code, f[2].code), max(f[1].code, f[2].code)))
        pairs = []
        for n, (score, a, b, rows) in enumerate(found):
            if a.code > b.code:
                a, b, rows = b, a, rows[::-1]
            pair = {"a": a.code, "b": b.code, "score": round(score, 3), "a_id": a.id,
                    "b_id": b.id}
            if explain_first is None or n < explain_first:
                pair.update(_explained(portfolio, decider, rows, a, b))
            pairs.append(pair)
    return {"threshold": cut, "pairs": pairs}


def _pair_scores(portfolio, decider, pairs: np.ndarray):
    """(scores, features, wording overlaps) of pairs of portfolio rows."""
    X, worded = portfolio.matrix(pairs, decider.background)
    return decider.decide(X, worded), X, worded


def _explained(portfolio, decider, rows, a, b) -> dict:
    _scores, X, worded = _pair_scores(portfolio, decider, np.array([rows], dtype=np.int64))
    ev = explain.evidence(a, b, X[0], explain.shared_terms(portfolio, rows[0], rows[1]),
                          worded[0])
    return {"reasons": explain.reasons(ev, decider.contributions(X)[0], True, None,
                                       (a.name, b.name)), "evidence": ev}


def compare(a: Project, b: Project) -> dict:
    """One pair side by side: the score, the reasons and the evidence (the words to mark)."""
    guard = guard_index()
    entry_a, vectors_a = _entry_and_vectors(a, guard=guard)
    entry_b, vectors_b = _entry_and_vectors(b, guard=guard)
    portfolio = guard.portfolio
    side_a = portfolio.query_side(entry_a, vectors_a, 1)
    side_b = portfolio.query_side(entry_b, vectors_b, 1)
    row_b = portfolio.row_of.get(b.id)
    decider = model()
    ranks = portfolio.query_ranks(entry_a, vectors_a, np.array([row_b]), decider.background) \
        if row_b is not None else np.zeros((1, len(FEATURES) - PAIR_ONLY), dtype=np.float32)
    X, worded = pair_matrix(side_a, side_b, ranks)
    score = float(decider.decide(X, worded)[0])
    rel = relation(entry_a, entry_b)
    flagged = rel is None and score >= threshold()
    terms = explain.shared_terms(portfolio, None, None, side_a.words, side_b.words)
    ev = explain.evidence(entry_a, entry_b, X[0], terms, worded[0])
    return {"score": round(score, 3), "threshold": threshold(), "flagged": flagged,
            "reasons": explain.reasons(ev, decider.contributions(X)[0], flagged, rel,
                                       (a.name, b.name)), "evidence": ev}
