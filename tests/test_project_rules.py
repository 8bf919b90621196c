"""Project input rules through the API (and the web form): each error names the field and why,
in the user's language, and a refused request writes nothing."""
import pytest
from sqlalchemy import func, select

from conftest import proposal
from core.audit import AuditEvent
from core.extensions import db
from projects.models import Project

BAD_FIELDS = [
    ({"code": "tc 2013/1"}, "code"),
    ({"department": "市不存在局"}, "department"),
    ({"plan_task": "T9"}, "plan_task"),
    ({"plan_task": "T"}, "plan_task"),
    ({"category": "blockchain"}, "category"),
    ({"budget_total": "-5"}, "budget_total"),
    ({"budget_total": "0"}, "budget_total"),
    ({"budget_total": "12.345"}, "budget_total"),
    ({"budget_total": "abc"}, "budget_total"),
    ({"start_date": "2013-13-01"}, "start_date"),
    ({"end_date": "2012-01-01"}, "end_date"),
    ({"name": ""}, "name"),
]


def _counts(app):
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Project)),
                db.session.scalar(select(func.count()).select_from(AuditEvent)))


@pytest.mark.parametrize("change, field", BAD_FIELDS, ids=[f for _c, f in BAD_FIELDS])
def test_each_bad_field_is_named_and_nothing_is_written(api, app, change, field):
    before = _counts(app)
    response = api.as_user("office").post("/api/v1/project/", json=proposal(**change))
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert field in body["errors"], body
    assert all(isinstance(m, str) and m for m in body["errors"][field])
    assert _counts(app) == before


def test_missing_fields_are_each_named(api):
    response = api.as_user("office").post("/api/v1/project/", json={"name": "只有名称"})
    errors = response.get_json()["errors"]
    assert response.status_code == 422
    assert {"code", "department", "plan_task", "category", "budget_total", "start_date",
            "end_date"} <= set(errors)


def test_codes_are_unique(api, make_project):
    make_project()
    response = api.as_user("office").post("/api/v1/project/", json=proposal(name="另一个"))
    assert response.status_code == 422
    assert "TC-2013-001" in response.get_json()["errors"]["code"][0]


def test_messages_follow_the_users_language(api):
    office = api.as_user("office")
    chinese = office.post("/api/v1/project/", json=proposal(end_date="2012-01-01"))
    english = office.post("/api/v1/project/?_l_=en", json=proposal(end_date="2012-01-01"))
    assert "开始日期" in chinese.get_json()["errors"]["end_date"][0]
    assert "end date" in english.get_json()["errors"]["end_date"][0]


def test_a_valid_project_is_created_in_draft_with_exact_money(api, app):
    response = api.as_user("office").post("/api/v1/project/", json=proposal(
        budget_total="1234567.89", plan_task=["T3.1", "T5"]))
    assert response.status_code == 201, response.get_json()
    with app.app_context():
        project = db.session.get(Project, response.get_json()["id"])
        assert project.status == "draft"
        assert str(project.budget_total) == "1234567.89"
        assert project.primary_task.code == "T3.1"
        assert [t.code for t in project.plan_tasks] == ["T3.1", "T5"]
        assert project.capabilities == "视频监控、治安防控"


def test_update_checks_the_same_rules(api, app, make_project):
    project_id = make_project()
    office = api.as_user("office")
    response = office.put(f"/api/v1/project/{project_id}", json={"end_date": "2010-01-01"})
    assert response.status_code == 422 and "end_date" in response.get_json()["errors"]
    response = office.put(f"/api/v1/project/{project_id}", json={"budget_total": "3000000"})
    assert response.status_code == 200
    with app.app_context():
        assert str(db.session.get(Project, project_id).budget_total) == "3000000.00"


def test_a_submitted_proposal_is_no_longer_editable_by_its_department(api, app, make_project):
    project_id = make_project(status="submitted")
    response = api.as_user("pm").put(f"/api/v1/project/{project_id}", json={"name": "改名"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Project, project_id).name == proposal()["name"]


def test_web_form_refuses_a_bad_project_and_keeps_nothing(web, app):
    with app.app_context():
        from plan.models import Department, PlanTask
        dept = db.session.scalar(select(Department.id).where(Department.name == "市公安局"))
        task = db.session.scalar(select(PlanTask.id).where(PlanTask.code == "T3"))
    form = {"code": "TC-2013-009", "name": "公安视频平台", "department": dept,
            "primary_task": task, "category": "emergency", "description": "说明",
            "capabilities": "视频监控", "budget_total": "100000", "start_date": "2013-05-01",
            "end_date": "2013-01-01", "protection_level": ""}
    page = web.as_user("pm").post("/projects/add", data=form, follow_redirects=True)
    assert "不能早于" in page.get_data(as_text=True)
    assert _counts(app)[0] == 0
    form["end_date"] = "2013-12-31"
    web.as_user("pm").post("/projects/add", data=form)
    with app.app_context():
        project = db.session.scalar(select(Project))
        assert (project.code, project.status, project.created_by) == ("TC-2013-009", "draft", "pm")
        assert [t.code for t in project.plan_tasks] == ["T3"]
