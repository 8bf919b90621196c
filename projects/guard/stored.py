"""The portfolio scan as a stored result: a background job runs the guard's scan and keeps its
pairs in `duplicate_pair`; the suspected-pairs page reads the newest finished scan, paged and
filtered in SQL, so no web request ever runs the scan itself."""
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, or_, select

from core.audit import current_actor, utcnow
from core.extensions import db
from core.jobs import job, set_progress
from core.paging import Page, like_pattern, paged_query
from core.uow import transaction
from projects.guard.models import DuplicatePair, DuplicateScan, GuardVersion
from projects.models import Project

KEEP_SCANS = 3  # older finished scans are deleted with their pairs


def run_scan(job_id: str | None = None) -> DuplicateScan:
    """Scan the portfolio (the guard's scan) and store every suspected pair once."""
    from projects.guard import services as guard
    scan = DuplicateScan(started_by=current_actor(), status="running",
                         guard_version=db.session.scalar(
                             select(GuardVersion.version).where(GuardVersion.id == 1)))
    with transaction():  # the page shows a scan under way; SQLite: progress needs no open write
        db.session.add(scan)
    if job_id:
        set_progress(job_id, 5, "scanning the portfolio")
    result = guard.scan()
    if job_id:
        set_progress(job_id, 80, f"storing {len(result['pairs']):,} pairs")
    with transaction():
        rows = [{"scan_id": scan.id, "a_id": p["a_id"], "b_id": p["b_id"], "score": p["score"],
                 "reasons": list(p.get("reasons") or [])} for p in result["pairs"]]
        for start in range(0, len(rows), 2000):
            db.session.execute(insert(DuplicatePair), rows[start:start + 2000])
        scan.threshold, scan.pairs, scan.status, scan.finished_at = (
            result["threshold"], len(rows), "done", utcnow())
        scan.projects = db.session.scalar(select(func.count()).select_from(Project))
        old = db.session.scalars(select(DuplicateScan.id).where(DuplicateScan.status == "done")
                                 .order_by(DuplicateScan.id.desc()).offset(KEEP_SCANS))
        old = list(old)
        if old:
            db.session.execute(delete(DuplicatePair).where(DuplicatePair.scan_id.in_(old)))
            db.session.execute(delete(DuplicateScan).where(DuplicateScan.id.in_(old)))
    return scan


@job("duplicate_scan")
def scan_job(job_id):
    scan = run_scan(job_id)
    return f"{scan.pairs:,} suspected pairs at or above {scan.threshold}"


def latest_scan() -> DuplicateScan | None:
    return db.session.scalar(select(DuplicateScan).where(DuplicateScan.status == "done")
                             .order_by(DuplicateScan.id.desc()).limit(1))


def running_scan() -> DuplicateScan | None:
    return db.session.scalar(select(DuplicateScan).where(DuplicateScan.status == "running")
                             .order_by(DuplicateScan.id.desc()).limit(1))


@dataclass
class PairFilters:
    department_id: int | None = None
    min_score: float | None = None
    q: str = ""

    @classmethod
    def from_args(cls, args) -> "PairFilters":
        return cls(department_id=args.get("department", type=int) or None,
                   min_score=args.get("score", type=float),
                   q=(args.get("q") or "").strip()[:50])


def pairs_page(scan: DuplicateScan, filters: PairFilters, number=1, size=50) -> Page:
    """The scan's pairs, highest score first (walks ix_duplicate_pair_scan_score), with either
    project in the department or matching the search (code or name); items are
    (pair, project a, project b). The projects of the page come in one more statement."""
    query = select(DuplicatePair).where(DuplicatePair.scan_id == scan.id)
    if filters.min_score is not None:
        query = query.where(DuplicatePair.score >= filters.min_score)
    if filters.department_id or filters.q:  # projects first (a small set), then their pairs
        chosen = select(Project.id)
        if filters.department_id:
            chosen = chosen.where(Project.department_id == filters.department_id)
        if filters.q:
            pattern = like_pattern(filters.q)
            chosen = chosen.where(or_(Project.code.like(pattern, escape="\\"),
                                      Project.name.like(pattern, escape="\\")))
        query = query.where(or_(DuplicatePair.a_id.in_(chosen), DuplicatePair.b_id.in_(chosen)))
    query = query.order_by(DuplicatePair.score.desc(), DuplicatePair.id)
    if filters == PairFilters():  # the whole scan: its stored count is the total
        number = min(max(number, 1), max(1, (scan.pairs + size - 1) // size))
        items = list(db.session.scalars(query.limit(size).offset((number - 1) * size)))
        page = Page(items, scan.pairs, number, size)
    else:
        page = paged_query(db.session, query, number, size)
    ids = {p.a_id for p in page.items} | {p.b_id for p in page.items}
    projects = {p.id: p for p in db.session.scalars(
        select(Project).where(Project.id.in_(ids)))} if ids else {}
    page.items = [(p, projects[p.a_id], projects[p.b_id]) for p in page.items]
    return page


def ensure_fresh_scan(user_name: str):
    """Start a scan when there is none yet, or when the portfolio changed since the newest one
    (the guard's version moved), unless one is queued or running. Returns the job or None."""
    from core import jobs
    pending = db.session.scalar(select(jobs.Job).where(
        jobs.Job.kind == "duplicate_scan", jobs.Job.status.in_((jobs.QUEUED, jobs.RUNNING)))
        .limit(1))
    if pending is not None:
        return None
    newest = latest_scan()
    version = db.session.scalar(select(GuardVersion.version).where(GuardVersion.id == 1))
    if newest is not None and newest.guard_version == version:
        return None
    return jobs.enqueue("duplicate_scan", {}, user_name)
