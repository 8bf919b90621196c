"""The review queue (审核队列) as paged SQL: what waits for a decision, oldest first, and what
was returned for changes, filtered by department, review stage, duplicate score at submission
and days waiting, searched by code or name. A page costs the same few statements whatever the
portfolio's size."""
import datetime as dt
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import and_, case, exists, not_, or_, select
from sqlalchemy.orm import selectinload

from core import clock
from core.extensions import db
from core.paging import Page, like_pattern, paged_query
from core.security import is_department_scoped
from projects import enums as s
from projects.models import Project, Review
from projects.services import project_query

WAITING = (s.SUBMITTED, s.IN_REVIEW)


@dataclass
class QueueFilters:
    department_id: int | None = None
    stage: str | None = None
    min_score: float | None = None
    min_age: int | None = None  # days waiting at least
    q: str = ""

    @classmethod
    def from_args(cls, args) -> "QueueFilters":
        stage = args.get("stage") or None
        return cls(department_id=args.get("department", type=int) or None,
                   stage=stage if stage in current_app.config["REVIEW_STAGES"] else None,
                   min_score=args.get("score", type=float),
                   min_age=args.get("age", type=int),
                   q=(args.get("q") or "").strip()[:50])


def _approved(stage: str):
    return exists().where(Review.project_id == Project.id, Review.stage == stage,
                          Review.decision == "approve")


def current_stage_expr():
    """reviews.current_stage in SQL: the first required stage without an approval (a project
    listed in the plan skips the first stage), else the last."""
    stages = list(current_app.config["REVIEW_STAGES"])
    if len(stages) == 1:
        return case(else_=stages[0])
    whens = [(and_(not_(Project.listed_in_plan), not_(_approved(stages[0]))), stages[0])]
    whens += [(not_(_approved(stage)), stage) for stage in stages[1:-1]]
    return case(*whens, else_=stages[-1])


def submission_score_expr():
    """The top score of the project's latest duplicate check at submission."""
    from projects.guard.models import DuplicateCheck
    return (select(DuplicateCheck.top_score)
            .where(DuplicateCheck.project_id == Project.id,
                   DuplicateCheck.trigger == "submission")
            .order_by(DuplicateCheck.id.desc()).limit(1).scalar_subquery())


def _scoped(query, user, filters: QueueFilters):
    if is_department_scoped(user):  # a ProjectManager's queue: what waits on its department
        query = query.where(Project.department_id == user.department_id)
    if filters.department_id:
        query = query.where(Project.department_id == filters.department_id)
    if filters.q:
        pattern = like_pattern(filters.q)
        query = query.where(or_(Project.code.like(pattern, escape="\\"),
                                Project.name.like(pattern, escape="\\")))
    return query


def waiting(user, filters: QueueFilters, number: int = 1, size: int = 50) -> Page:
    """Projects submitted or in review, oldest submission first."""
    query = _scoped(project_query(user).where(Project.status.in_(WAITING)), user, filters)
    if filters.stage:
        query = query.where(current_stage_expr() == filters.stage)
    if filters.min_score is not None:
        query = query.where(submission_score_expr() >= filters.min_score)
    if filters.min_age:
        query = query.where(Project.submitted_at <= clock.now() - dt.timedelta(days=filters.min_age))
    query = query.options(selectinload(Project.reviews)).order_by(
        Project.submitted_at.asc().nulls_first(), Project.id)
    return paged_query(db.session, query, number, size)


def returned(user, filters: QueueFilters, number: int = 1, size: int = 50) -> Page:
    """Proposals returned for changes, longest waiting on their department first."""
    query = _scoped(project_query(user).where(Project.status == s.RETURNED), user, filters)
    query = query.options(selectinload(Project.reviews)).order_by(Project.updated_at, Project.id)
    return paged_query(db.session, query, number, size, param="rpage")
