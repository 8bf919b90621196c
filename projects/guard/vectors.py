"""The learned guard's index, one per app (app.extensions), kept in step with the database.

Each project's sentence vectors and analysed text are stored with it (ProjectVector, written in
the same flush as the text change), so a worker builds its index from stored rows: no text is
re-read or re-embedded at start. A worker compares its version with guard_version (bumped with
every change) and re-reads only the projects whose updated_at moved.
"""
import threading

import numpy as np
from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from core.extensions import db
from core.uow import transaction
from projects import enums as s
from projects.guard import embedding
from projects.guard.models import DataItem, GuardVersion, ProjectVector
from projects.guard.portfolio import Entry, Portfolio
from projects.guard.text import TextFeatures, analyse, text_hash
from projects.models import Project, project_reuse

EXCLUDED_STATUSES = (s.REJECTED,)  # a rejected proposal builds nothing
EXTENSION = "planguard_guard_index"
CHUNK = 2000


class GuardIndex:
    def __init__(self):
        self.portfolio = Portfolio()
        self.stamp: dict[int, object] = {}
        self.version = None
        self.lock = threading.RLock()

    def __len__(self):
        return len(self.portfolio)

    @property
    def generation(self):
        return self.portfolio.generation


def guard_index() -> GuardIndex:
    """This app's index, brought up to date with the portfolio."""
    app = current_app._get_current_object()
    guard = app.extensions.get(EXTENSION)
    if guard is None:
        guard = app.extensions.setdefault(EXTENSION, GuardIndex())
    version = db.session.scalar(select(GuardVersion.version).where(GuardVersion.id == 1))
    if version != guard.version:
        with guard.lock:
            if version != guard.version:
                _synchronise(guard)
                guard.version = version
    return guard


def project_texts(project: Project) -> tuple:
    return (project.name or "", tuple(project.capability_list), project.description or "",
            project.department.name if project.department else "")


def _hash_of(texts: tuple) -> str:
    name, tags, description, department = texts
    return text_hash(embedding.MODEL_ID, name, "、".join(tags), description, department)


def _synchronise(guard: GuardIndex) -> None:
    stamps = dict(db.session.execute(select(Project.id, Project.updated_at).where(
        Project.status.not_in(EXCLUDED_STATUSES))).all())
    portfolio = guard.portfolio
    for gone in set(guard.stamp) - set(stamps):
        portfolio.remove(gone)
        guard.stamp.pop(gone, None)
    changed = [pid for pid, stamp in stamps.items() if guard.stamp.get(pid) != stamp]
    fresh = []
    for start in range(0, len(changed), CHUNK):
        fresh.extend(_load_entries(changed[start:start + CHUNK]))
    if len(fresh) > max(100, len(portfolio) // 2):  # first build, or most of it changed
        fresh_ids = {entry.id for entry, _v in fresh}
        keep = [row for pid, row in portfolio.row_of.items() if pid not in fresh_ids]
        entries = [portfolio.entries[row] for row in keep] + [entry for entry, _v in fresh]
        vectors = np.concatenate([portfolio.vectors[keep].astype(np.float32),
                                  np.stack([v for _e, v in fresh]).astype(np.float32)])
        portfolio.build(entries, vectors)
    else:
        for entry, vectors in fresh:
            portfolio.put(entry, vectors)
        portfolio.compact()
    for entry, _v in fresh:
        guard.stamp[entry.id] = stamps[entry.id]


def _load_entries(ids: list[int]) -> list[tuple[Entry, np.ndarray]]:
    """Entries for these projects from their stored vectors (computed here when missing)."""
    projects = list(db.session.scalars(select(Project).where(Project.id.in_(ids))))
    stored = {v.project_id: v for v in db.session.scalars(
        select(ProjectVector).where(ProjectVector.project_id.in_(ids)))}
    reuses, produced = {}, {}
    for pid, reused in db.session.execute(select(
            project_reuse.c.project_id, project_reuse.c.reused_project_id).where(
            project_reuse.c.project_id.in_(ids))):
        reuses.setdefault(pid, set()).add(reused)
    for pid, name in db.session.execute(select(DataItem.project_id, DataItem.name).where(
            DataItem.project_id.in_(ids), DataItem.direction == "produces")):
        produced.setdefault(pid, set()).add(name)
    result, missing = [], []
    for project in projects:
        row = stored.get(project.id)
        if row is not None and row.text_hash == _hash_of(project_texts(project)):
            features = TextFeatures.from_json(row.analysis)
            vectors = embedding.from_bytes(row.vectors).astype(np.float32)
            result.append((entry_of(project, features, reuses.get(project.id),
                                    produced.get(project.id)), vectors))
        else:
            missing.append(project)
    if missing:
        features = [analyse(*project_texts(p)) for p in missing]
        for project, f, vectors in zip(missing, features, embedding.project_vectors(features)):
            result.append((entry_of(project, f, reuses.get(project.id),
                                    produced.get(project.id)), vectors))
    return result


def entry_of(project: Project, features: TextFeatures, reuses=None, produced=None,
             project_id=None) -> Entry:
    return Entry(id=project.id if project_id is None else project_id, code=project.code or "",
                 name=project.name or "",
                 department_id=project.department_id or (
                     project.department.id if project.department else None),
                 task=project.primary_task.code if project.primary_task else None,
                 category=project.category, features=features,
                 reuses=frozenset(reuses or ()), data_produced=frozenset(produced or ()),
                 status=project.status, home_county=_home_county(project, features))


def _home_county(project: Project, features: TextFeatures) -> str | None:
    """GUARD_HOME_COUNTY for a department of the office's own city (named 市X; the project's
    name names no other place): Tacheng is a county-level city, so its 市公安局 and a
    county's 公安局 each build for their own county."""
    home = current_app.config.get("GUARD_HOME_COUNTY") or None
    department = project.department.name if project.department else ""
    if home and department.startswith("市") and features.home <= {home}:
        return home
    return None


def store_vectors(projects: list[Project]) -> int:
    """Compute and attach the stored vectors of projects whose texts changed (batched)."""
    todo = []
    for project in projects:
        texts = project_texts(project)
        digest = _hash_of(texts)
        current = project.__dict__.get("guard_vector")
        if current is None and project.id is not None:
            current = db.session.get(ProjectVector, project.id)
        if current is not None and current.text_hash == digest:
            continue
        todo.append((project, texts, digest, current))
    if not todo:
        return 0
    features = [analyse(*texts) for _p, texts, _d, _c in todo]
    vectors = embedding.project_vectors(features)
    for (project, _t, digest, current), f, v in zip(todo, features, vectors):
        row = current or ProjectVector()
        row.text_hash, row.model = digest, embedding.MODEL_ID
        row.vectors, row.analysis = embedding.to_bytes(v), f.as_json()
        project.guard_vector = row
    return len(todo)


def _store_changed_vectors(session, flush_context, instances):
    """before_flush: a new or changed project gets its stored vectors when its texts changed
    (every path that writes a project: web, API, import, CLI)."""
    changed = [obj for obj in list(session.new) + list(session.dirty)
               if isinstance(obj, Project) and obj not in session.deleted]
    if changed and has_app_context() and current_app.config.get("GUARD_ENGINE") == "learned" \
            and not session.info.get("guard_vectors_off"):
        with session.no_autoflush:
            store_vectors(changed)


def install() -> None:
    if not event.contains(Session, "before_flush", _store_changed_vectors):
        event.listen(Session, "before_flush", _store_changed_vectors)


def store_missing_vectors(batch: int = 256) -> int:
    """Compute and store the vectors of every project that lacks current ones (none stored,
    or stored for other texts or another model): bulk inserts (`flask demo seed`, restores)
    pass no ORM hook. Batched by id, one transaction per batch (joined when the caller holds
    one); texts repeat across projects, so embedding.project_vectors computes each distinct
    text once. Returns how many were stored."""
    stored, last = 0, 0
    while True:
        ids = list(db.session.scalars(select(Project.id).where(Project.id > last)
                                      .order_by(Project.id).limit(batch)))
        if not ids:
            return stored
        last = ids[-1]
        projects = list(db.session.scalars(select(Project).where(Project.id.in_(ids))))
        current = {v.project_id: v for v in db.session.scalars(
            select(ProjectVector).where(ProjectVector.project_id.in_(ids)))}
        todo = []
        for project in projects:
            digest = _hash_of(project_texts(project))
            row = current.get(project.id)
            if row is None or row.text_hash != digest or row.model != embedding.MODEL_ID:
                todo.append((project, digest, row))
        if todo:
            features = [analyse(*project_texts(p)) for p, _d, _r in todo]
            with transaction():
                for (project, digest, row), f, v in zip(todo, features,
                                                        embedding.project_vectors(features)):
                    if row is None:
                        row = current[project.id] = ProjectVector(project_id=project.id)
                        db.session.add(row)
                    row.text_hash, row.model = digest, embedding.MODEL_ID
                    row.vectors, row.analysis = embedding.to_bytes(v), f.as_json()
            stored += len(todo)
        for obj in projects + list(current.values()):  # keep the session small
            if obj in db.session and obj not in db.session.dirty and obj not in db.session.new:
                db.session.expunge(obj)
