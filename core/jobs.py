"""Background jobs (DESIGN §9): long work (the compliance workbook, the portfolio scan, large
imports, `risk refresh`) runs on a Huey queue, never inside a web request.

- No extra server by default: SqliteHuey in the instance folder (`make run` starts a consumer
  next to gunicorn, see gunicorn.conf.py; `flask jobs worker` runs one by hand).
- Production: RedisHuey when JOBS_URL (or REDIS_URL) names a Redis server.
- Tests: immediate mode (the job runs when it is enqueued, in the same process), or a real
  consumer thread against SQLite or Redis (tests/test_jobs.py).

Every job has a row in `job` (kind, who started it, status, progress, message, result file)
that the web pages poll; the row is written in short transactions of its own, so a page sees
the progress while the job's work is still uncommitted. A job is registered with `@job(kind)`:
the function receives the Job row's id and its parameters and runs inside an app context.
"""
import datetime as dt
import os
import traceback
import uuid

from flask import current_app, has_app_context
from flask_appbuilder import Model
from huey import RedisHuey, SqliteHuey
from sqlalchemy import JSON, DateTime, Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, mapped_column

from core.audit import acting_as, utcnow

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


class Job(Model):
    """A background job as its starter sees it: progress, message, and the file it made."""

    __tablename__ = "job"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    params: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default=QUEUED)
    progress: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # percent
    message: Mapped[str | None] = mapped_column(Text)
    result_path: Mapped[str | None] = mapped_column(String(500))
    result_name: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(128), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    def as_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "status": self.status,
                "progress": self.progress, "message": self.message,
                "done": self.status == DONE, "failed": self.status == FAILED,
                "download": bool(self.result_path) and self.status == DONE}


def _queue_url() -> str | None:
    return os.environ.get("JOBS_URL") or os.environ.get("REDIS_URL") or None


def make_huey():
    """RedisHuey on JOBS_URL/REDIS_URL, else SqliteHuey in the instance folder."""
    url = _queue_url()
    if url:
        return RedisHuey("planguard", url=url)
    from config import INSTANCE_DIR
    os.makedirs(INSTANCE_DIR, exist_ok=True)
    return SqliteHuey("planguard", filename=os.path.join(INSTANCE_DIR, "jobs.db"))


huey = make_huey()
_FUNCTIONS: dict = {}  # kind -> function(job_id, **params)
_TASKS: dict = {}  # id(huey instance) -> {kind: huey task}
LABELS: dict = {}  # kind -> its name for the user (a lazy string)
_worker_app = None


def use_queue(instance) -> None:
    """Put jobs on another Huey instance (tests: a RedisHuey, or a SqliteHuey of their own)."""
    global huey
    huey = instance


def tasks() -> dict:
    """The task of every registered job on the current queue, registered on first use (a
    consumer calls this before it starts, so that it knows every job's name)."""
    bound = _TASKS.setdefault(id(huey), {})
    for kind in _FUNCTIONS:
        if kind not in bound:
            bound[kind] = _task(huey, kind)
    return bound


def _task(instance, kind):
    @instance.task(name=f"planguard.{kind}")
    def run(job_id, params):
        app = _app()
        with app.app_context():
            _run(app, _FUNCTIONS[kind], job_id, params)
    return run


def use_app(app) -> None:
    """The app a consumer process runs its jobs in (`flask jobs worker` passes its own)."""
    global _worker_app
    _worker_app = app


def describe_queue() -> str:
    if isinstance(huey, RedisHuey):
        return "Redis " + (_queue_url() or "").split("@")[-1]
    return f"{type(huey).__name__} {getattr(huey.storage, 'filename', '')}".strip()


def _app():
    """The app a consumer runs jobs in: its own (use_app), else the current one (immediate
    mode, tests), else one created once per consumer process."""
    global _worker_app
    if _worker_app is not None:
        return _worker_app
    if has_app_context():
        return current_app._get_current_object()
    from app import create_app
    _worker_app = create_app()
    return _worker_app


def job(kind: str, label=None):
    """Register `function(job_id, **params)` as the job `kind` (`label`: its name for the
    user, a lazy string); what it returns is the message shown when the job is done."""
    def register(function):
        _FUNCTIONS[kind] = function
        if label is not None:
            LABELS[kind] = label
        return function
    return register


def label_of(kind: str) -> str:
    return str(LABELS.get(kind, kind))


def _run(app, function, job_id, params):
    from core.extensions import db
    row = db.session.get(Job, job_id)
    if row is None:
        return
    actor = row.created_by
    set_progress(job_id, 0, status=RUNNING, started_at=utcnow())
    try:
        with acting_as(actor):
            message = function(job_id, **(params or {}))
        db.session.commit()
        set_progress(job_id, 100, message=message, status=DONE, finished_at=utcnow())
    except Exception as exc:  # the job's failure is shown on its page, and logged
        db.session.rollback()
        app.logger.error("job %s (%s) failed:\n%s", job_id, row.kind, traceback.format_exc())
        set_progress(job_id, None, message=f"{type(exc).__name__}: {exc}"[:2000],
                     status=FAILED, finished_at=utcnow())
    finally:
        db.session.remove()


def set_progress(job_id: str, percent: int | None, message: str | None = None, **fields):
    """Record progress in a transaction of its own (the job's own work stays uncommitted)."""
    from core.extensions import db
    values = dict(fields)
    if percent is not None:
        values["progress"] = max(0, min(100, int(percent)))
    if message is not None:
        values["message"] = message
    with db.engine.begin() as conn:
        conn.execute(update(Job.__table__).where(Job.__table__.c.id == job_id).values(**values))


def result_file(job_id: str, suffix: str) -> str:
    """Where a job writes its file (the instance folder's jobs/)."""
    folder = os.path.join(current_app.instance_path, "jobs")
    os.makedirs(folder, exist_ok=True)
    return os.path.join(folder, f"{job_id}{suffix}")


def enqueue(kind: str, params: dict, user_name: str) -> Job:
    """Record the job and put it on the queue (immediate mode runs it now)."""
    from core.extensions import db
    if kind not in _FUNCTIONS:
        raise KeyError(f"no job {kind!r}")
    row = Job(id=str(uuid.uuid4()), kind=kind, params=params, created_by=user_name)
    db.session.add(row)
    db.session.commit()
    tasks()[kind](row.id, params)
    db.session.expire(row)
    return row


def latest(kind: str, user_name: str | None = None) -> Job | None:
    from core.extensions import db
    query = select(Job).where(Job.kind == kind)
    if user_name is not None:
        query = query.where(Job.created_by == user_name)
    return db.session.scalar(query.order_by(Job.created_at.desc()).limit(1))


def configure(app) -> None:
    """Immediate mode when JOBS_IMMEDIATE is set (testing): jobs run as they are enqueued."""
    immediate = app.config.get("JOBS_IMMEDIATE")
    if immediate is not None:
        huey.immediate = bool(immediate)
