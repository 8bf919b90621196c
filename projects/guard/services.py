"""The duplicate-construction guard's rules (DESIGN §5).

- `check_proposal` / `check_project`: the existing projects most likely to build the same
  capability, each with a score and evidence; `store_check` freezes one as a DuplicateCheck.
- At submission the result is stored with the proposal (a lifecycle after-hook).
- The approval rule: the Office cannot approve while a match at or above the threshold has
  neither a written justification nor a reuse link; the frozen result and the justifications go
  into the Review and the audit trail.
- `scan`: every suspected pair of the portfolio.
"""
import threading

from flask import current_app
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, selectinload

from core.audit import current_actor, utcnow
from core.errors import ValidationFailed
from core.extensions import db
from projects import enums as s
from projects.guard.index import GuardIndex, make_doc
from projects.guard.models import DataItem, DuplicateCheck, GuardVersion
from projects.guard.scoring import reason_texts, reasons
from projects.lifecycle import current_decision
from projects.models import Project
from projects.schemas import ProjectUpdateSchema, localized
from plan.services import find_department
from projects.services import find_plan_tasks

EXCLUDED_STATUSES = (s.REJECTED,)  # a rejected proposal builds nothing
INDEX_EXTENSION = "planguard_dictionary_index"  # the index lives on the app, per worker
_indexes_lock = threading.Lock()


# --- the index, kept per worker and refreshed when the portfolio's version moves -----------

def index() -> GuardIndex:
    """This worker's index for this database, brought up to date with the portfolio."""
    app = current_app._get_current_object()
    with _indexes_lock:
        guard = app.extensions.setdefault(INDEX_EXTENSION, GuardIndex())
    version = db.session.scalar(select(GuardVersion.version).where(GuardVersion.id == 1))
    if version != guard.version:
        with guard.lock:
            _synchronise(guard)
            guard.version = version
    return guard


def _synchronise(guard: GuardIndex) -> None:
    """Re-read only the projects whose updated_at differs from what the index holds."""
    stamps = dict(db.session.execute(select(Project.id, Project.updated_at).where(
        Project.status.not_in(EXCLUDED_STATUSES))).all())
    for gone in set(guard.row_of) - set(stamps):
        guard.remove(gone)
    changed = [pid for pid, stamp in stamps.items() if guard.stamp.get(pid, 0) != stamp]
    for start in range(0, len(changed), 2000):
        chunk = changed[start:start + 2000]
        projects = db.session.scalars(select(Project).where(Project.id.in_(chunk)).options(
            selectinload(Project.reuses), selectinload(Project.data_items)))
        for project in projects:
            guard.put(doc_of(project), stamps[project.id])
    if len(guard.docs) > 2 * max(len(guard.row_of), 1000):  # compact after many replacements
        fresh = GuardIndex()
        for doc in guard.docs:
            if doc is not None:
                fresh.put(doc, guard.stamp[doc.id])
        guard.__dict__.update({k: v for k, v in fresh.__dict__.items() if k != "lock"})


def doc_of(project: Project, project_id=None, saved: Project | None = None):
    """The index's view of a project; `saved` supplies links and data items for an unsaved
    copy of a saved project (the unsaved one is never attached to them)."""
    linked = saved if saved is not None else project
    return make_doc(project.id if project_id is None else project_id, project.code or "",
                    project.name or "", project.department_id or
                    (project.department.id if project.department else None),
                    project.primary_task.code if project.primary_task else None,
                    project.category, project.status, project.capability_list,
                    project.description or "",
                    reuses=[p.id for p in linked.reuses],
                    data_produced=[d.name for d in getattr(linked, "data_items", [])
                                   if d.direction == "produces"])


def bump_version(session) -> None:
    """Tell every worker that the portfolio changed (same transaction as the change)."""
    session.execute(update(GuardVersion).where(GuardVersion.id == 1).values(
        version=GuardVersion.version + 1))


def _watch_changes(session, flush_context, instances):
    """before_flush: a changed project or data item moves the index version and the project's
    updated_at (relationship-only changes would not move it otherwise)."""
    touched = False
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, Project):
            touched = True
            if obj in session.dirty and session.is_modified(obj):
                obj.updated_at = utcnow()
        elif isinstance(obj, DataItem):
            touched = True
            if obj.project is not None and obj.project not in session.deleted:
                obj.project.updated_at = utcnow()
    if touched:
        session.info["guard_touched"] = True


def _bump_after_flush(session, flush_context):
    if session.info.pop("guard_touched", False):
        bump_version(session)


def install() -> None:
    if not event.contains(Session, "before_flush", _watch_changes):
        event.listen(Session, "before_flush", _watch_changes)
        event.listen(Session, "after_flush", _bump_after_flush)


# --- checks ---------------------------------------------------------------------------------

def settings():
    config = current_app.config
    return config["GUARD_WEIGHTS"], config["GUARD_THRESHOLD"], config["GUARD_MAX_MATCHES"]


def learned_engine() -> bool:
    """GUARD_ENGINE = "learned": the decision model fitted on the corpus (learned.py) decides,
    instead of the dictionary score of this module."""
    return current_app.config.get("GUARD_ENGINE") == "learned"


def threshold() -> float:
    if learned_engine():
        from projects.guard import learned
        return learned.threshold()
    return settings()[1]


def _as_match(doc, score, evidence) -> dict:
    return {"project_id": doc.id, "code": doc.code, "name": doc.name, "score": score,
            "reasons": reasons(evidence), "evidence": evidence}


def check_project(project: Project) -> list[dict]:
    """Matches for a saved (or being-edited) project, best first."""
    if learned_engine():
        from projects.guard import learned
        return learned.check_project(project)
    weights, threshold, limit = settings()
    doc = doc_of(project)
    return [_as_match(*m) for m in index().matches(doc, weights, threshold, limit)]


def check_proposal(raw: dict) -> list[dict]:
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
        if learned_engine():
            from projects.guard import learned
            db.session.expunge(project) if project in db.session else None
            return learned.check_unsaved(project, existing)[0]
        # Re-checking a saved proposal keeps its reuse links and data items.
        doc = doc_of(project, project_id=existing.id if existing else -1, saved=existing)
    weights, threshold, limit = settings()
    return [_as_match(*m) for m in index().matches(doc, weights, threshold, limit)]


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


def store_check(project: Project, trigger: str, matches=None) -> DuplicateCheck:
    """Freeze a check; the learned engine adds its near misses and why they are not."""
    near_misses = []
    if matches is None and learned_engine():
        from projects.guard import learned
        matches, near_misses = learned.check_project_in_full(project)
    matches = check_project(project) if matches is None else matches
    cut = threshold()
    check = DuplicateCheck(project_id=project.id, trigger=trigger, checked_by=current_actor(),
                           threshold=cut, flagged=len(matches),
                           top_score=max((m["score"] for m in matches), default=0.0),
                           result={"threshold": cut, "matches": matches,
                                   "near_misses": near_misses})
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
    Evidence is worked out for the first `explain_first` pairs (all when None)."""
    if learned_engine():
        from projects.guard import learned
        return learned.scan(explain_first)
    weights, threshold, _limit = settings()
    guard = index()
    pairs = guard.scan(weights, threshold)
    texts = reason_texts()
    result = []
    for n, (a, b, score) in enumerate(pairs):
        pair = {"a": a.code, "b": b.code, "score": score, "a_id": a.id, "b_id": b.id}
        if explain_first is None or n < explain_first:
            _score, evidence = guard.explain(a, b, weights)
            pair.update(reasons=reasons(evidence, texts), evidence=evidence)
        result.append(pair)
    return {"threshold": threshold, "pairs": result}


