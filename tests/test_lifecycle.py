"""Every lifecycle step, tried by every role through the API: allowed or refused as DESIGN §3-4
say, with a reason, and nothing changed when refused."""
import pytest
from sqlalchemy import select

from conftest import fund_fully, get_project
from core.audit import AuditEvent
from core.extensions import db
from projects.lifecycle import STEPS
from projects.models import Review

OWN_PM, OTHER_PM = "pm", "pm2"  # the test project belongs to pm's department (市公安局)
PM_STEPS = {(st.source, st.target) for st in STEPS if "ProjectManager" in st.roles}
VISIBLE_TO_ALL = {"approved", "in_construction", "trial_operation", "accepted", "in_operation",
                  "evaluated", "closed"}


def expected_status(user, step):
    if user == "office":
        return 200
    if user == OWN_PM:
        return 200 if (step.source, step.target) in PM_STEPS else 403
    if user == OTHER_PM:
        return 404 if step.source not in VISIBLE_TO_ALL else 403
    return 403  # admin, auditor


@pytest.mark.parametrize("user", ["office", OWN_PM, OTHER_PM, "admin", "auditor"])
@pytest.mark.parametrize("step", STEPS, ids=lambda st: f"{st.source}->{st.target}")
def test_step_allowed_or_refused_per_role(api, app, make_project, hooks, user, step):
    # Roles and departments only: the gates of other packages have their own tests.
    hooks.remove("gate:")
    project_id = make_project(status=step.source)
    if step.target == "approved":
        fund_fully(app, project_id)  # approval needs a funding plan equal to the budget
    body = {"to": step.target, "comment": "材料不全,请补充。" if step.needs_comment else ""}
    response = api.as_user(user).post(f"/api/v1/project/{project_id}/transition", json=body)
    want = expected_status(user, step)
    assert response.status_code == want, response.get_json()
    with app.app_context():
        project = get_project(project_id)
        assert project.status == (step.target if want == 200 else step.source)
        if want == 200:
            assert response.get_json()["result"]["status"] == step.target
            event = db.session.scalar(select(AuditEvent).where(
                AuditEvent.entity == "project", AuditEvent.entity_id == project_id,
                AuditEvent.field == "status").order_by(AuditEvent.id.desc()).limit(1))
            assert (event.old_value, event.new_value, event.actor) == (step.source, step.target,
                                                                       user)
        elif want == 403:
            assert response.get_json().get("message")


def test_return_and_reject_need_a_comment(api, app, make_project):
    project_id = make_project(status="in_review")
    office = api.as_user("office")
    for target in ("returned", "rejected"):
        response = office.post(f"/api/v1/project/{project_id}/transition", json={"to": target})
        assert response.status_code == 422
        assert "comment" in response.get_json()["errors"]
    with app.app_context():
        assert get_project(project_id).status == "in_review"


def test_a_decision_records_the_review_with_its_comment(api, app, make_project):
    project_id = make_project(status="in_review")
    response = api.as_user("office").post(f"/api/v1/project/{project_id}/transition", json={
        "to": "returned", "comment": "请说明与市视频监控平台的关系。"})
    assert response.status_code == 200
    with app.app_context():
        review = db.session.scalar(select(Review).where(Review.project_id == project_id,
                                                        Review.decision == "return"))
        assert (review.decision, review.reviewer) == ("return", "office")
        assert review.comments == "请说明与市视频监控平台的关系。"
        note = db.session.scalar(select(AuditEvent.note).where(AuditEvent.field == "status")
                                 .order_by(AuditEvent.id.desc()).limit(1))
        assert note == "请说明与市视频监控平台的关系。"


def test_a_step_that_does_not_exist_is_a_conflict(api, app, make_project):
    project_id = make_project(status="draft")
    response = api.as_user("office").post(f"/api/v1/project/{project_id}/transition",
                                          json={"to": "approved"})
    assert response.status_code == 409
    assert "message" in response.get_json()
    response = api.as_user("office").post(f"/api/v1/project/{project_id}/transition",
                                          json={"to": "finished"})
    assert response.status_code == 422


def test_an_incomplete_proposal_cannot_be_submitted(api, app, make_project):
    project_id = make_project(description="")
    response = api.as_user("pm").post(f"/api/v1/project/{project_id}/transition",
                                      json={"to": "submitted"})
    assert response.status_code == 422
    assert "description" in response.get_json()["errors"]
    with app.app_context():
        assert get_project(project_id).status == "draft"


def test_web_buttons_follow_the_same_rules(web, app, make_project):
    project_id = make_project(status="draft", funded=True)  # no funding question at submission
    pm = web.as_user("pm")
    page = pm.get(f"/projects/show/{project_id}").get_data(as_text=True)
    assert 'data-to="submitted"' in page and 'data-to="approved"' not in page
    pm.post(f"/projects/transition/{project_id}", data={"to": "approved"})
    with app.app_context():
        assert get_project(project_id).status == "draft"
    response = pm.post(f"/projects/transition/{project_id}", data={"to": "submitted"},
                       follow_redirects=True)
    assert response.status_code == 200
    with app.app_context():
        assert get_project(project_id).status == "submitted"
    office = web.as_user("office")
    office.post(f"/projects/transition/{project_id}", data={"to": "in_review"})
    page = office.get(f"/projects/show/{project_id}").get_data(as_text=True)
    assert 'data-decision="approve"' in page and 'data-decision="reject"' in page
    assert 'data-decision' not in pm.get(f"/projects/show/{project_id}").get_data(as_text=True)
    office.post(f"/projects/decide/{project_id}", data={"decision": "reject"})
    with app.app_context():
        assert get_project(project_id).status == "in_review"  # no comment: refused
    pm.post(f"/projects/decide/{project_id}", data={"decision": "reject", "comment": "x"})
    with app.app_context():
        assert get_project(project_id).status == "in_review"  # not the Office: refused
    office.post(f"/projects/decide/{project_id}", data={"decision": "reject",
                                                        "comment": "与已建平台重复"})
    with app.app_context():
        assert get_project(project_id).status == "rejected"
