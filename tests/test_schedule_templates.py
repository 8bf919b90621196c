"""On approval a project gets its milestones from data/milestone_rules.json: always the seven
steps from contract to post-evaluation; supervision from the budget threshold on; the security
assessment from protection level 2 on; planned dates from the project's period."""
import datetime as dt

import pytest
from sqlalchemy import select

from core.extensions import db
from schedule_support import plan_milestones

ALWAYS = ["contract", "construction_start", "trial_operation", "initial_acceptance",
          "final_acceptance", "final_accounts_audit", "post_evaluation"]
PERIOD = dict(start_date="2013-03-01", end_date="2013-12-31")


def types_of(planned):
    return [t for t, _seq, _day in planned]


def test_every_project_gets_the_seven_steps_in_order(app, make_project):
    pid = make_project(status="approved", budget_total="300000.00", **PERIOD)
    planned = plan_milestones(app, pid)
    assert types_of(planned) == ALWAYS
    days = {t: d for t, _s, d in planned}
    assert days["contract"] < days["construction_start"] == dt.date(2013, 3, 1)
    assert days["final_acceptance"] == dt.date(2013, 12, 31)
    assert days["trial_operation"] < days["initial_acceptance"] < days["final_acceptance"]
    assert days["post_evaluation"] == dt.date(2014, 12, 31)  # a year after operation
    assert days["final_accounts_audit"] == dt.date(2014, 3, 31)


@pytest.mark.parametrize("budget, supervised", [("999999.99", False), ("1000000.00", True),
                                                ("2500000.00", True)])
def test_supervision_from_the_budget_threshold_on(app, make_project, budget, supervised):
    pid = make_project(status="approved", budget_total=budget, **PERIOD)
    planned = plan_milestones(app, pid)
    types = types_of(planned)
    assert ("supervision_contract" in types) is supervised
    reports = [d for t, _s, d in planned if t == "supervision_report"]
    if supervised:
        # monthly from a month after construction start until final acceptance
        assert reports[0] == dt.date(2013, 4, 1) and reports[-1] == dt.date(2013, 12, 1)
        assert len(reports) == 9
    else:
        assert reports == []


def test_the_threshold_is_configuration(app, make_project):
    pid = make_project(status="approved", budget_total="600000.00", **PERIOD)
    old = app.config["SUPERVISION_BUDGET_THRESHOLD"]
    app.config["SUPERVISION_BUDGET_THRESHOLD"] = 500000
    try:
        assert "supervision_contract" in types_of(plan_milestones(app, pid))
    finally:
        app.config["SUPERVISION_BUDGET_THRESHOLD"] = old


@pytest.mark.parametrize("level, assessed", [(None, False), (1, False), (2, True), (3, True)])
def test_security_assessment_from_protection_level_two_before_final_acceptance(
        app, make_project, level, assessed):
    pid = make_project(status="approved", budget_total="300000.00", **PERIOD)
    with app.app_context():
        from projects.models import Project
        db.session.get(Project, pid).protection_level = level
        db.session.commit()
    planned = plan_milestones(app, pid)
    types = types_of(planned)
    assert ("security_assessment" in types) is assessed
    if assessed:
        assert types.index("security_assessment") < types.index("final_acceptance")


def test_approval_plans_the_milestones_and_the_audit_trail_has_them(api, app, make_project):
    from core.audit import AuditEvent
    from projects.schedule.models import Milestone
    pid = make_project(status="in_review", funded=True, budget_total="1500000.00", **PERIOD)
    response = api.as_user("office").post(f"/api/v1/project/{pid}/transition",
                                          json={"to": "approved"})
    assert response.status_code == 200, response.get_json()
    with app.app_context():
        milestones = list(db.session.scalars(select(Milestone).where(
            Milestone.project_id == pid)))
        assert {"contract", "supervision_contract", "post_evaluation"} <= \
            {m.type for m in milestones}
        assert all(m.baseline_date == m.planned_date for m in milestones)
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.entity == "milestone", AuditEvent.action == "insert")).all()
        assert len(events) == len(milestones) and {e.actor for e in events} == {"office"}
    listed = api.as_user("pm").get(f"/api/v1/milestone/?q=(page_size:100)").get_json()
    assert listed["count"] == len(milestones)


def test_a_project_is_never_planned_twice(app, make_project):
    pid = make_project(status="approved")
    first = plan_milestones(app, pid)
    assert plan_milestones(app, pid) == first
