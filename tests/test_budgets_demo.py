"""`flask demo seed` writes funding that obeys every rule: no money before approval, payments
within their lines, running totals equal to the payments, plans equal to budgets for approved
projects, and some re-baselined overruns to find."""
from decimal import Decimal

from sqlalchemy import func, select

from core.extensions import db


def test_demo_funding_obeys_the_rules(runner, app):
    result = runner.invoke(args=["demo", "seed", "--projects", "300", "--no-users"])
    assert result.exit_code == 0, result.output
    from budgets.figures import portfolio
    from budgets.models import BudgetChange, Disbursement, Expenditure, FundingLine
    from projects.enums import APPROVED_OR_LATER
    from projects.models import Project
    with app.test_request_context():
        paid = select(FundingLine.project_id).join(
            Disbursement, Disbursement.funding_line_id == FundingLine.id)
        statuses = set(db.session.scalars(select(Project.status).where(Project.id.in_(paid))))
        assert statuses and statuses <= set(APPROVED_OR_LATER)
        for model, column in ((Disbursement, FundingLine.disbursed),
                              (Expenditure, FundingLine.spent)):
            summed = (select(FundingLine.id, column, func.coalesce(func.sum(model.amount), 0))
                      .outerjoin(model, model.funding_line_id == FundingLine.id)
                      .group_by(FundingLine.id, column))
            for _id, total, payments in db.session.execute(summed):
                assert Decimal(str(total)).quantize(Decimal("0.01")) == \
                    Decimal(str(payments)).quantize(Decimal("0.01"))
        lines = db.session.scalars(select(FundingLine)).all()
        assert all(ln.spent <= ln.disbursed <= ln.amount for ln in lines)
        plans = dict(db.session.execute(select(FundingLine.project_id, func.sum(
            FundingLine.amount)).group_by(FundingLine.project_id)).all())
        for project in db.session.scalars(select(Project).where(
                Project.status.in_(APPROVED_OR_LATER))):
            assert Decimal(str(plans[project.id])).quantize(Decimal("0.01")) == \
                project.budget_total
        assert db.session.scalar(select(func.count()).select_from(BudgetChange).where(
            BudgetChange.status == "approved")) > 0
        result = portfolio(None)
        assert result.bands["10_30"] + result.bands["over_30"] > 0 and result.overruns
        assert 0 < result.social_share < 1


def test_recompute_line_totals_repairs_running_totals(app, make_project):
    from budget_helpers import line_of, pay, sums
    from budgets.models import FundingLine
    from budgets.services import recompute_line_totals
    line = line_of(app, make_project(status="in_construction", funded=True))
    pay(app, "disbursement", line, "300.00")
    pay(app, "expenditure", line, "120.50")
    with app.app_context():
        db.session.get(FundingLine, line).disbursed = Decimal("1.00")  # damaged by hand
        db.session.commit()
        recompute_line_totals()
        db.session.commit()
    assert sums(app, line) == ("300.00", "120.50")


def test_demo_funding_is_planned_in_the_proposal_and_changed_during_construction(runner, app):
    """The dossier of a demo project reads in order: the funding plan drafted with the
    proposal (before it was submitted and before any payment), change requests and
    re-baselines made while it was built, on many different days, never after the as-of day."""
    import datetime as dt
    import json
    from budgets.models import BudgetChange, Disbursement, FundingLine
    from core.audit import AuditEvent
    from projects.models import Project
    as_of = dt.date(2014, 6, 30)
    result = runner.invoke(args=["demo", "seed", "--projects", "300", "--no-users",
                                 "--as-of", as_of.isoformat()])
    assert result.exit_code == 0, result.output
    with app.app_context():
        planned = dict(db.session.execute(select(AuditEvent.entity_id, AuditEvent.at).where(
            AuditEvent.entity == "funding_line", AuditEvent.action == "insert")).all())
        lines = db.session.execute(select(FundingLine.id, Project.submitted_at).join(
            Project, Project.id == FundingLine.project_id)).all()
        assert lines and all(planned[line] < submitted for line, submitted in lines
                             if submitted is not None)
        first_paid = dict(db.session.execute(select(Disbursement.funding_line_id, func.min(
            Disbursement.date)).group_by(Disbursement.funding_line_id)).all())
        assert first_paid and all(planned[line].date() <= day for line, day in first_paid.items())
        written = db.session.scalars(select(AuditEvent.new_value).where(
            AuditEvent.entity == "funding_line", AuditEvent.action == "insert")).all()
        assert all(json.loads(v)["disbursed"] == "0" for v in written)  # planned, not yet paid
        changes = db.session.scalars(select(BudgetChange)).all()
        asked = {c.id: c.requested_at for c in changes}
        events = dict(db.session.execute(select(AuditEvent.entity_id, AuditEvent.at).where(
            AuditEvent.entity == "budget_change", AuditEvent.action == "insert")).all())
        assert changes and all(events[c.id] == c.requested_at for c in changes)
        assert all(c.project.submitted_at < c.requested_at and c.requested_at.date() <= as_of
                   for c in changes)
        assert all(c.project.start_date <= c.requested_at.date() for c in changes
                   if c.project.start_date <= as_of)
        assert all(c.decided_at is None or c.requested_at <= c.decided_at <= dt.datetime.combine(
            as_of, dt.time(23, 59)) for c in changes)
        assert len({at.date() for at in asked.values()}) > len(changes) // 2
        rebaselined = db.session.execute(select(AuditEvent.at, AuditEvent.note).where(
            AuditEvent.entity == "project", AuditEvent.field == "budget_total")).all()
        assert rebaselined and all(at.date() <= as_of for at, _ in rebaselined)
        assert all("变更申请" in note for _, note in rebaselined)
        from projects.schedule.models import Rebaseline
        moved = db.session.scalars(select(Rebaseline)).all()
        decided = dict(db.session.execute(select(AuditEvent.entity_id, AuditEvent.at).where(
            AuditEvent.entity == "rebaseline", AuditEvent.action == "insert")).all())
        assert moved and all(r.requested_at <= r.decided_at == decided[r.id] and
                             r.decided_at.date() <= as_of for r in moved)
        assert len({r.decided_at.date() for r in moved}) > len(moved) // 2
