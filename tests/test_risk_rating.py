"""The project rating: each documented rule on constructed projects, the recent view beside
the cumulative one, the manual override that needs a reason, and the rating history."""
import datetime as dt

from core.extensions import db
from risk_support import ON, add_finding, add_milestone, add_risk, points, rate

D = dt.date


def test_a_project_on_plan_is_rated_5(app, make_project):
    pid = make_project(status="in_construction")
    add_milestone(app, pid, "contract", D(2013, 2, 15), actual=D(2013, 2, 15))
    result = rate(app, pid).cumulative
    assert result.rating == 5
    assert set(points(result).values()) == {0}
    cost = next(c for c in result.contributions if c.key == "cost_variance")
    assert cost.value == 0 and cost.band == "within"  # budgets' figure: no change requested


def test_without_a_cost_provider_the_rating_says_cost_is_not_available(app, make_project,
                                                                       hooks):
    hooks.provide("cost_variance", None)  # an installation without the funding package
    pid = make_project(status="in_construction")
    cost = next(c for c in rate(app, pid).cumulative.contributions if c.key == "cost_variance")
    assert cost.value is None and cost.note == "cost_rule_inactive"


def test_schedule_variance_bands_cost_one_and_two_points(app, make_project):
    moderate = make_project(status="in_construction")
    # 61 days late on a 305-day project: 20% -> band 10-30%
    add_milestone(app, moderate, "contract", D(2013, 3, 1), actual=D(2013, 5, 1))
    result = rate(app, moderate).cumulative
    assert points(result)["schedule_variance"] == 1 and result.rating == 4
    over = make_project(status="in_construction", code="TC-2013-002")
    # 100 days late: 32.8% -> over 30%
    add_milestone(app, over, "contract", D(2013, 3, 1), actual=D(2013, 6, 9))
    result = rate(app, over).cumulative
    schedule = next(c for c in result.contributions if c.key == "schedule_variance")
    assert (schedule.band, schedule.points, result.rating) == ("over", 2, 3)
    assert schedule.value == 32.8


def test_overdue_milestones_count_one_point_and_two_from_three(app, make_project):
    pid = make_project(status="in_construction")
    add_milestone(app, pid, "tender", D(2014, 6, 10))  # 20 days late on ON, grace is 7
    assert points(rate(app, pid).cumulative)["overdue_milestones"] == 1
    add_milestone(app, pid, "contract", D(2014, 6, 12))
    add_milestone(app, pid, "construction_start", D(2014, 6, 20))
    result = rate(app, pid).cumulative
    assert points(result)["overdue_milestones"] == 2
    assert next(c.value for c in result.contributions if c.key == "overdue_milestones") == 3
    # the slip of 20 days is 6.6% of the project: no schedule variance points
    assert points(result)["schedule_variance"] == 0 and result.rating == 3


def test_open_high_risks_count_and_closed_or_medium_ones_do_not(app, make_project):
    pid = make_project(status="in_construction")
    add_risk(app, pid, 3, 3)  # 9 medium
    add_risk(app, pid, 5, 5, status="closed")
    assert points(rate(app, pid).cumulative)["open_high_risks"] == 0
    add_risk(app, pid, 4, 3)  # 12 high
    assert points(rate(app, pid).cumulative)["open_high_risks"] == 1
    add_risk(app, pid, 5, 4, status="mitigating")  # 20 critical, still open
    add_risk(app, pid, 2, 5)  # 10 high
    result = rate(app, pid).cumulative
    assert points(result)["open_high_risks"] == 2 and result.rating == 3


def test_open_audit_findings_count_and_the_rating_stops_at_1(app, make_project):
    pid = make_project(status="in_construction")
    add_finding(app, pid, status="closed")
    assert points(rate(app, pid).cumulative)["open_audit_findings"] == 0
    add_finding(app, pid)
    assert rate(app, pid).cumulative.rating == 4
    for day in (1, 2, 3):
        add_milestone(app, pid, "supervision_report", D(2014, 5, day))
    add_risk(app, pid, 5, 5)
    add_risk(app, pid, 5, 5)
    add_risk(app, pid, 5, 5)
    add_milestone(app, pid, "contract", D(2013, 3, 1), actual=D(2013, 9, 1))
    result = rate(app, pid).cumulative
    assert sum(points(result).values()) == 7 and result.rating == 1


def test_recent_view_leaves_out_an_old_slip_the_cumulative_one_keeps(app, make_project):
    pid = make_project(status="in_construction")
    add_milestone(app, pid, "contract", D(2013, 3, 1), actual=D(2013, 6, 9))  # 100 days late
    add_milestone(app, pid, "trial_operation", D(2014, 3, 1), actual=D(2014, 3, 1))
    add_finding(app, pid, raised=D(2013, 8, 1))  # still open: counts in both views
    rated = rate(app, pid)
    assert rated.cumulative.rating == 2
    assert points(rated.cumulative) == {"cost_variance": 0, "schedule_variance": 2,
                                        "open_high_risks": 0, "overdue_milestones": 0,
                                        "open_audit_findings": 1}
    assert points(rated.recent)["schedule_variance"] == 0 and rated.recent.rating == 4
    # a milestone overdue since long before the window is current trouble in both views
    add_milestone(app, pid, "initial_acceptance", D(2013, 10, 1))
    rated = rate(app, pid)
    assert points(rated.recent)["overdue_milestones"] == 1
    assert points(rated.recent)["schedule_variance"] == 2


def test_manual_rating_needs_a_reason_and_both_are_kept_with_history(web, app, make_project):
    pid = make_project(status="in_construction")
    add_milestone(app, pid, "contract", D(2013, 3, 1), actual=D(2013, 6, 9))
    office = web.as_user("office")
    page = office.post(f"/risk/rating/{pid}", data={"rating": "4", "reason": " "},
                       follow_redirects=True).get_data(as_text=True)
    assert "理由" in page or "reason" in page.lower()
    from risk.models import RatingEntry
    from sqlalchemy import select
    with app.app_context():
        assert db.session.scalar(select(RatingEntry).where(RatingEntry.kind == "manual")) is None
    office.post(f"/risk/rating/{pid}", data={"rating": "4", "reason": "承建单位已增派人员,进度已追回"})
    page = office.get(f"/projects/show/{pid}").get_data(as_text=True)
    assert 'id="rating-manual"' in page and "进度已追回" in page
    assert 'id="rating-cumulative"' in page and 'id="rating-recent"' in page
    with app.app_context():
        entries = db.session.scalars(select(RatingEntry).where(RatingEntry.project_id == pid)
                                     .order_by(RatingEntry.id)).all()
        # the computed ratings were recorded beside the manual one
        assert [(e.kind, e.rating) for e in entries][-1] == ("manual", 4)
        assert {e.kind for e in entries} == {"computed", "manual"}
        assert entries[-1].rated_by == "office"
    # a ProjectManager may not rate
    assert web.as_user("pm").post(f"/risk/rating/{pid}", data={
        "rating": "5", "reason": "一切正常的理由"}).status_code in (302, 403)
    with app.app_context():
        assert db.session.scalar(select(RatingEntry.rating).where(
            RatingEntry.kind == "manual").order_by(RatingEntry.id.desc()).limit(1)) == 4


def test_manual_rating_service_refuses_without_reason(ctx, app, make_project):
    import pytest
    from core.errors import ValidationFailed
    from projects.models import Project
    from risk.rating import set_manual_rating
    pid = make_project(status="in_construction")
    project = db.session.get(Project, pid)
    with pytest.raises(ValidationFailed) as refused:
        set_manual_rating(project, {"rating": 2})
    assert "reason" in refused.value.errors
    with pytest.raises(ValidationFailed) as refused:
        set_manual_rating(project, {"rating": 7, "reason": "理由充分的说明"})
    assert "rating" in refused.value.errors


def test_refresh_records_computed_ratings_only_when_they_change(runner, app, make_project):
    from risk.models import RatingEntry
    from sqlalchemy import func, select
    pid = make_project(status="in_construction")
    add_milestone(app, pid, "contract", D(2013, 3, 1), actual=D(2013, 3, 1))
    count = lambda: db.session.scalar(select(func.count()).select_from(RatingEntry))  # noqa: E731
    assert runner.invoke(args=["risk", "refresh", "--on", ON.isoformat()]).exit_code == 0
    with app.app_context():
        assert count() == 2
    runner.invoke(args=["risk", "refresh", "--on", ON.isoformat()])
    with app.app_context():
        assert count() == 2
    add_risk(app, pid, 5, 4)
    out = runner.invoke(args=["risk", "refresh", "--on", ON.isoformat()])
    assert out.exit_code == 0 and "cost rule inactive" not in out.output
    with app.app_context():
        last = db.session.scalars(select(RatingEntry).where(RatingEntry.span == "cumulative")
                                  .order_by(RatingEntry.id.desc())).first()
        assert last.rating == 4 and any(c["key"] == "open_high_risks" and c["points"] == 1
                                        for c in last.contributions)
