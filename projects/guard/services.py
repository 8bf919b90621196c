"""The duplicate-construction guard's rules (DESIGN §5).

- `check_project` / `check_proposal`: the existing projects most likely to build the same
  capability, each with the decision model's probability and the reasons; `store_check` freezes
  one as a DuplicateCheck, with the near misses and why they are not duplicates.
- Candidates come by meaning (sentence vectors) and by words (TF-IDF); the model decides.
  A recorded reuse link (one builds on the other) and a later phase of the same department's
  project (same name but for the phase) are never duplicates; a shared produced data item
  always is a match to look at.
- At submission the result is stored with the proposal (a lifecycle after-hook).
- The approval rule: the Office cannot approve while a match at or above the threshold has
  neither a written justification nor a reuse link; the frozen result and the justifications go
  into the Review and the audit trail.
- `scan`: every suspected pair of the portfolio.
"""
import threading

import numpy as np
from flask import current_app
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from core.audit import current_actor, utcnow
from core.errors import ValidationFailed
from core.extensions import db
from projects.guard import embedding, explain
from projects.guard import model as decision_model
from projects.guard.features import pair_features
from projects.guard.index import (bump_version, entry_of, guard_index, install,  # noqa: F401
                                  project_texts)
from projects.guard.models import DataItem, DuplicateCheck
from projects.guard.text import analyse
from projects.lifecycle import current_decision
from projects.models import Project
from projects.schemas import ProjectUpdateSchema, localized
from projects.services import find_department, find_plan_tasks

index = guard_index
SCORE_CHUNK = 50_000  # pairs scored at once by the scan


def model():
    return decision_model.load(decision_model.Path(current_app.config["GUARD_MODEL_FILE"]))


def threshold() -> float:
    configured = current_app.config.get("GUARD_THRESHOLD")
    return float(configured) if configured is not None else model().threshold


def warm_in_background(app) -> None:
    """Build the index in a thread when a worker starts, so its first check is warm."""
    def build():
        with app.app_context():
            try:
                guard_index()
            finally:
                db.session.remove()
    threading.Thread(target=build, name="guard-warm", daemon=True).start()


def relation(a, b) -> str | None:
    """'consumer' when a reuse link joins them, 'phase' when one continues the other (same
    department, same name but for the phase marker)."""
    if b.id in a.reuses or a.id in b.reuses:
        return "consumer"
    fa, fb = a.features, b.features
    if a.department_id is not None and a.department_id == b.department_id and fa.name_stem \
            and fa.name_stem == fb.name_stem and a.name != b.name and (fa.phase or fb.phase):
        return "phase"
    return None


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
        query = portfolio.query_side(entry, vectors, len(rows))
        X = pair_features(query, portfolio.side(rows))
        decider = model()
        probability = decider.probability(X)
        contributions = decider.contributions(X)
        limit, cut = config["GUARD_MAX_MATCHES"], threshold()
        flagged, missed = [], []
        for k in np.argsort(-probability):
            other = portfolio.entries[int(rows[k])]
            rel = relation(entry, other)
            shares_data = bool(entry.data_produced & other.data_produced)
            is_flag = rel is None and (probability[k] >= cut or shares_data)
            target = flagged if is_flag else missed
            if (is_flag and len(flagged) >= limit) or (
                    not is_flag and len(missed) >= config["GUARD_NEAR_MISSES"]):
                continue
            terms = explain.shared_terms(portfolio, None, int(rows[k]), a_words=query.words[k])
            ev = explain.evidence(entry, other, X[k], terms)
            target.append({
                "project_id": other.id, "code": other.code, "name": other.name,
                "score": round(float(probability[k]), 3),
                "reasons": explain.reasons(ev, contributions[k], is_flag, rel,
                                           (entry.name, other.name)),
                "evidence": ev, "group": _group_key(other)})
        return _grouped(flagged), missed


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


def _entry_and_vectors(project: Project, project_id=None, saved: Project | None = None):
    linked = saved if saved is not None else project
    features = analyse(*project_texts(project))
    produced = {d.name for d in getattr(linked, "data_items", []) if d.direction == "produces"}
    entry = entry_of(project, features, [p.id for p in linked.reuses], produced, project_id)
    return entry, embedding.project_vectors([features])[0]


def check_project_in_full(project: Project) -> tuple[list[dict], list[dict]]:
    """(matches, near misses) for a saved (or being-edited) project."""
    guard = guard_index()
    entry, vectors = _entry_and_vectors(project)
    return _decide(guard, entry, vectors)


def check_project(project: Project) -> list[dict]:
    """Matches for a saved (or being-edited) project, best first."""
    return check_project_in_full(project)[0]


def check_proposal(raw: dict, with_near_misses: bool = False):
    """Matches for a proposal that is not saved (the 查重 button, POST duplicate-check)."""
    if not isinstance(raw, dict):
        raise ValidationFailed(_("Expected an object with the project's fields."))
    try:
        data = ProjectUpdateSchema().load(raw)
    except ValidationError as err:
        raise ValidationFailed(_("The project has invalid fields."), localized(err.messages))
    if not (data.get("name") or data.get("description")):
        raise ValidationFailed(_("Give at least a name or a description."),
                               {"name": _("This field is required.")})
    with db.session.no_autoflush:
        project = Project(code=data.get("code") or "", name=data.get("name") or "",
                          category=data.get("category"), description=data.get("description"),
                          capabilities="、".join(data.get("capabilities") or []) or None)
        project.department = find_department(data.get("department"))
        tasks, _unknown = find_plan_tasks(data.get("plan_task") or [])
        project.primary_task = tasks[0] if tasks else None
        existing = db.session.scalar(select(Project).where(Project.code == project.code)) \
            if project.code else None
        # Re-checking a saved proposal keeps its reuse links and data items.
        entry, vectors = _entry_and_vectors(
            project, project_id=existing.id if existing else -1, saved=existing)
        db.session.expunge(project) if project in db.session else None
    result = _decide(guard_index(), entry, vectors)
    return result if with_near_misses else result[0]


def visible_matches(matches: list[dict], user) -> tuple[list[dict], int]:
    """The matches a user may see, and how many others exist (a ProjectManager does not see
    other departments' unapproved proposals, only that they exist)."""
    from projects.services import visibility_clause
    clause = visibility_clause(user)
    if clause is None or not matches:
        return matches, 0
    ids = [m["project_id"] for m in matches]
    seen = set(db.session.scalars(select(Project.id).where(Project.id.in_(ids), clause)))
    visible = [m for m in matches if m["project_id"] in seen]
    return visible, len(matches) - len(visible)


def public_match(match: dict) -> dict:
    """A match in the API's documented shape."""
    return {key: match[key] for key in ("code", "name", "score", "reasons")}


def store_check(project: Project, trigger: str, matches=None, near_misses=None) -> DuplicateCheck:
    """Freeze a check (with its near misses and why they are not duplicates)."""
    if matches is None:
        matches, near_misses = check_project_in_full(project)
    cut = threshold()
    check = DuplicateCheck(project_id=project.id, trigger=trigger, checked_by=current_actor(),
                           threshold=cut, flagged=len(matches),
                           top_score=max((m["score"] for m in matches), default=0.0),
                           result={"threshold": cut, "matches": matches,
                                   "near_misses": near_misses or []})
    db.session.add(check)
    db.session.flush()
    return check


def latest_check(project_id: int, trigger: str | None = None) -> DuplicateCheck | None:
    query = select(DuplicateCheck).where(DuplicateCheck.project_id == project_id)
    if trigger:
        query = query.where(DuplicateCheck.trigger == trigger)
    return db.session.scalar(query.order_by(DuplicateCheck.id.desc()).limit(1))


def store_at_submission(project: Project, user=None):
    """Lifecycle after-hook on `submitted`: the result is stored with the proposal, and the
    submitter is told what was found."""
    check = store_check(project, "submission")
    if check.flagged:
        return _("The duplicate check found %(n)d possible duplicates: %(codes)s.",
                 n=check.flagged, codes=", ".join(m["code"] for m in check.result["matches"]))
    return None


def approval_gate(project: Project):
    """The Office cannot approve a proposal with a match at or above the threshold unless it
    records, per match, a justification or a reuse link. Freezes what it saw for the Review."""
    decision = current_decision()
    justifications = {k: (v or "").strip() for k, v in
                      (decision.get("justifications") or {}).items()}
    matches = check_project(project)
    missing = [m["code"] for m in matches if not justifications.get(m["code"])]
    if missing:
        return _("Approval needs, for each possible duplicate, a written justification or a "
                 "reuse link: %(codes)s.", codes=", ".join(missing))
    decision["duplicate_check"] = {
        "checked_at": utcnow().isoformat(timespec="seconds"), "threshold": threshold(),
        "matches": matches,
        "justifications": {m["code"]: justifications[m["code"]] for m in matches}}
    return None


def add_reuse_link(project: Project, reused_code: str) -> None:
    """Record that the project builds on another (it becomes that project's consumer)."""
    reused = db.session.scalar(select(Project).where(Project.code == reused_code))
    if reused is None or reused.id == project.id:
        raise ValidationFailed(_("Unknown project: %(codes)s.", codes=reused_code),
                               {"reuses": _("Unknown project: %(codes)s.", codes=reused_code)})
    if reused not in project.reuses:
        project.reuses.append(reused)
        db.session.flush()


def check_data_item(item: DataItem, user) -> None:
    """The project's department maintains its information resources (the Office any); names
    are required and a direction is produces or consumes."""
    from core.errors import NotAllowed
    from core.security import OFFICE, has_role, is_department_scoped
    from projects.models import Project as _Project
    project = item.project or (db.session.get(_Project, item.project_id)
                               if item.project_id else None)
    errors = {}
    if project is None:
        errors["project"] = _("This field is required.")
    if not (item.name or "").strip():
        errors["name"] = _("This field is required.")
    if item.direction not in ("produces", "consumes"):
        errors["direction"] = _("Choose one of: %(choices)s.", choices="produces, consumes")
    if errors:
        raise ValidationFailed(_("The information resource has invalid fields."), errors)
    if user is None or has_role(user, OFFICE):
        return
    if not is_department_scoped(user) or project.department_id != user.department_id:
        raise NotAllowed(_("Only the project's own department maintains its information "
                           "resources."))


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
            X = pair_features(portfolio.side(chunk[:, 0]), portfolio.side(chunk[:, 1]))
            probability = decider.probability(X)
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


def _explained(portfolio, decider, rows, a, b) -> dict:
    X = pair_features(portfolio.side([rows[0]]), portfolio.side([rows[1]]))
    ev = explain.evidence(a, b, X[0], explain.shared_terms(portfolio, rows[0], rows[1]))
    return {"reasons": explain.reasons(ev, decider.contributions(X)[0], True, None,
                                       (a.name, b.name)), "evidence": ev}


def compare(a: Project, b: Project) -> dict:
    """One pair side by side: the score, the reasons and the evidence (the words to mark)."""
    guard = guard_index()
    entry_a, vectors_a = _entry_and_vectors(a)
    entry_b, vectors_b = _entry_and_vectors(b)
    portfolio = guard.portfolio
    side_a = portfolio.query_side(entry_a, vectors_a, 1)
    side_b = portfolio.query_side(entry_b, vectors_b, 1)
    X = pair_features(side_a, side_b)
    decider = model()
    score = float(decider.probability(X)[0])
    rel = relation(entry_a, entry_b)
    flagged = rel is None and score >= threshold()
    terms = explain.shared_terms(portfolio, None, None, side_a.words, side_b.words)
    ev = explain.evidence(entry_a, entry_b, X[0], terms)
    return {"score": round(score, 3), "threshold": threshold(), "flagged": flagged,
            "reasons": explain.reasons(ev, decider.contributions(X)[0], flagged, rel,
                                       (a.name, b.name)), "evidence": ev}
