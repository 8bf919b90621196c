"""Deciding one pair: a score from shared meaning and shared words, and the evidence for it.

score = w_concepts * cosine(IDF-weighted built concepts) + w_terms * cosine(TF-IDF of built
        words) + w_identity * both names name the same system (e.g. 天网工程 and 城区治安视频监控)
        + w_task * same primary plan task + w_category * same category + w_data * shared data,
capped at 1. The relation says why a similar pair is not a duplicate: one builds on the other
(a reuse link, or it uses the capability the other builds) or it is a later phase of the other.
Weights and the threshold come from configuration (GUARD_WEIGHTS, GUARD_THRESHOLD).
"""
import math
from dataclasses import dataclass

DEFAULT_WEIGHTS = {"concepts": 0.45, "terms": 0.25, "identity": 0.2, "task": 0.05,
                   "category": 0.05, "data": 0.1}


@dataclass
class Doc:
    """One project as the index holds it."""

    id: int
    code: str
    name: str
    department_id: int | None
    task: str | None
    category: str | None
    status: str | None
    features: object
    reuses: frozenset = frozenset()
    data_produced: frozenset = frozenset()  # names of shared data items it produces


def relation(a: Doc, b: Doc) -> str | None:
    """'consumer' when one builds on the other, 'phase' when one continues the other."""
    if b.id in a.reuses or a.id in b.reuses:
        return "consumer"
    if _uses_instead_of_building(a, b) or _uses_instead_of_building(b, a):
        return "consumer"
    if a.department_id == b.department_id and a.features.name_stem \
            and a.features.name_stem == b.features.name_stem and a.name != b.name:
        return "phase"
    return None


MAIN_WEIGHT = 2.5  # a concept named in the name or a capability tag, or repeated in the text


def _uses_instead_of_building(user: Doc, provider: Doc) -> bool:
    """The user names a main capability of the provider as something it uses (依托, 调用 ...)
    and builds none of the provider's main systems itself."""
    main = {c for c, w in provider.features.concepts.items() if w >= MAIN_WEIGHT}
    if not user.features.consumed & main:
        return False
    return not any(user.features.concepts.get(c, 0) >= MAIN_WEIGHT for c in main)


def concept_cosine(a: dict, b: dict, idf) -> float:
    """Cosine of concept weights, each scaled by how rare the concept is in the portfolio: two
    websites are common, two machine rooms less so."""
    dot = sum(w * b[c] * idf(c) ** 2 for c, w in a.items() if c in b)
    if not dot:
        return 0.0
    norm_a = math.sqrt(sum((w * idf(c)) ** 2 for c, w in a.items()))
    norm_b = math.sqrt(sum((w * idf(c)) ** 2 for c, w in b.items()))
    return dot / (norm_a * norm_b)


def term_vector(terms: dict, idf) -> dict:
    """TF-IDF weights of a project's words, normalised to length 1."""
    weighted = {t: w * idf(t) for t, w in terms.items()}
    norm = math.sqrt(sum(w * w for w in weighted.values())) or 1.0
    return {t: w / norm for t, w in weighted.items()}


def combine(weights: dict, concepts: float, terms: float, same_system: bool, same_task: bool,
            same_category: bool, shared_data: bool) -> float:
    score = (weights["concepts"] * concepts + weights["terms"] * terms
             + weights["identity"] * same_system + weights["task"] * same_task
             + weights["category"] * same_category + weights["data"] * shared_data)
    return round(min(score, 1.0), 3)


def quick_score(a: Doc, b: Doc, concepts: float, vector_a: dict, vector_b: dict,
                weights: dict) -> float:
    """The same score as score_pair, from precomputed vectors and without the evidence."""
    small, large = (vector_a, vector_b) if len(vector_a) <= len(vector_b) else (vector_b, vector_a)
    terms = sum(w * large[t] for t, w in small.items() if t in large)
    return combine(weights, concepts, terms, bool(a.features.identity & b.features.identity),
                   a.task is not None and a.task == b.task,
                   a.category is not None and a.category == b.category,
                   bool(a.data_produced & b.data_produced))


def score_pair(a: Doc, b: Doc, idf, concept_idf, weights: dict,
               vectors: tuple[dict, dict] | None = None) -> tuple[float, dict]:
    """(score, evidence). The evidence lists what the two share, each concept with the words
    each project used for it (for highlighting), and the relation if any. `vectors` are the
    two projects' TF-IDF vectors when the caller has them already."""
    fa, fb = a.features, b.features
    concepts = concept_cosine(fa.concepts, fb.concepts, concept_idf)
    same_system = sorted(fa.identity & fb.identity)
    if vectors is None:
        vectors = (term_vector(fa.terms, idf), term_vector(fb.terms, idf))
    va, vb = vectors
    shared = sorted(((va[t] * vb[t], t) for t in va if t in vb), reverse=True)
    terms, shared_terms = sum(x for x, _t in shared), [t for _x, t in shared]
    same_task = a.task is not None and a.task == b.task
    same_category = a.category is not None and a.category == b.category
    shared_data = sorted(a.data_produced & b.data_produced)
    score = (weights["concepts"] * concepts + weights["terms"] * terms
             + weights["identity"] * bool(same_system) + weights["task"] * same_task + weights["category"] * same_category
             + weights["data"] * bool(shared_data))
    shared_concepts = sorted((c for c in fa.concepts if c in fb.concepts),
                             key=lambda c: -fa.concepts[c] * fb.concepts[c])
    evidence = {
        "capabilities": [{"concept": c, "a": sorted(fa.phrases.get(c, ())),
                          "b": sorted(fb.phrases.get(c, ()))} for c in shared_concepts[:6]],
        "terms": shared_terms[:10],
        "same_system": same_system,
        "data": shared_data[:5],
        "plan_task": a.task if same_task else None,
        "category": a.category if same_category else None,
        "relation": relation(a, b),
        "parts": {"concepts": round(concepts, 3), "terms": round(terms, 3)},
    }
    return score, evidence


def reason_texts() -> dict:
    """The sentences of `reasons`, translated once (a scan explains many pairs)."""
    from flask_babel import gettext as _

    return {"capability": _("same capability: %(words)s", words="{}"),
            "terms": _("shared key terms: %(terms)s", terms="{}"),
            "data": _("both produce the data: %(items)s", items="{}"),
            "task": _("same plan task %(code)s", code="{}"),
            "category": _("same category"),
            "consumer": _("builds on the other: a consumer, not a duplicate"),
            "phase": _("a later phase of the same department's project")}


def reasons(evidence: dict, texts: dict | None = None) -> list[str]:
    """The evidence as short sentences (in the current language)."""
    texts = texts or reason_texts()
    result = [texts["capability"].format("、".join(sorted(set(item["a"]) | set(item["b"]))))
              for item in evidence["capabilities"]]
    if evidence["terms"]:
        result.append(texts["terms"].format("、".join(evidence["terms"][:8])))
    if evidence["data"]:
        result.append(texts["data"].format("、".join(evidence["data"])))
    if evidence["plan_task"]:
        result.append(texts["task"].format(evidence["plan_task"]))
    if evidence["category"]:
        result.append(texts["category"])
    if evidence["relation"] in ("consumer", "phase"):
        result.append(texts[evidence["relation"]])
    return result
