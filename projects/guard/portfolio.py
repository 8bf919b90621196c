"""The portfolio as the guard holds it in memory: one row per project with its three sentence
vectors, its word and character TF-IDF rows, and its analysed text.

Retrieval is by meaning (cosine of the combined unit vectors) and by words (TF-IDF cosine);
the scan compares every row with its nearest rows block by block, so memory is bounded by the
block, not the portfolio squared. No database and no Flask here: the index (index.py) fills
it from stored rows, the training command from the corpus.
"""
import threading
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from projects.guard.features import Side
from projects.guard.text import TextFeatures

REFIT_GROWTH = 1.5  # refit the TF-IDF vocabularies when the portfolio grew by half
SMALL = 500  # below this many rows, refit on every change (cheap, and keeps IDF right)


@dataclass
class Entry:
    """One project as the guard sees it."""

    id: int
    code: str
    name: str
    department_id: object
    task: str | None
    category: str | None
    features: TextFeatures
    reuses: frozenset = frozenset()  # ids of projects it builds on (reuse links)
    data_produced: frozenset = frozenset()  # names of data items it produces
    status: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def meta(self):
        return (self.features, self.department_id, self.task, self.category, self.name)


def _tokens(tokens):
    return tokens


def char_text(features: TextFeatures) -> str:
    m = features.masked
    return " ".join((m["name"], m["name"], m["capabilities"], m["description"]))


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """The retrieval vector of each project: its three field vectors summed, unit length."""
    total = np.asarray(vectors, dtype=np.float32).sum(axis=1)
    norms = np.linalg.norm(total, axis=1, keepdims=True)
    return np.divide(total, norms, out=np.zeros_like(total), where=norms > 0)


class Portfolio:
    def __init__(self, dim: int = 384):
        self.dim = dim
        self.entries: list[Entry | None] = []
        self.row_of: dict[int, int] = {}
        self.vectors = np.zeros((0, 3, dim), dtype=np.float16)
        self.unit = np.zeros((0, dim), dtype=np.float32)
        self.words_vectorizer = self.chars_vectorizer = None
        self.words = self.chars = self.names = None
        self.fitted_size = 0
        self.generation = 0
        self.lock = threading.RLock()

    def __len__(self):
        return len(self.row_of)

    # --- building ----------------------------------------------------------------------------

    def build(self, entries: list[Entry], vectors: np.ndarray) -> None:
        """Replace everything with these entries and their (n, 3, dim) vectors."""
        with self.lock:
            self.entries = list(entries)
            self.row_of = {e.id: i for i, e in enumerate(entries)}
            self.vectors = np.asarray(vectors, dtype=np.float16).reshape(len(entries), 3, -1)
            self.unit = unit_rows(self.vectors)
            self._refit()
            self.generation += 1

    def _refit(self) -> None:
        live = [e for e in self.entries if e is not None]
        self.words_vectorizer = TfidfVectorizer(analyzer=_tokens, sublinear_tf=True, min_df=1)
        self.chars_vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(2, 2),
                                                sublinear_tf=True, min_df=1)
        if live:
            self.words_vectorizer.fit([e.features.tokens or ["∅"] for e in live])
            self.chars_vectorizer.fit([char_text(e.features) or "∅∅" for e in live])
        self.fitted_size = len(live)
        self.words = self._transform_words(self.entries)
        self.chars = self._transform_chars(self.entries)
        self.names = self._transform_names(self.entries)

    def _transform_words(self, entries):
        if not self.fitted_size:
            return sp.csr_matrix((len(entries), 1), dtype=np.float32)
        tokens = [e.features.tokens if e is not None else [] for e in entries]
        return self.words_vectorizer.transform(tokens).astype(np.float32).tocsr()

    def _transform_names(self, entries):
        if not self.fitted_size:
            return sp.csr_matrix((len(entries), 1), dtype=np.float32)
        tokens = [e.features.name_tokens if e is not None else [] for e in entries]
        return self.words_vectorizer.transform(tokens).astype(np.float32).tocsr()

    def _transform_chars(self, entries):
        if not self.fitted_size:
            return sp.csr_matrix((len(entries), 1), dtype=np.float32)
        texts = [char_text(e.features) if e is not None else "" for e in entries]
        return self.chars_vectorizer.transform(texts).astype(np.float32).tocsr()

    def put(self, entry: Entry, vectors: np.ndarray) -> None:
        """Add or replace one project."""
        with self.lock:
            self.remove(entry.id)
            row = len(self.entries)
            self.entries.append(entry)
            self.row_of[entry.id] = row
            block = np.asarray(vectors, dtype=np.float16).reshape(1, 3, -1)
            self.vectors = np.concatenate([self.vectors, block])
            self.unit = np.concatenate([self.unit, unit_rows(block)])
            if len(self.row_of) < SMALL or len(self.row_of) > REFIT_GROWTH * self.fitted_size:
                self._refit()
            else:
                self.words = sp.vstack([self.words, self._transform_words([entry])]).tocsr()
                self.chars = sp.vstack([self.chars, self._transform_chars([entry])]).tocsr()
                self.names = sp.vstack([self.names, self._transform_names([entry])]).tocsr()
            self.generation += 1

    def remove(self, project_id: int) -> None:
        with self.lock:
            row = self.row_of.pop(project_id, None)
            if row is None:
                return
            self.entries[row] = None
            self.unit[row] = 0
            for matrix in (self.words, self.chars, self.names):
                matrix.data[matrix.indptr[row]:matrix.indptr[row + 1]] = 0
            self.generation += 1

    def compact(self) -> None:
        """Drop removed rows once they are many."""
        with self.lock:
            if len(self.entries) <= 2 * max(len(self.row_of), 1000):
                return
            keep = [i for i, e in enumerate(self.entries) if e is not None]
            self.build([self.entries[i] for i in keep], self.vectors[keep])

    # --- reading -----------------------------------------------------------------------------

    def meaning_vectors(self) -> np.ndarray:
        """The name-and-description vectors (float32), live rows only (removed rows are 0)."""
        cached = getattr(self, "_meaning", None)
        if cached is None or cached[0] != self.generation:
            vectors = self.vectors[:, 1].astype(np.float32)
            vectors[[e is None for e in self.entries]] = 0
            cached = self._meaning = (self.generation, vectors, {})
        return cached[1]

    def nearest(self, rows) -> np.ndarray:
        """(len(rows), NEIGHBOURS) the best similarities of each row to other rows, best
        first (-1 where the portfolio is smaller); memoised until the portfolio changes."""
        vectors = self.meaning_vectors()
        memo = self._meaning[2]
        rows = np.asarray(rows, dtype=np.int64)
        todo = np.unique([r for r in rows.tolist() if r not in memo])
        for start in range(0, len(todo), 1024):
            chunk = todo[start:start + 1024]
            sims = vectors[chunk] @ vectors.T
            sims[np.arange(len(chunk)), chunk] = -1
            for r, row in zip(chunk.tolist(), self._best(sims)):
                memo[r] = row
        return np.stack([memo[r] for r in rows.tolist()]) if len(rows) else \
            np.zeros((0, NEIGHBOURS), dtype=np.float32)

    @staticmethod
    def _best(sims: np.ndarray) -> np.ndarray:
        k = min(NEIGHBOURS, sims.shape[1])
        top = -np.partition(-sims, k - 1, axis=1)[:, :k] if k else sims[:, :0]
        top = -np.sort(-top, axis=1)
        if k < NEIGHBOURS:
            top = np.hstack([top, -np.ones((len(sims), NEIGHBOURS - k), dtype=sims.dtype)])
        return top.astype(np.float32)

    def query_ranks(self, vectors: np.ndarray, rows: np.ndarray, own_row=None) -> np.ndarray:
        """rank_columns of an outside proposal (its three vectors) against candidate rows."""
        meaning = self.meaning_vectors()
        query = np.asarray(vectors, dtype=np.float32).reshape(3, -1)[1]
        sims = meaning @ query
        if own_row is not None:
            sims[own_row] = -1
        near_q = self._best(sims[None, :])
        own = sims[rows]
        return rank_columns(own, np.repeat(near_q, len(rows), axis=0), self.nearest(rows))

    def side(self, rows) -> Side:
        rows = np.asarray(rows, dtype=np.int64)
        return Side(self.vectors[rows], self.words[rows], self.chars[rows], self.names[rows],
                    [self.entries[i].meta for i in rows])

    def query_side(self, entry: Entry, vectors: np.ndarray, repeat: int) -> Side:
        """The proposal under check, repeated to align with `repeat` candidates."""
        vectors = np.asarray(vectors, dtype=np.float32).reshape(1, 3, -1)
        words = self._transform_words([entry])
        chars = self._transform_chars([entry])
        names = self._transform_names([entry])
        index = np.zeros(repeat, dtype=np.int64)
        return Side(np.repeat(vectors, repeat, axis=0), words[index], chars[index],
                    names[index], [entry.meta] * repeat)

    def candidates(self, entry: Entry, vectors: np.ndarray, k: int) -> np.ndarray:
        """Rows nearest to a proposal by meaning and by words (up to k of each)."""
        with self.lock:
            n = len(self.entries)
            if not n:
                return np.zeros(0, dtype=np.int64)
            meaning = self.unit @ unit_rows(np.asarray(vectors).reshape(1, 3, -1))[0]
            words = np.asarray((self.words @ self._transform_words([entry]).T).todense()).ravel()
            rows = set()
            for sims in (meaning, words):
                top = _top(sims, k)
                rows.update(int(r) for r in top if sims[r] > 0)
            own = self.row_of.get(entry.id)
            rows.discard(own)
            return np.array(sorted(r for r in rows if self.entries[r] is not None),
                            dtype=np.int64)

    def candidate_pairs(self, k: int, k_words: int, block_cells: int = 16_000_000):
        """Every row's k nearest rows by meaning and k_words by words, as unique (i, j) pairs
        with i < j; computed in blocks of rows so memory stays bounded."""
        with self.lock:
            n = len(self.entries)
            live = np.array([e is not None for e in self.entries], dtype=bool)
            block = max(32, min(2048, block_cells // max(n, 1)))
            found = []
            words_t = self.words.T.tocsr()
            for start in range(0, n, block):
                stop = min(n, start + block)
                meaning = self.unit[start:stop] @ self.unit.T
                lexical = (self.words[start:stop] @ words_t).toarray() if k_words else None
                for sims, kk in ((meaning, k), (lexical, k_words)):
                    if sims is None or not kk:
                        continue
                    sims[:, ~live] = -1
                    sims[np.arange(stop - start), np.arange(start, stop)] = -1
                    top = np.argpartition(-sims, min(kk, n - 1) - 1, axis=1)[:, :kk] \
                        if n > 1 else np.zeros((stop - start, 0), dtype=np.int64)
                    rows = np.repeat(np.arange(start, stop), top.shape[1])
                    cols = top.ravel()
                    good = sims[rows - start, cols] > 0
                    found.append(np.stack([rows[good], cols[good]], axis=1))
            if not found:
                return np.zeros((0, 2), dtype=np.int64)
            pairs = np.concatenate(found)
            pairs = pairs[live[pairs[:, 0]]]
            pairs.sort(axis=1)
            return np.unique(pairs, axis=0)


NEIGHBOURS = 10  # the nearest similarities kept per row for the rank features


def rank_columns(own: np.ndarray, near_a: np.ndarray, near_b: np.ndarray, top: int = 5):
    """Where a pair stands among its sides' nearest (rows of `near_*`, best first): both each
    other's nearest, either's nearest, log of the worse rank (capped), and the similarity's
    margin over the mean of each side's `top` nearest. A duplicate is usually its partner's
    nearest project; these read the portfolio, not only the pair."""
    rank_a = (near_a > own[:, None] + 1e-6).sum(axis=1)
    rank_b = (near_b > own[:, None] + 1e-6).sum(axis=1)
    worse = np.maximum(rank_a, rank_b)
    margin = own - np.maximum(_near_mean(near_a[:, :top], own), _near_mean(near_b[:, :top], own))
    return np.column_stack([worse == 0, np.minimum(rank_a, rank_b) == 0,
                            np.log1p(worse), margin]).astype(np.float32)


def _near_mean(near: np.ndarray, own: np.ndarray) -> np.ndarray:
    """The mean of the real neighbours (-1 pads a portfolio smaller than NEIGHBOURS); a row
    with none compares with the pair itself (margin 0), not with the padding."""
    real = near > -1
    count = real.sum(axis=1)
    total = np.where(real, near, 0).sum(axis=1)
    return np.where(count > 0, total / np.maximum(count, 1), own)


def rank_features(portfolio: "Portfolio", pairs: np.ndarray) -> np.ndarray:
    """rank_columns for pairs of rows of the portfolio."""
    if not len(pairs):
        return np.zeros((0, 4), dtype=np.float32)
    vectors = portfolio.meaning_vectors()
    own = np.einsum("md,md->m", vectors[pairs[:, 0]], vectors[pairs[:, 1]])
    return rank_columns(own, portfolio.nearest(pairs[:, 0]), portfolio.nearest(pairs[:, 1]))


def _top(values: np.ndarray, k: int) -> np.ndarray:
    k = min(k, len(values))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    return np.argpartition(-values, k - 1)[:k]
