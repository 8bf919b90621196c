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
from projects.guard.scoring import Doc, score_pair


class GuardIndex:
    def __init__(self):
        d = dictionary()
        self.width = len(d.concepts)
        self.concept_index = d.concept_index
        self.docs: list[Doc | None] = []
        self.row_of: dict[int, int] = {}
        self.stamp: dict[int, object] = {}  # project id -> updated_at seen
        self.matrix = np.zeros((0, self.width), dtype=np.float32)
        self.df = Counter()
        self.concept_df = Counter()
        self.version = None
        self.lock = threading.RLock()

    # --- building -------------------------------------------------------------------------

    def vector(self, features) -> np.ndarray:
        row = np.zeros(self.width, dtype=np.float32)
        for concept, weight in features.concepts.items():
            row[self.concept_index[concept]] = weight
        norm = np.linalg.norm(row)
        return row / norm if norm else row

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
            self.matrix[row] = self.vector(doc.features)
            self.df.update(doc.features.terms.keys())
            self.concept_df.update(doc.features.concepts.keys())

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

    def __len__(self):
        return len(self.row_of)

    def idf(self, term: str) -> float:
        return math.log((1 + len(self.row_of)) / (1 + self.df.get(term, 0))) + 1.0

    def concept_idf(self, concept: str) -> float:
        return math.log((1 + len(self.row_of)) / (1 + self.concept_df.get(concept, 0))) + 1.0

    # --- querying -------------------------------------------------------------------------

    def candidates(self, vector: np.ndarray, limit: int, exclude: int | None = None):
        """Rows most similar in concepts, best first."""
        used = len(self.docs)
        if not used:
            return []
        scores = self.matrix[:used] @ vector
        if exclude is not None and exclude in self.row_of:
            scores[self.row_of[exclude]] = -1
        limit = min(limit, used)
        top = np.argpartition(-scores, limit - 1)[:limit]
        top = top[np.argsort(-scores[top])]
        return [int(r) for r in top if scores[r] > 0 and self.docs[r] is not None]

    def matches(self, doc: Doc, weights: dict, threshold: float, limit: int = 10,
                candidates: int = 200) -> list[tuple[Doc, float, dict]]:
        """The projects most likely to build the same capability as `doc`, above the threshold,
        not counting those it builds on (consumers) or continues (phases)."""
        with self.lock:
            found = []
            for row in self.candidates(self.vector(doc.features), candidates, exclude=doc.id):
                other = self.docs[row]
                score, evidence = score_pair(doc, other, self.idf, self.concept_idf, weights)
                if score >= threshold and evidence["relation"] is None:
                    found.append((other, score, evidence))
            found.sort(key=lambda m: -m[1])
            return found[:limit]

    def scan(self, weights: dict, threshold: float, per_project: int = 20, block: int = 512):
        """Every suspected pair once, (a, b, score, evidence), highest score first. Each
        project is compared with its `per_project` nearest in concepts (blocked product)."""
        with self.lock:
            used = len(self.docs)
            matrix = self.matrix[:used]
            seen, pairs = set(), []
            k = min(per_project + 1, used)
            for start in range(0, used, block):
                sims = matrix[start:start + block] @ matrix.T
                if k < used:
                    top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
                else:
                    top = np.tile(np.arange(used), (sims.shape[0], 1))
                for offset, rows in enumerate(top):
                    i = start + offset
                    a = self.docs[i]
                    if a is None:
                        continue
                    for j in rows:
                        j = int(j)
                        if j == i or sims[offset, j] <= 0 or self.docs[j] is None:
                            continue
                        key = (i, j) if i < j else (j, i)
                        if key in seen:
                            continue
                        seen.add(key)
                        b = self.docs[j]
                        score, evidence = score_pair(a, b, self.idf, self.concept_idf, weights)
                        if score >= threshold and evidence["relation"] is None:
                            first, second = (a, b) if a.code <= b.code else (b, a)
                            pairs.append((first, second, score, evidence))
            pairs.sort(key=lambda p: (-p[2], p[0].code, p[1].code))
            return pairs


def make_doc(project_id, code, name, department_id, task, category, status, capabilities,
             description, reuses=(), data_produced=()) -> Doc:
    return Doc(id=project_id, code=code, name=name, department_id=department_id, task=task,
               category=category, status=status,
               features=analyse(name, capabilities, description),
               reuses=frozenset(reuses), data_produced=frozenset(data_produced))
