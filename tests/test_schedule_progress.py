"""The department's ProjectManager records what happened; overdue milestones and schedule
variance follow from constructed dates; a re-baseline needs the Office's approval."""
import datetime as dt

import pytest
from sqlalchemy import select

from core.audit import AuditEvent
from core.extensions import db
from schedule_support import FIXED_TODAY, get_milestone, milestone_id, plan_milestones

PERIOD = dict(start_date="2013-03-01", end_date="2013-12-31", budget_total="500000.00")


@pytest.fixture
def fixed_today(set_today):
    return set_today(FIXED_TODAY)


@pytest.fixture
def planned(app, make_project):
    """An approved 市公安局 project with its milestones planned (contract on 2013-02-15)."""
    pid = make_project(status="in_construction", **PERIOD)
    plan_milestones(app, pid)
    return pid


def put(api, user, mid, body):
    return api.as_user(user).put(f"/api/v1/milestone/{mid}", json=body)


def test_the_departments_pm_records_the_actual_date_and_it_is_audited(api, app, planned):
    mid = milestone_id(app, planned, "contract")
    response = put(api, "pm", mid, {"actual_date": "2013-02-20", "note": "合同已签订"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["result"]["status"] == "done"
    with app.app_context():
        milestone = get_milestone(mid)
        assert (milestone.actual_date, milestone.baseline_date) == (dt.date(2013, 2, 20),
                                                                    dt.date(2013, 2, 15))
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.entity == "milestone", AuditEvent.entity_id == mid,
            AuditEvent.field == "actual_date"))
        assert (event.actor, event.new_value) == ("pm", "2013-02-20")


@pytest.mark.parametrize("user, status", [("pm2", 403), ("office", 403), ("auditor", 403),
                                          ("admin", 403)])
def test_nobody_else_updates_milestones(api, app, planned, user, status):
    mid = milestone_id(app, planned, "contract")
    assert put(api, user, mid, {"actual_date": "2013-02-20"}).status_code == status
    with app.app_context():
        assert get_milestone(mid).actual_date is None


def test_inconsistent_updates_are_refused(api, app, planned):
    mid = milestone_id(app, planned, "contract")
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    response = put(api, "pm", mid, {"actual_date": future})
    assert response.status_code == 422 and "actual_date" in response.get_json()["errors"]
    response = put(api, "pm", mid, {"status": "done"})
    assert response.status_code == 422 and "actual_date" in response.get_json()["errors"]
    response = put(api, "pm", mid, {"status": "cancelled"})
    assert response.status_code == 422 and "note" in response.get_json()["errors"]
    with app.app_context():
        assert get_milestone(mid).status == "planned"


def test_moving_the_planned_date_keeps_the_baseline(api, app, planned):
    mid = milestone_id(app, planned, "trial_operation")
    with app.app_context():
        baseline = get_milestone(mid).baseline_date
    assert put(api, "pm", mid, {"planned_date": "2014-03-01"}).status_code == 200
    with app.app_context():
        milestone = get_milestone(mid)
        assert (milestone.planned_date, milestone.baseline_date) == (dt.date(2014, 3, 1),
                                                                     baseline)


def test_overdue_after_the_grace_days(app, planned, fixed_today):
    from projects.schedule import schedule
    from projects.schedule.models import Milestone
    grace = app.config["MILESTONE_GRACE_DAYS"]
    with app.test_request_context():
        m = db.session.get(Milestone, milestone_id(app, planned, "final_acceptance"))
        m.planned_date = fixed_today - dt.timedelta(days=grace)
        assert not schedule.is_overdue(m)
        m.planned_date = fixed_today - dt.timedelta(days=grace + 1)
        assert schedule.is_overdue(m)
        m.status, m.actual_date = "done", fixed_today
        assert not schedule.is_overdue(m)
        db.session.rollback()


def test_variance_in_days_and_percent_against_the_baseline(app, planned, fixed_today):
    """Period 2013-03-01..2013-12-31 is 305 days. Everything up to initial acceptance reached
    on its baseline; final acceptance (baseline 2013-12-31) still open on 2014-06-30: 181
    days behind, 59.3 %; the final-accounts audit (baseline 2014-03-31) is 91 days behind."""
    from projects.models import Project
    from projects.schedule import schedule
    with app.test_request_context():
        project = db.session.get(Project, planned)
        for m in project.milestones:
            if m.baseline_date < dt.date(2013, 12, 31):
                m.status, m.actual_date = "done", m.baseline_date
        variance = schedule.project_variance(project)
        assert (variance.days, variance.percent, variance.overdue) == (181, 59.3, 2)
        for m in project.milestones:  # reached, 10 days late and on time
            if m.type == "final_acceptance":
                m.status, m.actual_date = "done", dt.date(2014, 1, 10)
            if m.type == "final_accounts_audit":
                m.status, m.actual_date = "done", m.baseline_date
        variance = schedule.project_variance(project)
        assert (variance.days, variance.percent, variance.overdue) == (10, 3.3, 0)
        db.session.rollback()


def test_variance_report_and_overdue_page_show_the_late_project(web, app, planned,
                                                                fixed_today):
    """Nothing reached by 2014-06-30: the contract (baseline 2013-02-15) is 500 days behind,
    164 % of the 305-day period; six milestones are overdue, the post-evaluation is not."""
    page = web.as_user("office").get("/schedule/variance").get_data(as_text=True)
    assert 'data-code="TC-2013-001"' in page
    csv_text = web.as_user("pm").get("/schedule/variance/export/csv").get_data().decode(
        "utf-8-sig")
    row = [line for line in csv_text.splitlines() if line.startswith("TC-2013-001")][0]
    assert row.endswith(",500,163.9,6,0")
    overdue = web.as_user("pm").get("/schedule/overdue").get_data(as_text=True)
    assert 'id="overdue-milestone-count">6<' in overdue


def test_rebaseline_needs_the_offices_approval(web, app, planned):
    from projects.schedule.models import Rebaseline
    mid = milestone_id(app, planned, "final_acceptance")
    pm, office = web.as_user("pm"), web.as_user("office")
    # nothing moved yet: refused
    pm.post(f"/rebaselines/request/{planned}", data={"reason": "配套资金推迟到位"})
    with app.app_context():
        assert db.session.scalar(select(Rebaseline.id)) is None
    with app.app_context():
        get_milestone(mid).planned_date = dt.date(2014, 6, 30)
        db.session.commit()
    pm.post(f"/rebaselines/request/{planned}", data={"reason": ""})  # no reason: refused
    with app.app_context():
        assert db.session.scalar(select(Rebaseline.id)) is None
    pm.post(f"/rebaselines/request/{planned}", data={"reason": "配套资金推迟到位,工期顺延半年"})
    with app.app_context():
        request = db.session.scalar(select(Rebaseline))
        assert request.status == "pending" and request.proposed == {str(mid): "2014-06-30"}
        assert get_milestone(mid).baseline_date == dt.date(2013, 12, 31)
        rid = request.id
    assert pm.post(f"/rebaselines/decide/{rid}", data={"decision": "approve"}).status_code == 403
    office.post(f"/rebaselines/decide/{rid}", data={"decision": "reject"})  # no comment
    with app.app_context():
        assert db.session.get(Rebaseline, rid).status == "pending"
    page = office.get("/rebaselines/list/").get_data(as_text=True)
    assert "配套资金推迟到位" in page and 'data-decision="approve"' in page
    office.post(f"/rebaselines/decide/{rid}", data={"decision": "approve"})
    with app.app_context():
        from projects.schedule.schedule import rebaseline_count
        assert db.session.get(Rebaseline, rid).status == "approved"
        assert get_milestone(mid).baseline_date == dt.date(2014, 6, 30)
        assert rebaseline_count(planned) == 1
    page = pm.get(f"/projects/show/{planned}").get_data(as_text=True)
    assert 'id="schedule-variance"' in page


def test_one_pending_rebaseline_at_a_time(app, planned):
    from core.errors import Conflict
    from projects.models import Project
    from projects.schedule.schedule import request_rebaseline
    with app.test_request_context():
        project = db.session.get(Project, planned)
        project.milestones[-1].planned_date += dt.timedelta(days=30)
        request_rebaseline(project, "工期顺延一个月")
        with pytest.raises(Conflict):
            request_rebaseline(project, "再次申请")
        db.session.rollback()
