"""Audit findings: raised and verified by Auditors only; the department reports the
rectification; overdue rectifications are listed; everyone who sees the project sees them."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from core.audit import AuditEvent
from core.extensions import db

FINDING = {"severity": "high", "description": "项目未按规定委托工程监理单位。",
           "rectification_owner": "市公安局信息中心主任", "deadline": "2014-03-31",
           "raised_on": "2014-01-15"}


@pytest.fixture
def project(make_project):
    return make_project(status="in_construction")


def raise_finding(api, user, project, **overrides):
    return api.as_user(user).post("/api/v1/auditfinding/",
                                  json={**FINDING, "project": project, **overrides})


def count_findings(app):
    from projects.schedule.models import AuditFinding
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditFinding))


def test_an_auditor_raises_a_finding_and_it_is_audited(api, app, project):
    response = raise_finding(api, "auditor", project)
    assert response.status_code == 201, response.get_json()
    result = response.get_json()["result"]
    assert (result["status"], result["raised_by"], result["severity"]) == ("open", "auditor",
                                                                          "high")
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.actor).where(
            AuditEvent.entity == "audit_finding", AuditEvent.action == "insert")) == "auditor"


@pytest.mark.parametrize("user", ["pm", "pm2", "office", "admin"])
def test_only_auditors_raise_findings(api, app, project, user):
    assert raise_finding(api, user, project).status_code == 403
    assert count_findings(app) == 0


def test_the_web_form_is_for_auditors(web, app, project):
    assert web.as_user("pm").get("/findings/add").status_code == 403
    assert web.as_user("office").get("/findings/add").status_code == 403
    auditor = web.as_user("auditor")
    form = auditor.get("/findings/add").get_data(as_text=True)
    assert "整改期限" in form
    deadline = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    auditor.post("/findings/add", data={**FINDING, "project": str(project),
                                        "deadline": "2014-03-31"})
    assert count_findings(app) == 0  # raised today, due years ago: refused
    auditor.post("/findings/add", data={**FINDING, "project": str(project), "deadline": deadline})
    assert count_findings(app) == 1


def test_a_finding_needs_its_fields(api, app, project):
    response = raise_finding(api, "auditor", project, severity="huge", deadline="2013-01-01")
    assert response.status_code == 422
    assert {"severity", "deadline"} <= set(response.get_json()["errors"])
    response = raise_finding(api, "auditor", project, rectification_owner="")
    assert response.status_code == 422
    assert "rectification_owner" in response.get_json()["errors"]
    assert count_findings(app) == 0


def test_the_department_reports_rectification_and_the_auditor_closes(api, app, project):
    fid = raise_finding(api, "auditor", project).get_json()["id"]
    # another department's PM and the department itself changing the finding: refused
    assert api.as_user("pm2").put(f"/api/v1/auditfinding/{fid}", json={
        "rectification_note": "已整改"}).status_code == 403
    assert api.as_user("pm").put(f"/api/v1/auditfinding/{fid}", json={
        "deadline": "2015-12-31"}).status_code == 403
    assert api.as_user("pm").put(f"/api/v1/auditfinding/{fid}", json={
        "status": "closed", "rectification_note": "已整改"}).status_code == 403
    assert api.as_user("pm").put(f"/api/v1/auditfinding/{fid}", json={
        "status": "rectified"}).status_code == 422  # says nothing about what was done
    response = api.as_user("pm").put(f"/api/v1/auditfinding/{fid}", json={
        "rectification_note": "已与监理公司签订监理合同并补充监理报告。"})
    assert response.status_code == 200 and response.get_json()["result"]["status"] == "rectified"
    response = api.as_user("auditor").put(f"/api/v1/auditfinding/{fid}", json={"status": "closed"})
    assert response.status_code == 200
    assert response.get_json()["result"]["closed_on"] == dt.date.today().isoformat()


def test_overdue_rectifications_are_listed(api, web, app, project):
    raise_finding(api, "auditor", project, description="合同变更未履行审批手续。",
                  deadline="2014-03-31")
    future = (dt.date.today() + dt.timedelta(days=20)).isoformat()
    raise_finding(api, "auditor", project, description="档案资料归档不完整。",
                  raised_on=dt.date.today().isoformat(), deadline=future)
    page = web.as_user("auditor").get("/schedule/overdue").get_data(as_text=True)
    assert "合同变更未履行审批手续" in page and "档案资料归档不完整" not in page
    home = web.as_user("pm").get("/").get_data(as_text=True)
    assert "合同变更未履行审批手续"[:10] in home  # overdue on the department's home page
    assert "档案资料归档不完整"[:8] in home  # due within 30 days


def test_web_rectification_by_the_department(api, web, app, project):
    fid = raise_finding(api, "auditor", project).get_json()["id"]
    page = web.as_user("pm").get(f"/findings/show/{fid}").get_data(as_text=True)
    assert 'id="rectify-form"' in page
    assert 'id="rectify-form"' not in web.as_user("pm2").get(f"/findings/show/{fid}") \
        .get_data(as_text=True)
    web.as_user("pm").post(f"/findings/rectify/{fid}",
                           data={"rectification_note": "已补签监理合同。"})
    from projects.schedule.models import AuditFinding
    with app.app_context():
        assert db.session.get(AuditFinding, fid).status == "rectified"


def test_the_auditor_raises_a_finding_from_the_project_and_comes_back(web, app, project):
    """The project page offers the Auditor 登记审计发现 for this project (nobody else); the
    saved finding brings the Auditor back to the project, where it is listed."""
    assert "add-finding" not in web.as_user("pm").get(f"/projects/show/{project}").get_data(
        as_text=True)
    auditor = web.as_user("auditor")
    page = auditor.get(f"/projects/show/{project}").get_data(as_text=True)
    link = f"/findings/add?_flt_0_project={project}"
    assert 'id="add-finding"' in page and link in page
    deadline = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    saved = auditor.post(link, data={**FINDING, "project": str(project), "deadline": deadline})
    assert saved.status_code == 302 and saved.headers["Location"].endswith(
        f"/projects/show/{project}")
    assert FINDING["description"] in auditor.get(f"/projects/show/{project}").get_data(
        as_text=True)
