"""The portfolio as the guard sees it, in memory per worker, refreshed incrementally.

Candidates come from a dense matrix of concept weights (one row per project, numpy), so one
check is a matrix-vector product and the portfolio scan a blocked matrix product; only the
candidates are then scored with evidence. Term weights use IDF over the current portfolio.
A worker compares its version with guard_version (bumped with every change) and re-reads only
the projects whose updated_at moved, so no check rebuilds the index and workers agree.
"""
import math
import threading
from collections import Counter

import numpy as np

from projects.guard.analysis import analyse, dictionary
from projects.guard.scoring import Doc, quick_score, relation, score_pair, term_vector


class GuardIndex:
    def __init__(self):
        d = dictionary()
        self.width = len(d.concepts)
        self.concept_index = d.concept_index
        self.docs: list[Doc | None] = []
        self.row_of: dict[int, int] = {}
        self.stamp: dict[int, object] = {}  # project id -> updated_at seen
        self.matrix = np.zeros((0, self.width), dtype=np.float32)  # raw concept weights
        self.df = Counter()
        self.concept_df = Counter()
        self.version = None
        self.generation = 0  # moves with every put/remove: IDF-derived caches follow it
        self._weighted = (None, None)  # (generation, IDF-weighted unit rows)
        self._vectors: dict[int, tuple[int, dict]] = {}  # project id -> (generation, tf-idf)
        self._idf_cache = (None, {}, {})  # (generation, term idf, concept idf)
        self.lock = threading.RLock()

    # --- building -------------------------------------------------------------------------

    def raw_vector(self, features) -> np.ndarray:
        row = np.zeros(self.width, dtype=np.float32)
        for concept, weight in features.concepts.items():
            row[self.concept_index[concept]] = weight
        return row

    def put(self, doc: Doc, stamp=None) -> None:
        """Add or replace one project."""
        with self.lock:
            self.remove(doc.id)
            row = len(self.docs)
            self.docs.append(doc)
            self.row_of[doc.id] = row
            self.stamp[doc.id] = stamp
            if row >= self.matrix.shape[0]:
                grown = np.zeros((max(64, 2 * self.matrix.shape[0]), self.width), dtype=np.float32)
                grown[:self.matrix.shape[0]] = self.matrix
                self.matrix = grown
            self.matrix[row] = self.raw_vector(doc.features)
            self.df.update(doc.features.terms.keys())
            self.concept_df.update(doc.features.concepts.keys())
            self.generation += 1

    def remove(self, project_id: int) -> None:
        with self.lock:
            row = self.row_of.pop(project_id, None)
            if row is None:
                return
            doc = self.docs[row]
            self.df.subtract(doc.features.terms.keys())
            self.concept_df.subtract(doc.features.concepts.keys())
            self.docs[row] = None
            self.matrix[row] = 0
            self.stamp.pop(project_id, None)
            self.generation += 1

    def __len__(self):
        return len(self.row_of)

    def idf(self, term: str) -> float:
        return self._cached_idf(1, term, self.df)

    def concept_idf(self, concept: str) -> float:
        return self._cached_idf(2, concept, self.concept_df)

    def _cached_idf(self, slot: int, key: str, df: Counter) -> float:
        """IDF over the current portfolio, cached until the next put or remove."""
        if self._idf_cache[0] != self.generation:
            self._idf_cache = (self.generation, {}, {})
        cache = self._idf_cache[slot]
        value = cache.get(key)
        if value is None:
            value = cache[key] = math.log((1 + len(self.row_of)) / (1 + df.get(key, 0))) + 1.0
        return value

    def _idf_row(self) -> np.ndarray:
        d = dictionary()
        return np.array([self.concept_idf(c) for c in d.concepts], dtype=np.float32)

    def weighted(self) -> np.ndarray:
        """Concept rows scaled by IDF and made unit length: row @ row' is the concept cosine."""
        generation, matrix = self._weighted
        if generation != self.generation:
            matrix = self.matrix[:len(self.docs)] * self._idf_row()
            norms = np.linalg.norm(matrix, axis=1, keepdims=True)
            matrix = np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)
            self._weighted = (self.generation, matrix)
        return matrix

    def query_vector(self, features) -> np.ndarray:
        row = self.raw_vector(features) * self._idf_row()
        norm = np.linalg.norm(row)
        return row / norm if norm else row

    def term_vector(self, doc: Doc) -> dict:
        cached = self._vectors.get(doc.id)
        if cached is None or cached[0] != self.generation or doc.id < 0:
            cached = (self.generation, term_vector(doc.features.terms, self.idf))
            if doc.id in self.row_of:
                self._vectors[doc.id] = cached
        return cached[1]

    # --- querying -------------------------------------------------------------------------

    def matches(self, doc: Doc, weights: dict, threshold: float, limit: int = 10,
                candidates: int = 200) -> list[tuple[Doc, float, dict]]:
        """The projects most likely to build the same capability as `doc`, above the threshold,
        not counting those it builds on (consumers) or continues (phases)."""
        with self.lock:
            used = len(self.docs)
            if not used:
                return []
            sims = self.weighted() @ self.query_vector(doc.features)
            if doc.id in self.row_of:
                sims[self.row_of[doc.id]] = -1
            top = np.argpartition(-sims, min(candidates, used) - 1)[:candidates]
            mine = term_vector(doc.features.terms, self.idf)
            found = []
            for row in top:
                other = self.docs[int(row)]
                if other is None or sims[row] <= 0:
                    continue
                score = quick_score(doc, other, float(sims[row]), mine, self.term_vector(other),
                                    weights)
                if score >= threshold and relation(doc, other) is None:
                    found.append((other, score))
            found.sort(key=lambda m: (-m[1], m[0].code))
            return [(other, *score_pair(doc, other, self.idf, self.concept_idf, weights,
                                        (mine, self.term_vector(other))))
                    for other, _score in found[:limit]]

    def scan(self, weights: dict, threshold: float, per_project: int = 10, block: int = 1024):
        """Every suspected pair once, (a, b, score), highest score first. Each project is
        compared with its `per_project` nearest in concepts (a blocked matrix product)."""
        with self.lock:
            used = len(self.docs)
            matrix = self.weighted()
            vectors = [self.term_vector(doc) if doc is not None else None for doc in self.docs]
            seen, pairs = set(), []
            k = min(per_project + 1, used)
            for start in range(0, used, block):
                sims = matrix[start:start + block] @ matrix.T
                top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
                for offset, rows in enumerate(top):
                    i = start + offset
                    a = self.docs[i]
                    if a is None:
                        continue
                    for j in rows.tolist():
                        if j == i or self.docs[j] is None or sims[offset, j] <= 0:
                            continue
                        key = (i, j) if i < j else (j, i)
                        if key in seen:
                            continue
                        seen.add(key)
                        b = self.docs[j]
                        score = quick_score(a, b, float(sims[offset, j]), vectors[i],
                                            vectors[j], weights)
                        if score >= threshold and relation(a, b) is None:
                            pairs.append((a, b, score) if a.code <= b.code else (b, a, score))
            pairs.sort(key=lambda p: (-p[2], p[0].code, p[1].code))
            return pairs

    def explain(self, a: Doc, b: Doc, weights: dict) -> tuple[float, dict]:
        return score_pair(a, b, self.idf, self.concept_idf, weights,
                          (self.term_vector(a), self.term_vector(b)))


def make_doc(project_id, code, name, department_id, task, category, status, capabilities,
             description, reuses=(), data_produced=()) -> Doc:
    return Doc(id=project_id, code=code, name=name, department_id=department_id, task=task,
               category=category, status=status,
               features=analyse(name, capabilities, description),
               reuses=frozenset(reuses), data_produced=frozenset(data_produced))
