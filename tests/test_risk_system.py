"""Risks PlanGuard raises itself: each appears when its cause does, once, marked as raised by
the system, and closes when the cause is gone; the cost rule waits for the funding package."""
import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from core.audit import acting_as
from core.extensions import db
from risk_support import ON, add_milestone, rate, refresh, system_risks

D = dt.date


def set_milestone(app, milestone_id, **values):
    from projects.schedule.models import Milestone
    with app.app_context(), acting_as("fixture"):
        m = db.session.get(Milestone, milestone_id)
        for key, value in values.items():
            setattr(m, key, value)
        db.session.commit()


def test_overdue_milestone_raises_one_schedule_risk_and_closing_it_when_reached(
        app, make_project, set_today):
    set_today(D(2014, 6, 5))  # the commit hook's today
    pid = make_project(status="in_construction")
    mid = add_milestone(app, pid, "contract", D(2014, 6, 1))
    assert system_risks(app, pid) == []  # inside the 7 grace days
    set_today(ON)
    assert refresh(app, pid)["raised"] == 1
    assert refresh(app, pid) == {"raised": 0, "updated": 0, "closed": 0}
    assert system_risks(app, pid) == [("overdue_milestone", "open")]
    from risk.models import Risk
    with app.app_context():
        risk = db.session.scalar(select(Risk).where(Risk.project_id == pid))
        assert (risk.category, risk.raised_by, risk.score) == ("schedule", "system", 15)
        assert "2014-06-01" in risk.title and "合同" in risk.title
    set_milestone(app, mid, status="done", actual_date=D(2014, 6, 20))
    assert system_risks(app, pid) == [("overdue_milestone", "closed")]  # the commit re-evaluated
    # a new slip raises a new risk; the closed one stays in the register
    add_milestone(app, pid, "tender", D(2014, 5, 1))
    refresh(app, pid)
    assert system_risks(app, pid) == [("overdue_milestone", "closed"),
                                      ("overdue_milestone", "open")]


def test_a_system_risk_cannot_be_closed_by_hand(api, app, make_project):
    pid = make_project(status="in_construction")
    add_milestone(app, pid, "contract", D(2013, 6, 1))
    refresh(app, pid)
    pm = api.as_user("pm")
    risk_id = pm.get("/api/v1/risk/").get_json()["ids"][0]
    response = pm.put(f"/api/v1/risk/{risk_id}", json={"status": "closed"})
    assert response.status_code == 409
    response = pm.put(f"/api/v1/risk/{risk_id}", json={
        "status": "mitigating", "owner": "信息中心主任", "impact": 4})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["result"]["score"] == 20
    refresh(app, pid)  # re-evaluation keeps what people set
    assert pm.get(f"/api/v1/risk/{risk_id}").get_json()["result"]["owner"] == "信息中心主任"


def approve_with_duplicate(app, pid, other_code):
    from projects.models import Project, Review
    with app.app_context(), acting_as("fixture"):
        project = db.session.get(Project, pid)
        project.reviews.append(Review(stage="design", decision="approve", reviewer="office",
                                      duplicate_check={"threshold": 0.45, "matches": [
                                          {"code": other_code, "name": "视频监控", "score": 0.8,
                                           "reasons": []}],
                                          "justifications": {other_code: "二期扩容"}}))
        db.session.commit()


def test_approved_despite_a_duplicate_until_a_reuse_link_is_recorded(app, make_project):
    other = make_project(status="in_operation", code="TC-2012-001")
    pid = make_project(status="approved")
    approve_with_duplicate(app, pid, "TC-2012-001")
    refresh(app, pid)
    assert system_risks(app, pid) == [("duplicate_approved", "open")]
    assert system_risks(app, other) == []
    from projects.guard.services import add_reuse_link
    from projects.models import Project
    with app.app_context(), acting_as("fixture"):
        add_reuse_link(db.session.get(Project, pid), "TC-2012-001")
        db.session.commit()
    assert system_risks(app, pid) == [("duplicate_approved", "closed")]


def test_an_approval_without_matches_raises_no_duplicate_risk(app, make_project):
    pid = make_project(status="approved")
    from projects.models import Project, Review
    with app.app_context(), acting_as("fixture"):
        project = db.session.get(Project, pid)
        project.reviews.append(Review(
            stage="design", decision="approve", reviewer="office",
            duplicate_check={"threshold": 0.45, "matches": [], "justifications": {}}))
        db.session.commit()
    refresh(app, pid)
    assert system_risks(app, pid) == []


def test_missing_security_assessment_where_the_protection_level_requires_it(app, make_project):
    low = make_project(status="trial_operation", code="TC-2013-002", protection_level=1)
    pid = make_project(status="trial_operation", protection_level=3)
    refresh(app, low)
    refresh(app, pid)
    assert system_risks(app, low) == []
    assert system_risks(app, pid) == [("missing_security_assessment", "open")]
    from risk.models import Risk
    with app.app_context():
        risk = db.session.scalar(select(Risk).where(Risk.project_id == pid))
        assert risk.category == "security" and "3" in risk.title
    mid = add_milestone(app, pid, "security_assessment", D(2013, 11, 1))
    refresh(app, pid)
    assert system_risks(app, pid, "missing_security_assessment") == [
        ("missing_security_assessment", "open")]  # planned, but the system runs without it
    set_milestone(app, mid, status="done", actual_date=D(2013, 11, 20))
    refresh(app, pid)
    assert system_risks(app, pid, "missing_security_assessment") == [
        ("missing_security_assessment", "closed")]


def test_closing_a_project_closes_its_system_risks(app, make_project):
    pid = make_project(status="in_construction")
    add_milestone(app, pid, "contract", D(2013, 6, 1))
    refresh(app, pid)
    from projects.models import Project
    with app.app_context(), acting_as("fixture"):
        db.session.get(Project, pid).status = "closed"
        db.session.commit()
    assert system_risks(app, pid) == [("overdue_milestone", "closed")]


def test_cost_rule_is_inactive_without_the_funding_package(web, app, make_project, hooks):
    from risk import costs
    costs.unregister_cost_variance(app)  # an installation without the funding package
    assert not costs.cost_rule_active(app)
    pid = make_project(status="in_construction")
    refresh(app, pid)
    assert system_risks(app, pid, "cost_variance") == []
    page = web.as_user("office").get("/risk/escalation").get_data(as_text=True)
    assert 'id="cost-inactive"' in page
    page = web.as_user("office").get(f"/projects/show/{pid}").get_data(as_text=True)
    assert 'data-key="cost_variance" data-points="0"' in page and "资金" in page


def test_cost_rule_with_a_registered_provider(web, app, make_project, hooks):
    from risk import costs
    figures = {}
    costs.register_cost_variance(lambda project, since=None: figures.get((project.code, since)),
                                 app=app)
    pid = make_project(status="in_construction")
    figures[("TC-2013-001", None)] = Decimal("-35.0")
    refresh(app, pid)
    assert system_risks(app, pid) == [("cost_variance", "open")]
    cost = next(c for c in rate(app, pid).cumulative.contributions
                if c.key == "cost_variance")
    assert (cost.band, cost.points) == ("over", 2)
    assert rate(app, pid).recent.contributions[0].note == "no_cost_data"
    figures[("TC-2013-001", None)] = Decimal("8")
    refresh(app, pid)
    assert system_risks(app, pid) == [("cost_variance", "closed")]
    assert rate(app, pid).cumulative.rating == 5


def test_flask_risk_refresh_covers_every_project(runner, app, make_project):
    a = make_project(status="in_construction")
    b = make_project(status="draft", code="TC-2013-002")
    add_milestone(app, a, "contract", D(2013, 6, 1))
    add_milestone(app, b, "contract", D(2013, 6, 1))
    from risk.models import Risk
    with app.app_context():
        db.session.execute(Risk.__table__.delete())  # as if the milestones came in bulk
        db.session.commit()
    out = runner.invoke(args=["risk", "refresh", "--on", ON.isoformat()])
    assert out.exit_code == 0 and "risks raised: 1" in out.output
    out = runner.invoke(args=["risk", "refresh", "--on", ON.isoformat()])
    assert "risks raised: 0" in out.output
    assert system_risks(app, a) == [("overdue_milestone", "open")] and system_risks(app, b) == []


def test_cost_rule_reads_the_funding_figures(app, make_project):
    """With budgets installed: a change request raising the budget by 40% raises a cost risk."""
    from core.audit import acting_as
    from risk import costs
    from budgets.services import request_change
    assert costs.cost_rule_active(app)
    pid = make_project(status="in_construction", funded=True)  # 2,500,000 in one 2013 line
    with app.app_context(), acting_as("pm"):
        request_change({"project": pid, "reason": "增加乡镇点位", "new_budget_total": "3500000.00",
                        "lines": [{"source": "municipal", "year": 2013,
                                   "amount": "3500000.00"}]})
        db.session.commit()
    refresh(app, pid)
    assert ("cost_variance", "open") in system_risks(app, pid)


def test_a_larger_cost_variance_is_a_larger_risk(app, make_project, hooks):
    """+13% and +45% are different bands: the risk PlanGuard raises scores them apart."""
    from risk import costs
    from risk.models import Risk
    figures = {}
    costs.register_cost_variance(lambda project, since=None: figures.get((project.code, since)),
                                 app=app)
    moderate = make_project(status="in_construction", code="TC-2013-001")
    severe = make_project(status="in_construction", code="TC-2013-002")
    figures[("TC-2013-001", None)] = Decimal("13")
    figures[("TC-2013-002", None)] = Decimal("45")
    refresh(app, moderate)
    refresh(app, severe)
    with app.app_context():
        scores = {r.project_id: (r.likelihood, r.impact) for r in db.session.scalars(
            select(Risk).where(Risk.cause == "cost_variance"))}
    assert scores[moderate] == (4, 3) and scores[severe] == (4, 5)
