"""C11: every high risk has an owner, a mitigation and a review within 30 days.

Reads the risk register (risk/); installed by app.register_rules.
"""
import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import case, func, or_, select

from core.extensions import db
from reports.rules import add_check, rule_params


def check_high_risks(ids, on):
    from risk.enums import ACTIVE
    from risk.models import Risk
    from risk.scoring import high_score_floor
    days = int(rule_params("C11").get("review_days", 30))
    no_owner = func.coalesce(func.trim(Risk.owner), "") == ""
    no_mitigation = func.coalesce(func.trim(Risk.mitigation), "") == ""
    no_review = or_(Risk.next_review.is_(None), Risk.next_review > on + dt.timedelta(days=days),
                    Risk.next_review < on)
    rows = db.session.execute(
        select(Risk.project_id, func.count(),
               func.sum(case((no_owner, 1), else_=0)),
               func.sum(case((no_mitigation, 1), else_=0)),
               func.sum(case((no_review, 1), else_=0)))
        .where(Risk.project_id.in_(select(ids.c.id)), Risk.status.in_(ACTIVE),
               Risk.score >= high_score_floor())
        .group_by(Risk.project_id)).all()
    failures = {}
    for pid, count, owner, mitigation, review in rows:
        if owner or mitigation or review:
            failures[pid] = _("%(n)d open high risks: %(owner)d without an owner, %(mitigation)d "
                              "without a mitigation, %(review)d without a review within "
                              "%(days)d days.", n=count, owner=owner, mitigation=mitigation,
                              review=review, days=days)
    return {r[0] for r in rows}, failures


def high_risk_rows(ids):
    """Open high risks of the projects in scope, for the workbook (streamed)."""
    from projects.models import Project
    from risk.enums import ACTIVE
    from risk.models import Risk
    from risk.scoring import high_score_floor
    return db.session.execute(
        select(Project.code, Project.name, Risk.category, Risk.title, Risk.score, Risk.owner,
               Risk.mitigation, Risk.status, Risk.next_review)
        .join(Project, Project.id == Risk.project_id)
        .where(Risk.project_id.in_(select(ids.c.id)), Risk.status.in_(ACTIVE),
               Risk.score >= high_score_floor())
        .order_by(Risk.score.desc(), Project.code).execution_options(yield_per=2000))


def install(app=None) -> None:
    add_check("C11", check_high_risks, app)
