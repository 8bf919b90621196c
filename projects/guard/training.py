"""Fitting the decision model from the labeled development corpus (data/guard_corpus/).

Training pairs are what the guard will actually be asked to decide: every proposal's nearest
proposals by meaning and by words, plus every labeled pair. Each part of the corpus is read as
its own portfolio (one city's or one prefecture's proposals), because the rank features ask
how a pair stands among its neighbours, and a real portfolio is one place's, not five
provinces' pooled. Validation is cross-validation grouped by system family, so a family is
never in training and validation at once; the threshold is the one that maximises the smaller
of precision and recall on those out-of-fold probabilities (then F1), never chosen on the
samples. No database and no Flask: the CLI command and the tests call `train`.
"""
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.model_selection import GroupKFold

from projects.guard.embedding import project_vectors
from projects.guard.features import FEATURES, relation
from projects.guard.model import DecisionModel
from projects.guard.portfolio import Entry, Portfolio, background
from projects.guard.text import analyse

CORPUS_DIR = Path(__file__).resolve().parents[2] / "data" / "guard_corpus"
RETRIEVE_K, RETRIEVE_K_WORDS = 8, 4  # the scan's candidates per project (index.py uses them)
FOLDS, C = 5, 1.0


@dataclass
class Corpus:
    proposals: list  # dicts with the import keys plus "family"
    duplicates: set  # {(code, code)} sorted pairs
    negatives: dict  # (code, code) -> kind of hard negative
    digest: str
    parts: list  # lists of proposals, one per part file (one portfolio each)


def load_corpus(directory: Path = CORPUS_DIR) -> Corpus:
    proposals, duplicates, negatives, parts = [], set(), {}, []
    digest = hashlib.sha256()
    for path in sorted(Path(directory).glob("part*.json")):
        raw = path.read_bytes()
        digest.update(raw)
        data = json.loads(raw)
        proposals.extend(data["proposals"])
        parts.append(data["proposals"])
        for pair in data["pairs"]:
            key = tuple(sorted((pair["a"], pair["b"])))
            if pair["label"] == "duplicate":
                duplicates.add(key)
            else:
                negatives[key] = pair["kind"]
    return Corpus(proposals, duplicates, negatives, digest.hexdigest(), parts)


def entries_of(proposals: list) -> list[Entry]:
    """Proposals (import keys) as portfolio entries; departments compare by name."""
    return [Entry(id=i, code=p["code"], name=p["name"], department_id=p.get("department"),
                  task=(p.get("plan_task") if isinstance(p.get("plan_task"), str)
                        else (p.get("plan_task") or [None])[0]),
                  category=p.get("category"),
                  features=analyse(p["name"], p.get("capabilities") or [],
                                   p.get("description") or "", p.get("department") or ""))
            for i, p in enumerate(proposals)]


def portfolio_of(proposals: list) -> Portfolio:
    entries = entries_of(proposals)
    portfolio = Portfolio()
    portfolio.build(entries, project_vectors([e.features for e in entries]))
    return portfolio


def training_pairs(corpus: Corpus, portfolio: Portfolio):
    """(pairs as row indices, labels, groups by family, codes)."""
    row = {e.code: i for i, e in enumerate(portfolio.entries)}
    pairs = {tuple(p) for p in portfolio.candidate_pairs(RETRIEVE_K, RETRIEVE_K_WORDS).tolist()}
    for a, b in list(corpus.duplicates) + list(corpus.negatives):
        if a in row and b in row:
            pairs.add(tuple(sorted((row[a], row[b]))))
    pairs = np.array(sorted(pairs), dtype=np.int64)
    codes = [(portfolio.entries[i].code, portfolio.entries[j].code) for i, j in pairs]
    labels = np.array([tuple(sorted(c)) in corpus.duplicates for c in codes], dtype=int)
    family = {p["code"]: p["family"] for p in corpus.proposals}
    groups = np.array([family[min(c)] for c in codes])
    return pairs, labels, groups, codes


def fit(X: np.ndarray, y: np.ndarray, threshold: float, info: dict) -> DecisionModel:
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale == 0] = 1.0
    # solved to the optimum (unique: L2 makes it strictly convex), not to lbfgs's default
    # tolerance, where collinear features let weights drift by 0.03 from one machine to another
    regression = LogisticRegression(C=C, max_iter=10000, tol=1e-10)
    regression.fit((X - mean) / scale, y)
    return DecisionModel(FEATURES, mean, scale, regression.coef_[0],
                         float(regression.intercept_[0]), threshold, info)


def best_threshold(y: np.ndarray, p: np.ndarray) -> tuple[float, float, float]:
    """(threshold, precision, recall) maximising the smaller of precision and recall over the
    out-of-fold probabilities, then F1: a guard is judged on both, so neither is traded away
    for the other."""
    best = (0.5, 0.0, 0.0, (-1.0, -1.0))
    for t in np.arange(0.2, 0.96, 0.01):
        flagged = p >= t
        tp = int((flagged & (y == 1)).sum())
        precision = tp / max(int(flagged.sum()), 1)
        recall = tp / max(int((y == 1).sum()), 1)
        f1 = 2 * precision * recall / max(precision + recall, 1e-9)
        goal = (round(min(precision, recall), 3), f1)
        if goal > best[3]:
            best = (float(round(t, 2)), precision, recall, goal)
    return best[:3]


def cross_validate(X, y, groups) -> np.ndarray:
    """Out-of-fold probabilities, folds grouped by family."""
    oof = np.zeros(len(y))
    for train, test in GroupKFold(n_splits=FOLDS).split(X, y, groups):
        model = fit(X[train], y[train], 0.5, {})
        oof[test] = model.probability(X[test])
    return oof


def train(directory: Path = CORPUS_DIR) -> tuple[DecisionModel, dict]:
    """Fit the model on the whole corpus; report cross-validated figures over families."""
    corpus = load_corpus(directory)
    portfolios = [portfolio_of(part) for part in corpus.parts]
    prior = _pooled_background(portfolios)
    matrices, worded, labels, families, vetoed = [], [], [], [], []
    for portfolio in portfolios:
        pairs, y_part, groups_part, _codes = training_pairs(corpus, portfolio)
        X_part, worded_part = portfolio.matrix(pairs, prior)
        matrices.append(X_part)
        worded.append(worded_part)
        labels.append(y_part)
        families.append(groups_part)
        vetoed.append(_vetoed(portfolio, pairs))
    X, y, groups = np.vstack(matrices), np.concatenate(labels), np.concatenate(families)
    # Pairs a rule decides (features.relation: a later phase, another county) are never
    # flagged: the model is fitted on the pairs left open, and the rule's pairs count as
    # unflagged in the figures.
    vetoed = np.concatenate(vetoed)
    # Pairs worded the same are scored at least the share of them that are duplicates
    # (Laplace-smoothed), in the figures as in the product (DecisionModel.decide).
    same = (np.concatenate(worded) > 0) & ~vetoed
    same_probability = round((int(y[same].sum()) + 1) / (int(same.sum()) + 2), 3)
    oof = np.zeros(len(y))
    oof[~vetoed] = cross_validate(X[~vetoed], y[~vetoed], groups[~vetoed])
    oof[same] = np.maximum(oof[same], same_probability)
    threshold, precision, recall = best_threshold(y, oof)
    report = {"proposals": len(corpus.proposals), "families": len(set(groups)),
              "labeled_duplicates": len(corpus.duplicates),
              "labeled_negatives": len(corpus.negatives), "training_pairs": int((~vetoed).sum()),
              "pairs_decided_by_rule": int(vetoed.sum()),
              "same_wording_pairs": int(same.sum()),
              "same_wording_duplicates": int(y[same].sum()),
              "same_wording_probability": same_probability,
              "cv_folds": FOLDS, "cv_precision": round(precision, 3),
              "cv_recall": round(recall, 3),
              "cv_average_precision": round(float(average_precision_score(y, oof)), 3),
              "threshold": threshold, "portfolios": len(portfolios), "background": prior,
              "corpus_sha256": corpus.digest}
    return fit(X[~vetoed], y[~vetoed], threshold, report), report


def _vetoed(portfolio: Portfolio, pairs: np.ndarray) -> np.ndarray:
    entries = portfolio.entries
    return np.array([relation(entries[i], entries[j]) is not None for i, j in pairs.tolist()],
                    dtype=bool)


def _pooled_background(portfolios: list) -> dict:
    """The parts' typical neighbour similarity, weighted by their sizes."""
    sizes = [len(p) for p in portfolios]
    values = [background(p) for p in portfolios]
    return {kind: round(sum(v[kind] * n for v, n in zip(values, sizes)) / max(sum(sizes), 1), 4)
            for kind in values[0]} if values else {}


def evaluate(proposals: list, duplicates: set, model: DecisionModel) -> dict:
    """Precision and recall of the scan's decision on a labeled set (codes as in `duplicates`)."""
    portfolio = portfolio_of(proposals)
    pairs = portfolio.candidate_pairs(RETRIEVE_K, RETRIEVE_K_WORDS)
    p = model.decide(*portfolio.matrix(pairs, model.background))
    p[_vetoed(portfolio, pairs)] = 0.0
    found = {tuple(sorted((portfolio.entries[i].code, portfolio.entries[j].code)))
             for (i, j), score in zip(pairs.tolist(), p) if score >= model.threshold}
    tp = len(found & duplicates)
    return {"flagged": len(found), "right": tp,
            "precision": round(tp / max(len(found), 1), 3),
            "recall": round(tp / max(len(duplicates), 1), 3),
            "missed": sorted(duplicates - found), "false": sorted(found - duplicates)}
