"""Helpers for the schedule tests: projects with planned milestones, milestones marked done."""
import datetime as dt

from sqlalchemy import select

from core.audit import acting_as
from core.extensions import db

FIXED_TODAY = dt.date(2014, 6, 30)


def plan_milestones(app, project_id):
    """Apply the milestone templates to a project, as approval does; return their types."""
    from projects.models import Project
    from projects.schedule.services import apply_templates
    with app.app_context(), acting_as("fixture"):
        project = db.session.get(Project, project_id)
        apply_templates(project)
        db.session.commit()
        return [(m.type, m.sequence, m.planned_date) for m in project.milestones]


def mark_done(app, project_id, *types, on=dt.date(2013, 3, 1)):
    from projects.schedule.models import Milestone
    with app.app_context(), acting_as("fixture"):
        for milestone in db.session.scalars(select(Milestone).where(
                Milestone.project_id == project_id, Milestone.type.in_(types))):
            milestone.status, milestone.actual_date = "done", on
        db.session.commit()


def milestone_id(app, project_id, type_, sequence=1):
    from projects.schedule.models import Milestone
    with app.app_context():
        return db.session.scalar(select(Milestone.id).where(
            Milestone.project_id == project_id, Milestone.type == type_,
            Milestone.sequence == sequence))


def get_milestone(milestone_id):
    from projects.schedule.models import Milestone
    db.session.expire_all()
    return db.session.get(Milestone, milestone_id)
