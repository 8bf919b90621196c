"""Helpers for the risk tests: projects with milestones, risks and findings built directly."""
import datetime as dt

from core.audit import acting_as
from core.extensions import db

ON = dt.date(2014, 6, 30)  # projects run 2013-03-01 .. 2013-12-31 (305 days)


def add_milestone(app, project_id, type_, planned, actual=None, baseline=None, status=None):
    from projects.schedule.models import Milestone
    with app.app_context(), acting_as("fixture"):
        m = Milestone(project_id=project_id, type=type_, planned_date=planned,
                      baseline_date=baseline or planned, actual_date=actual,
                      status=status or ("done" if actual else "planned"))
        db.session.add(m)
        db.session.commit()
        return m.id


def add_risk(app, project_id, likelihood, impact, status="open", category="technical"):
    from risk.models import Risk
    with app.app_context(), acting_as("fixture"):
        r = Risk(project_id=project_id, category=category, title="测试风险",
                 likelihood=likelihood, impact=impact, score=likelihood * impact,
                 status=status, raised_by="fixture")
        db.session.add(r)
        db.session.commit()
        return r.id


def add_finding(app, project_id, status="open", raised=dt.date(2014, 5, 1)):
    from projects.schedule.models import AuditFinding
    with app.app_context(), acting_as("fixture"):
        f = AuditFinding(project_id=project_id, severity="high", description="未委托监理",
                         rectification_owner="项目负责人", deadline=raised + dt.timedelta(days=30),
                         status=status, raised_by="auditor", raised_on=raised)
        db.session.add(f)
        db.session.commit()


def rate(app, project_id, on=ON):
    from projects.models import Project
    from risk.rating import project_rating
    with app.app_context():
        db.session.expire_all()
        return project_rating(db.session.get(Project, project_id), on)


def points(result) -> dict:
    return {c.key: c.points for c in result.contributions}


def refresh(app, project_id, on=ON) -> dict:
    from projects.models import Project
    from risk.system import refresh_project
    with app.app_context(), acting_as("system"):
        db.session.expire_all()
        counts = refresh_project(db.session.get(Project, project_id), on)
        db.session.commit()
        return counts


def system_risks(app, project_id, cause=None):
    """(cause, status) of the project's system-raised risks, oldest first."""
    from sqlalchemy import select
    from risk.models import Risk
    with app.app_context():
        query = select(Risk.cause, Risk.status).where(Risk.project_id == project_id,
                                                      Risk.cause.is_not(None))
        if cause:
            query = query.where(Risk.cause == cause)
        return [tuple(r) for r in db.session.execute(query.order_by(Risk.id))]
