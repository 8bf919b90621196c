"""Pair features: how two projects compare in meaning, words, place, counts and intent.

Deliberately absent: same plan task, same category, and shared places. In the corpus the
authors filed a system's copies under one task and named the city in both, while real
duplicates across departments are often filed under different tasks and name no place (the
samples): those features fitted the corpus' habits, not the rule, and are shown as evidence
only. Places speak only when they differ.

Computed in bulk for many pairs at once (a check scores its candidates, the scan every
candidate pair) from two aligned `Side`s. The decision model (model.py) turns them into a
probability, and explain.py turns the ones that drove it into reasons.
"""
import os
from dataclasses import dataclass

import numpy as np

from projects.guard.text import level

FEATURES = (
    "name_cos", "description_cos", "capabilities_cos", "cross_cos", "words_cos", "chars_cos",
    "same_department", "territory_conflict", "site_conflict", "shared_counts",
    "uses_other", "reuse_cue", "no_build_cue", "phase_marker", "same_stem",
    "mutual_nearest", "nearest_either", "log_rank", "margin",
    "words_mutual_nearest", "words_nearest_either", "words_log_rank", "words_margin",
)
PAIR_ONLY = len(FEATURES) - 8  # the last eight read the portfolio: portfolio.rank_features
# One proposal filed twice: this share (Dice) of the wording's character pairs in common, and
# neither side names a place, site or figure the other lacks (the same system for another
# township or school differs exactly there). The linear model cannot be trusted on such pairs:
# the corpus' near copies for other sites taught it a negative weight on raw overlap, so an
# exact copy filed by another department scored below the threshold. Measured on the corpus
# (training report).
SAME_WORDING = 0.8
WORDING_GATE = 0.5  # the masked character cosine below which the wording is not compared
KIND_ENDING = 4  # names ending alike over this many characters but led by their own words


@dataclass
class Side:
    """One side of many pairs, row-aligned: vectors (m, 3, dim), sparse word and char rows,
    and the per-project metadata of text.TextFeatures plus department, task and category."""

    vectors: np.ndarray
    words: object
    chars: object
    meta: list  # [(TextFeatures, department_id, task, category, name)]


def _row_dot(a, b) -> np.ndarray:
    return np.asarray(a.multiply(b).sum(axis=1)).ravel()


def _bigrams(text: str) -> set:
    return {text[i:i + 2] for i in range(len(text) - 1)}


def _coverage(used: str, name: str) -> float:
    """The share of the other's name (as character pairs) that this side's used clauses name."""
    grams = _bigrams(name)
    if not grams or not used:
        return 0.0
    return len(grams & _bigrams(used)) / len(grams)


def pair_features(left: Side, right: Side) -> np.ndarray:
    """(m, PAIR_ONLY) float32 for the m row-aligned pairs (all but the rank features)."""
    m = len(left.meta)
    out = np.zeros((m, PAIR_ONLY), dtype=np.float32)
    if not m:
        return out
    a = left.vectors.astype(np.float32)
    b = right.vectors.astype(np.float32)
    out[:, 0:3] = np.einsum("mfd,mfd->mf", a, b)
    out[:, 3] = np.maximum(np.einsum("md,md->m", a[:, 0], b[:, 1]),
                           np.einsum("md,md->m", a[:, 1], b[:, 0]))
    out[:, 4] = _row_dot(left.words, right.words)
    out[:, 5] = _row_dot(left.chars, right.chars)
    for k, ((fa, dept_a, task_a, cat_a, _na), (fb, dept_b, task_b, cat_b, _nb)) in enumerate(
            zip(left.meta, right.meta)):
        out[k, 6:] = _meta_features(fa, dept_a, task_a, cat_a, fb, dept_b, task_b, cat_b)
    return out


def pair_matrix(left: Side, right: Side, ranks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(features, wording overlaps) of row-aligned pairs: pair_features beside the portfolio's
    rank features, and same_wording of each pair; DecisionModel.decide takes both."""
    X = np.hstack([pair_features(left, right), ranks])
    return X, same_wording(left, right, X)


def wording(fa, fb) -> float:
    """The share of character pairs the two raw texts (name, description, tags) have in
    common (Dice): places and numbers included, so another site's copy is not the same."""
    a, b = _bigrams(_worded(fa)), _bigrams(_worded(fb))
    return 2 * len(a & b) / max(len(a) + len(b), 1)


def _worded(features) -> str:
    return features.texts["description"] + "。" + features.texts["capabilities"]


def same_wording(left: Side, right: Side, X: np.ndarray) -> np.ndarray:
    """(m,) the wording overlap of each pair where it says "filed twice" (SAME_WORDING or
    more, no conflict of place or site, no place or figure of its own on either side), else 0."""
    out = np.zeros(len(left.meta), dtype=np.float32)
    chars, places, sites = (FEATURES.index(f) for f in
                            ("chars_cos", "territory_conflict", "site_conflict"))
    open_ = (X[:, chars] >= WORDING_GATE) & (X[:, places] == 0) & (X[:, sites] == 0)
    for k in np.flatnonzero(open_):
        fa, fb = left.meta[k][0], right.meta[k][0]
        if not (_nested(fa.territories | fa.sites, fb.territories | fb.sites)
                and _nested(fa.counts, fb.counts)) \
                or _another_unit(left.meta[k][4], right.meta[k][4]):
            continue
        overlap = wording(fa, fb)
        if overlap >= SAME_WORDING:
            out[k] = overlap
    return out


def _another_unit(name_a: str, name_b: str) -> bool:
    """The same kind of system for another unit: the names end alike (城东片区 / 城南片区 +
    交通违法电子抓拍系统, 第七小学 / 实验中学 + 营养餐食堂监管系统) and each starts with
    words of its own, a site the place reader may not know."""
    ending = len(os.path.commonprefix([name_a[::-1], name_b[::-1]]))
    return ending >= KIND_ENDING and ending < min(len(name_a), len(name_b))


def _nested(a, b) -> bool:
    """One set holds the other: neither side names something of its own."""
    return a <= b or b <= a


def _at_level(territories, wanted: str) -> set:
    return {t for t in territories if level(t) == wanted}


def territory_conflict(fa, fb) -> bool:
    """The two name different places at the level a side is for: a county's project compares
    the counties both name, a city's the cities (a prefecture's platform naming the county
    it serves does not conflict with that county's project)."""
    for home in (fa.home, fb.home):
        for wanted in {level(t) for t in home}:
            mine, theirs = _at_level(fa.territories, wanted), _at_level(fb.territories, wanted)
            if mine and theirs and not mine & theirs:
                return True
    return False


def counties_of(entry) -> set:
    """The counties a project is for: those its department or name says, else the office's
    own county-level city for one of its departments (Entry.home_county)."""
    if entry.home_county:
        return {entry.home_county}
    return _at_level(entry.features.home, "county")


def other_county(a, b) -> bool:
    """Each is for its own county and the counties differ: the same kind of system in two
    counties is two systems, never a duplicate."""
    counties_a, counties_b = counties_of(a), counties_of(b)
    return bool(counties_a and counties_b and not counties_a & counties_b)


def _meta_features(fa, dept_a, task_a, cat_a, fb, dept_b, task_b, cat_b) -> tuple:
    same_department = dept_a is not None and dept_a == dept_b
    return (
        same_department,
        territory_conflict(fa, fb),
        bool(fa.sites and fb.sites and not fa.sites & fb.sites),
        min(len(fa.counts & fb.counts), 3),
        max(_coverage(fa.used, fb.masked["name"]), _coverage(fb.used, fa.masked["name"])),
        fa.reuses or fb.reuses,
        fa.no_build or fb.no_build,
        fa.phase or fb.phase,
        bool(fa.name_stem) and fa.name_stem == fb.name_stem,
    )


def relation(a, b) -> str | None:
    """'consumer' when a reuse link joins them, 'phase' when one continues the other (same
    department, same name but for the phase marker), 'other_county' when each is for its own,
    different county."""
    if b.id in a.reuses or a.id in b.reuses:
        return "consumer"
    fa, fb = a.features, b.features
    if other_county(a, b):
        return "other_county"
    if a.department_id is not None and a.department_id == b.department_id and fa.name_stem \
            and fa.name_stem == fb.name_stem and a.name != b.name and (fa.phase or fb.phase):
        return "phase"
    return None
