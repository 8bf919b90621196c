"""Why the guard flags a pair, or why not, in the user's language.

Reasons come from the features that drove the model's decision (their contributions to the
log-odds), with the concrete words, places and counts of each side, so a reviewer sees what
the two share ("both build: 指挥大厅", "same place: 柯桥区") or what sets them apart ("builds on
the other's platform: 依托市政务短信平台 ...", "a later phase", "different places").
"""
import numpy as np
from flask_babel import gettext as _

from projects.guard.features import FEATURES, counties_of

DRIVING = 0.25  # a feature whose contribution moves the log-odds this much is worth saying
INDEX = {name: i for i, name in enumerate(FEATURES)}


def _join(items, limit=6) -> str:
    return "、".join(list(items)[:limit])


def shared_terms(portfolio, a_row, b_row, a_words=None, b_words=None, limit=8) -> list[str]:
    """The words both sides use, rarest first (TF-IDF product)."""
    a = portfolio.words[a_row] if a_words is None else a_words
    b = portfolio.words[b_row] if b_words is None else b_words
    product = a.multiply(b).tocsr()
    if not product.nnz or portfolio.words_vectorizer is None:
        return []
    names = _vocabulary(portfolio)
    order = np.argsort(-product.data)[:limit]
    return [names[product.indices[k]] for k in order]


def _vocabulary(portfolio):
    cached = getattr(portfolio, "_names", None)
    if cached is None or cached[0] != portfolio.fitted_size:
        cached = (portfolio.fitted_size, portfolio.words_vectorizer.get_feature_names_out())
        portfolio._names = cached
    return cached[1]


def evidence(a, b, x: np.ndarray, terms: list[str], worded_same: float = 0.0) -> dict:
    """What the two share and what tells them apart, as data (stored with a check)."""
    fa, fb = a.features, b.features
    return {
        "similarity": {"name": round(float(x[INDEX["name_cos"]]), 3),
                       "description": round(float(x[INDEX["description_cos"]]), 3),
                       "capabilities": round(float(x[INDEX["capabilities_cos"]]), 3)},
        "terms": terms,
        "same_wording": round(float(worded_same), 3),
        "places": sorted((fa.territories | fa.sites) & (fb.territories | fb.sites)),
        "places_a": sorted(fa.territories | fa.sites), "places_b": sorted(fb.territories | fb.sites),
        "home_a": sorted(fa.home or counties_of(a)), "home_b": sorted(fb.home or counties_of(b)),
        "counts": sorted(fa.counts & fb.counts),
        "data": sorted(a.data_produced & b.data_produced),
        "uses": [text for text in (fa.used, fb.used) if text][:2],
        "plan_task": a.task if a.task and a.task == b.task else None,
        "same_department": bool(x[INDEX["same_department"]]),
        "category": a.category if a.category and a.category == b.category else None,
    }


def reasons(ev: dict, contributions: np.ndarray, flagged: bool, relation: str | None = None,
            names=("", "")) -> list[str]:
    """Sentences for a flag (what they share, strongest first) or a near miss (why not)."""
    if relation == "consumer":
        return [_("a reuse link is recorded: one builds on the other")]
    if relation == "phase":
        return [_("a later phase of the same department's project")]
    if relation == "other_county":
        return [_("each is for its own county: %(a)s / %(b)s", a=_join(ev["home_a"], 2),
                  b=_join(ev["home_b"], 2))]
    order = np.argsort(-contributions if flagged else contributions)
    said, result = set(), []
    for k in order:
        value = contributions[k]
        if (flagged and value < DRIVING) or (not flagged and value > -DRIVING):
            break
        text = _sentence(FEATURES[k], ev, flagged, names)
        if text and text not in said:
            said.add(text)
            result.append(text)
    if flagged and ev.get("same_wording"):
        result.insert(0, _("worded the same: %(share)d%% of the wording is shared",
                           share=round(100 * ev["same_wording"])))
    if flagged:
        result += [t for t in _always(ev) if t not in said]
    elif not result:
        result.append(_("what they build differs (meaning %(score).2f)",
                        score=ev["similarity"]["description"]))
    return result


def family_reason(code: str, score: float) -> str:
    return _("a suspected duplicate of %(code)s (%(score).2f), which this one matches",
             code=code, score=score)


def _always(ev):
    """Facts a reviewer wants beside any flag, whatever their weight."""
    facts = []
    if ev["data"]:
        facts.append(_("both produce the data: %(items)s", items=_join(ev["data"])))
    if ev["plan_task"]:
        facts.append(_("same plan task %(code)s", code=ev["plan_task"]))
    return facts


def _sentence(feature: str, ev: dict, flagged: bool, names) -> str | None:
    sim = ev["similarity"]
    if flagged:
        if feature == "name_cos":
            return _("the names name the same system (%(a)s / %(b)s, meaning %(score).2f)",
                     a=names[0], b=names[1], score=sim["name"])
        if feature in ("description_cos", "cross_cos"):
            return _("what they build means the same (%(score).2f)", score=sim["description"])
        if feature == "capabilities_cos":
            return _("capability tags mean the same (%(score).2f)", score=sim["capabilities"])
        if feature in ("words_cos", "chars_cos") and ev["terms"]:
            return _("shared key terms: %(terms)s", terms=_join(ev["terms"], 8))
        if feature in ("territory_shared", "site_shared") and ev["places"]:
            return _("same place: %(places)s", places=_join(ev["places"]))
        if feature == "shared_counts" and ev["counts"]:
            return _("same scale: %(counts)s", counts=_join(ev["counts"]))
        if feature == "same_department":
            return _("same department")
        if feature == "same_category" and ev["category"]:
            return _("same category")
        return None
    if feature in ("uses_other", "reuse_cue", "no_build_cue") and ev["uses"]:
        return _("builds on what exists: %(text)s", text="「" + ev["uses"][0][:60] + "」")
    if feature in ("phase_marker", "same_stem"):
        return _("a later phase that continues an earlier one")
    if feature in ("territory_conflict", "site_conflict"):
        return _("different places: %(a)s / %(b)s", a=_join(ev["places_a"], 3) or "-",
                 b=_join(ev["places_b"], 3) or "-")
    if feature == "same_department":
        return _("same department, another system")
    if feature in ("description_cos", "cross_cos", "name_cos", "capabilities_cos"):
        return _("what they build differs (meaning %(score).2f)", score=sim["description"])
    if feature in ("words_cos", "chars_cos"):
        return _("few words in common")
    return None
