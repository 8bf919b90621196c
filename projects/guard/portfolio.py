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

from projects.guard.features import FEATURES, Side, counties_of, pair_matrix
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
    home_county: str | None = None  # GUARD_HOME_COUNTY for the office's own departments

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
        self.text_keys = np.zeros(0, dtype=np.int64)  # rows with equal keys hold the same text
        self.words_vectorizer = self.chars_vectorizer = None
        self.words = self.chars = None
        self.fitted_size = 0
        self._near = {kind: _Neighbours(0) for kind in KINDS}
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
            self.text_keys = np.array([_text_key(v) for v in self.vectors], dtype=np.int64)
            self._refit()
            self._near = {kind: _Neighbours(len(self.entries)) for kind in KINDS}
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

    def _transform_words(self, entries):
        if not self.fitted_size:
            return sp.csr_matrix((len(entries), 1), dtype=np.float32)
        tokens = [e.features.tokens if e is not None else [] for e in entries]
        return self.words_vectorizer.transform(tokens).astype(np.float32).tocsr()

    def query_words(self, entry: Entry):
        """The TF-IDF row of a proposal under check, kept on the entry while the vocabulary
        stands (a check reads it three times)."""
        key = ("words", id(self.words_vectorizer), self.fitted_size)
        if entry.extra.get("words_key") != key:
            entry.extra.update(words_key=key, words=self._transform_words([entry]))
        return entry.extra["words"]

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
            self.text_keys = np.append(self.text_keys, _text_key(block[0]))
            refit = len(self.row_of) < SMALL or len(self.row_of) > REFIT_GROWTH * self.fitted_size
            if refit:
                self._refit()
            else:
                self.words = sp.vstack([self.words, self._transform_words([entry])]).tocsr()
                self.chars = sp.vstack([self.chars, self._transform_chars([entry])]).tocsr()
            self.generation += 1
            for kind, near in self._near.items():
                near.grow()
                if kind == "words" and refit:
                    near.forget_all()  # new vocabulary: new word similarities
                elif self._memo()["distinct"][row]:
                    near.offer(row, self._similarities_to(kind, row))

    def remove(self, project_id: int) -> None:
        with self.lock:
            row = self.row_of.pop(project_id, None)
            if row is None:
                return
            self.entries[row] = None
            self.unit[row] = 0
            for matrix in (self.words, self.chars):
                matrix.data[matrix.indptr[row]:matrix.indptr[row + 1]] = 0
            for near in self._near.values():
                near.forget(row)
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
        return self._memo()["meaning"]

    def live(self) -> np.ndarray:
        return self._memo()["live"]

    def _memo(self) -> dict:
        """Per-generation reading caches: vectors of live rows, which live rows stand for
        their text (the first of its copies), the transposed word matrix."""
        cached = getattr(self, "_cache", None)
        if cached is None or cached["generation"] != self.generation:
            live = np.array([e is not None for e in self.entries], dtype=bool)
            vectors = self.vectors[:, 1].astype(np.float32)
            vectors[~live] = 0
            rows = np.flatnonzero(live)
            distinct = np.zeros(len(live), dtype=bool)
            distinct[rows[np.unique(self.text_keys[rows], return_index=True)[1]]] = True
            cached = self._cache = {"generation": self.generation, "meaning": vectors,
                                    "live": live, "distinct": distinct, "words_t": None}
        return cached

    def similarities(self, kind: str, rows) -> np.ndarray:
        """(len(rows), n) similarities of rows to every row, by meaning or by words; removed
        rows, each row itself, the copies of its text (the same system filed again: the same
        text key) and all but the first row of every other text are -1:
        a text filed in many places is one neighbour, and never its own, so its copies do
        not push its reworded duplicate out of its neighbourhood."""
        memo = self._memo()
        rows = np.asarray(rows, dtype=np.int64)
        if kind == "meaning":
            vectors = memo["meaning"]
            sims = vectors[rows] @ vectors.T
        else:
            if memo["words_t"] is None:
                memo["words_t"] = self.words.T.tocsr()
            sims = (self.words[rows] @ memo["words_t"]).toarray().astype(np.float32)
        # copies of its text (they would hide its duplicate), itself included
        sims[self.text_keys[rows, None] == self.text_keys[None, :]] = -1
        sims[:, ~memo["distinct"]] = -1  # a text filed many times is one neighbour
        return sims

    def _similarities_to(self, kind: str, row: int) -> np.ndarray:
        """One row's similarities to every row (as similarities(), without the transposed
        word matrix a block needs)."""
        memo = self._memo()
        if kind == "meaning":
            sims = memo["meaning"] @ memo["meaning"][row]
        else:
            sims = np.asarray((self.words @ self.words[row].T).todense(), dtype=np.float32).ravel()
        sims[self.text_keys == self.text_keys[row]] = -1
        sims[~memo["distinct"]] = -1
        return sims

    def nearest(self, rows, kind: str = "meaning") -> tuple[np.ndarray, np.ndarray]:
        """(rows, sims), each (len(rows), NEIGHBOURS): every row's nearest other rows by
        meaning or by words, best first (row -1, similarity -1 where the portfolio is
        smaller); kept across changes (put offers the new row, remove forgets the lists that
        held the removed one)."""
        near = self._near[kind]
        rows = np.asarray(rows, dtype=np.int64)
        todo = np.unique(rows[~near.known[rows]]) if len(rows) else rows
        for start in range(0, len(todo), 512):
            chunk = todo[start:start + 512]
            near.store(chunk, *_best(self.similarities(kind, chunk)))
        return near.rows[rows], near.sims[rows]

    def work_out_neighbours(self, chunk: int = 512) -> int:
        """Every live row's neighbour lists, worked out ahead of the checks that read them (a
        candidate's first read is one portfolio-wide product per kind, the tail of a cold
        check). Takes the lock a chunk at a time, so checks run in between. Returns the rows
        worked out."""
        done = 0
        for kind in KINDS:
            while True:
                with self.lock:
                    todo = np.flatnonzero(~self._near[kind].known & self.live())[:chunk]
                    if not len(todo):
                        break
                    self.nearest(todo, kind)
                    done += len(todo)
        return done

    def query_ranks(self, entry: Entry, vectors: np.ndarray, rows: np.ndarray,
                    background=None) -> np.ndarray:
        """rank_columns of an outside proposal (its entry and three vectors) against
        candidate rows; its own stored row, if any, is not its neighbour."""
        own_row = self.row_of.get(entry.id)
        memo = self._memo()
        query = np.asarray(vectors, dtype=np.float32).reshape(3, -1)[1]
        query_key = _text_key(np.asarray(vectors, dtype=np.float16).reshape(3, -1))
        meaning_of_query = memo["meaning"] @ query
        columns = []
        for kind in KINDS:
            if kind == "meaning":
                sims = meaning_of_query.copy()
            else:
                sims = np.asarray((self.words @ self.query_words(entry).T).todense(),
                                  dtype=np.float32).ravel()
            sims[~memo["distinct"]] = -1  # as in similarities()
            sims[self.text_keys == query_key] = -1
            if own_row is not None:
                sims[own_row] = -1
            near_rows, near_sims = _best(sims[None, :])
            near_query = (np.repeat(near_rows, len(rows), axis=0),
                          np.repeat(near_sims, len(rows), axis=0))
            near_b = self.nearest(rows, kind)
            b_copies = copies(memo["meaning"], near_query[0], memo["meaning"][rows])
            query_copies = (meaning_of_query[np.maximum(near_b[0], 0)] >= SAME_TEXT) & (
                near_b[0] >= 0) | (near_b[0] == (-2 if own_row is None else own_row))
            columns.append(rank_columns(sims[rows], near_query, b_copies, near_b,
                                        query_copies, _prior(background, kind)))
        return np.hstack(columns)

    def side(self, rows) -> Side:
        rows = np.asarray(rows, dtype=np.int64)
        return Side(self.vectors[rows], self.words[rows], self.chars[rows],
                    [self.entries[i].meta for i in rows])

    def matrix(self, pairs: np.ndarray, background=None) -> tuple[np.ndarray, np.ndarray]:
        """features.pair_matrix of pairs of rows of the portfolio."""
        if not len(pairs):
            return np.zeros((0, len(FEATURES)), dtype=np.float32), np.zeros(0, dtype=np.float32)
        return pair_matrix(self.side(pairs[:, 0]), self.side(pairs[:, 1]),
                           rank_features(self, pairs, background))

    def query_side(self, entry: Entry, vectors: np.ndarray, repeat: int) -> Side:
        """The proposal under check, repeated to align with `repeat` candidates."""
        vectors = np.asarray(vectors, dtype=np.float32).reshape(1, 3, -1)
        words = self.query_words(entry)
        chars = self._transform_chars([entry])
        index = np.zeros(repeat, dtype=np.int64)
        return Side(np.repeat(vectors, repeat, axis=0), words[index], chars[index],
                    [entry.meta] * repeat)

    def candidates(self, entry: Entry, vectors: np.ndarray, k: int) -> np.ndarray:
        """Rows nearest to a proposal by meaning and by words (up to k of each)."""
        with self.lock:
            n = len(self.entries)
            if not n:
                return np.zeros(0, dtype=np.int64)
            meaning = self.unit @ unit_rows(np.asarray(vectors).reshape(1, 3, -1))[0]
            words = np.asarray((self.words @ self.query_words(entry).T).todense()).ravel()
            rows = set()
            for sims in (meaning, words):
                top = _top(sims, k)
                rows.update(int(r) for r in top if sims[r] > 0)
            own = self.row_of.get(entry.id)
            rows.discard(own)
            return np.array(sorted(r for r in rows if self.entries[r] is not None),
                            dtype=np.int64)

    def candidate_pairs(self, k: int, k_words: int, block_cells: int = 4_000_000):
        """Every row's k nearest rows by meaning and k_words by words, as unique (i, j) pairs
        with i < j; computed in blocks of rows so memory stays bounded."""
        with self.lock:
            n = len(self.entries)
            live = np.array([e is not None for e in self.entries], dtype=bool)
            block = max(32, min(2048, block_cells // max(n, 1)))
            found = [self._copy_pairs(live)]
            words_t = self.words.T.tocsr()
            for start in range(0, n, block):
                stop = min(n, start + block)
                meaning = self.unit[start:stop] @ self.unit.T
                lexical = (self.words[start:stop] @ words_t).toarray() if k_words else None
                # A row's copies are paired by _copy_pairs (the same text key, so a text
                # altered by a word stays a candidate here).
                own_copies = self.text_keys[start:stop, None] == self.text_keys[None, :]
                for sims, kk in ((meaning, k), (lexical, k_words)):
                    if sims is None or not kk:
                        continue
                    sims[own_copies] = -1
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

    def _copy_pairs(self, live: np.ndarray) -> np.ndarray:
        """Pairs of live rows with the same text (the same stored vectors), but not those of
        two different counties: the neighbour blocks leave a row's copies out, so that a
        text filed in many places does not crowd its rewordings out of its candidates."""
        rows = np.flatnonzero(live)
        if len(rows) < 2:
            return np.zeros((0, 2), dtype=np.int64)
        group = np.unique(self.text_keys[rows], return_inverse=True)[1].ravel()
        county = np.array([_county(self.entries[r]) for r in rows], dtype=object)
        order = np.argsort(group, kind="stable")
        bounds = np.flatnonzero(np.diff(group[order])) + 1
        found = []
        for members in np.split(order, bounds):
            if len(members) < 2:
                continue
            i, j = np.triu_indices(len(members), 1)
            a, b = members[i], members[j]
            ca, cb = county[a], county[b]
            keep = np.array([x is None or y is None or x == y for x, y in zip(ca, cb)])
            found.append(np.stack([rows[a[keep]], rows[b[keep]]], axis=1))
        return np.concatenate(found) if found else np.zeros((0, 2), dtype=np.int64)


NEIGHBOURS = 10  # the nearest rows kept per row for the rank features
MARGIN_TOP = 5  # how many of each side's other neighbours its margin compares with
SAME_TEXT = 0.999  # a meaning cosine this high is the same text filed again
KINDS = ("meaning", "words")


class _Neighbours:
    """Each row's NEIGHBOURS nearest rows and similarities, for the rows worked out so far."""

    def __init__(self, n: int):
        self.rows = -np.ones((n, NEIGHBOURS), dtype=np.int64)
        self.sims = -np.ones((n, NEIGHBOURS), dtype=np.float32)
        self.known = np.zeros(n, dtype=bool)

    def grow(self) -> None:
        self.rows = np.vstack([self.rows, -np.ones((1, NEIGHBOURS), dtype=np.int64)])
        self.sims = np.vstack([self.sims, -np.ones((1, NEIGHBOURS), dtype=np.float32)])
        self.known = np.append(self.known, False)

    def store(self, rows, best_rows, best_sims) -> None:
        self.rows[rows], self.sims[rows], self.known[rows] = best_rows, best_sims, True

    def offer(self, new_row: int, sims: np.ndarray) -> None:
        """A new row (its similarities to every row): into the lists it now belongs to."""
        for r in np.flatnonzero(self.known & (sims > self.sims[:, -1])).tolist():
            k = int(np.searchsorted(-self.sims[r], -sims[r]))
            self.rows[r] = np.insert(self.rows[r], k, new_row)[:NEIGHBOURS]
            self.sims[r] = np.insert(self.sims[r], k, sims[r])[:NEIGHBOURS]

    def forget(self, row: int) -> None:
        """A removed row: the lists that held it are worked out again when read."""
        self.known[(self.rows == row).any(axis=1)] = False
        self.known[row] = False

    def forget_all(self) -> None:
        self.known[:] = False


def _best(sims: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The NEIGHBOURS best (rows, similarities) of each row of sims, best first, padded
    with row -1 and similarity -1; rows at -1 (removed, itself) are never among them."""
    k = min(NEIGHBOURS, sims.shape[1])
    top = np.argpartition(-sims, k - 1, axis=1)[:, :k] if k else np.zeros((len(sims), 0), int)
    values = np.take_along_axis(sims, top, axis=1)
    order = np.argsort(-values, axis=1)
    top, values = np.take_along_axis(top, order, axis=1), np.take_along_axis(values, order, 1)
    top = np.where(values > -1, top, -1)
    pad = NEIGHBOURS - k
    if pad:
        top = np.hstack([top, -np.ones((len(sims), pad), dtype=top.dtype)])
        values = np.hstack([values, -np.ones((len(sims), pad), dtype=values.dtype)])
    return top.astype(np.int64), values.astype(np.float32)


def _text_key(vectors: np.ndarray) -> int:
    """Equal for rows of the same text (the embedding of a text is always the same)."""
    return hash(np.ascontiguousarray(vectors).tobytes())


def _county(entry) -> str | None:
    """The one county a row is for, else None."""
    counties = counties_of(entry)
    return next(iter(counties)) if len(counties) == 1 else None


def _prior(background, kind):
    return None if background is None else background.get(kind)


def rank_columns(own, near_a, copies_of_b, near_b, copies_of_a, prior=None) -> np.ndarray:
    """Where each pair stands among its sides' nearest rows: both each other's nearest,
    either's nearest, log of the worse rank, and the margin of its similarity over the mean
    similarity of both sides to their other MARGIN_TOP nearest (a duplicate stands out of its
    neighbourhood; a common kind of system does not). `near_*` are (rows, sims) of each side;
    `copies_of_b` marks the rows of near_a that are b or a copy of b's text (and likewise), so
    a system filed twice does not hide its duplicate. Missing neighbours (a small portfolio)
    count as `prior`, the corpus' typical neighbour similarity, or as the pair itself."""
    rank_a = (near_a[1] > own[:, None] + 1e-6).sum(axis=1)
    rank_b = (near_b[1] > own[:, None] + 1e-6).sum(axis=1)
    worse = np.maximum(rank_a, rank_b)
    context = np.hstack([_others(near_a, copies_of_b), _others(near_b, copies_of_a)])
    fill = own[:, None] if prior is None else np.full((len(own), 1), prior)
    context = np.where(np.isnan(context), fill, context)
    margin = own - context.mean(axis=1)
    return np.column_stack([worse == 0, np.minimum(rank_a, rank_b) == 0,
                            np.log1p(worse), margin]).astype(np.float32)


def _others(near, excluded) -> np.ndarray:
    """(m, MARGIN_TOP) a side's best similarities to rows not excluded, NaN where it has
    fewer neighbours."""
    rows, sims = near
    keep = ~excluded & (rows >= 0)
    ranked = np.where(keep, sims, np.nan)
    order = np.argsort(~keep, axis=1, kind="stable")[:, :MARGIN_TOP]
    return np.take_along_axis(ranked, order, axis=1)


def copies(vectors: np.ndarray, near_rows: np.ndarray, other: np.ndarray) -> np.ndarray:
    """(m, K) which neighbours (rows of `vectors`) have the same text as `other` (m, dim): a
    meaning cosine of SAME_TEXT or more. The other side itself is one."""
    found = np.einsum("mkd,md->mk", vectors[np.maximum(near_rows, 0)], other) >= SAME_TEXT
    return found & (near_rows >= 0)


def rank_features(portfolio: "Portfolio", pairs: np.ndarray, background=None) -> np.ndarray:
    """rank_columns by meaning and by words for pairs of rows of the portfolio."""
    if not len(pairs):
        return np.zeros((0, 4 * len(KINDS)), dtype=np.float32)
    a, b = pairs[:, 0], pairs[:, 1]
    vectors = portfolio.meaning_vectors()
    a_copies = b_copies = None
    columns = []
    for kind in KINDS:
        if kind == "meaning":
            own = np.einsum("md,md->m", vectors[a], vectors[b])
        else:
            own = np.asarray(portfolio.words[a].multiply(portfolio.words[b]).sum(axis=1),
                             dtype=np.float32).ravel()
        near_a, near_b = portfolio.nearest(a, kind), portfolio.nearest(b, kind)
        b_copies = copies(vectors, near_a[0], vectors[b])
        a_copies = copies(vectors, near_b[0], vectors[a])
        columns.append(rank_columns(own, near_a, b_copies, near_b, a_copies,
                                    _prior(background, kind)))
    return np.hstack(columns)


def background(portfolio: "Portfolio") -> dict:
    """The typical similarity of a row to its MARGIN_TOP nearest, by kind (the prior)."""
    rows = np.flatnonzero(portfolio.live())
    result = {}
    for kind in KINDS:
        sims = portfolio.nearest(rows, kind)[1][:, :MARGIN_TOP]
        result[kind] = round(float(sims[sims > -1].mean()), 4) if (sims > -1).any() else 0.0
    return result


def _top(values: np.ndarray, k: int) -> np.ndarray:
    k = min(k, len(values))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    return np.argpartition(-values, k - 1)[:k]
