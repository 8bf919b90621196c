"""A ProjectManager works inside its department: another department's unapproved project is
invisible by URL, API and export; approved ones are readable but not changeable."""
import io
import re

import openpyxl
from sqlalchemy import func, select

from conftest import get_project, proposal
from core.extensions import db
from projects.models import Project

OTHER = dict(code="TC-2013-050", department="市水利局", name="防汛抗旱指挥系统",
             category="emergency")


def listed_codes(client, url="/projects/list/"):
    html = client.get(url).get_data(as_text=True)
    return set(re.findall(r"<td>\s*(TC-[0-9-]+)\s*</td>", html))


def test_list_and_search_hide_other_departments_unapproved_projects(web, make_project):
    make_project(code="TC-2013-001")
    make_project(**OTHER)
    make_project(status="approved", code="TC-2013-051", department="市水利局",
                 name="水资源监测平台")
    pm = web.as_user("pm")
    assert listed_codes(pm) == {"TC-2013-001", "TC-2013-051"}
    assert listed_codes(pm, "/projects/list/?_flt_0_code=TC-2013-050") == set()
    assert listed_codes(web.as_user("auditor")) == {"TC-2013-001", "TC-2013-050", "TC-2013-051"}


def test_other_departments_unapproved_project_cannot_be_opened_edited_or_deleted(web, app,
                                                                                make_project):
    other = make_project(**OTHER)
    pm = web.as_user("pm")
    assert pm.get(f"/projects/show/{other}").status_code == 404
    assert pm.get(f"/projects/edit/{other}").status_code == 404
    pm.post(f"/projects/edit/{other}", data={"name": "改名"})
    pm.get(f"/projects/delete/{other}")
    pm.post(f"/projects/delete/{other}")
    with app.app_context():
        project = get_project(other)
        assert project is not None and project.name == OTHER["name"]


def test_approved_project_of_another_department_is_read_only(web, app, make_project):
    other = make_project(status="approved", **OTHER)
    pm = web.as_user("pm")
    assert pm.get(f"/projects/show/{other}").status_code == 200
    response = pm.post(f"/projects/edit/{other}", data={"name": "改名"}, follow_redirects=True)
    assert response.status_code == 200
    pm.post(f"/projects/delete/{other}")
    with app.app_context():
        assert get_project(other).name == OTHER["name"]


def test_api_hides_and_protects_other_departments_projects(api, app, make_project):
    own = make_project()
    other = make_project(**OTHER)
    pm = api.as_user("pm")
    codes = {p["code"] for p in pm.get("/api/v1/project/?q=(page_size:100)").get_json()["result"]}
    assert codes == {"TC-2013-001"}
    assert pm.get(f"/api/v1/project/{other}").status_code == 404
    assert pm.put(f"/api/v1/project/{other}", json={"name": "改名"}).status_code == 404
    assert pm.delete(f"/api/v1/project/{other}").status_code == 404
    assert pm.post(f"/api/v1/project/{other}/transition",
                   json={"to": "submitted"}).status_code == 404
    assert pm.get(f"/api/v1/project/{own}").status_code == 200
    with app.app_context():
        project = get_project(other)
        assert (project.name, project.status) == (OTHER["name"], "draft")


def test_project_json_carries_the_documented_keys(api, make_project):
    own = make_project()
    result = api.as_user("pm").get(f"/api/v1/project/{own}").get_json()["result"]
    assert {"id", "code", "name", "status", "department", "budget_total"} <= set(result)
    assert result["department"]["name"] == "市公安局" and result["department"]["code"]
    assert result["status"] == "draft" and result["budget_total"] in ("2500000.00", 2500000.0)


def test_project_manager_creates_projects_for_its_own_department_only(api, web, app):
    pm = api.as_user("pm")
    response = pm.post("/api/v1/project/", json=proposal(department="市水利局"))
    assert response.status_code == 403
    assert "department" in response.get_json()["errors"]
    response = pm.post("/api/v1/project/", json=proposal())
    assert response.status_code == 201
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Project)) == 1
        water = db.session.scalar(select(Project.department_id).limit(1))
    form = web.as_user("pm2").get("/projects/add").get_data(as_text=True)
    assert "市水利局" in form and "市公安局" not in form
    assert water


def test_export_holds_only_what_the_user_may_see(web, make_project):
    make_project()
    make_project(**OTHER)
    make_project(status="in_operation", code="TC-2012-009", department="市水利局",
                 name="水利信息化平台")
    pm = web.as_user("pm")
    csv_text = pm.get("/projects/export/csv").get_data().decode("utf-8-sig")
    assert "TC-2013-001" in csv_text and "TC-2012-009" in csv_text
    assert "TC-2013-050" not in csv_text
    workbook = openpyxl.load_workbook(io.BytesIO(pm.get("/projects/export/xlsx").get_data()))
    codes = [row[0].value for row in workbook.active.iter_rows(min_row=2)]
    assert sorted(codes) == ["TC-2012-009", "TC-2013-001"]
    office_csv = web.as_user("office").get("/projects/export/csv").get_data().decode("utf-8-sig")
    assert "TC-2013-050" in office_csv


def test_export_respects_the_lists_search_filter(web, make_project):
    make_project()
    make_project(status="approved", code="TC-2013-002", name="公安指挥中心大屏")
    csv_text = web.as_user("office").get(
        "/projects/export/csv?_flt_0_status=approved").get_data().decode("utf-8-sig")
    assert "TC-2013-002" in csv_text and "TC-2013-001" not in csv_text


def test_export_writes_formula_like_text_as_text(web, make_project):
    make_project(name="=HYPERLINK(\"http://evil\")系统")
    csv_text = web.as_user("office").get("/projects/export/csv").get_data().decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text
    data = web.as_user("office").get("/projects/export/xlsx").get_data()
    cell = openpyxl.load_workbook(io.BytesIO(data)).active["B2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_auditor_and_admin_change_no_project(api, app, make_project):
    own = make_project()
    for user in ("auditor", "admin"):
        client = api.as_user(user)
        assert client.put(f"/api/v1/project/{own}", json={"name": "x"}).status_code in (403, 401)
        assert client.delete(f"/api/v1/project/{own}").status_code in (403, 401)
        assert client.post("/api/v1/project/", json=proposal(code="TC-2013-077")).status_code \
            in (403, 401)
    with app.app_context():
        assert get_project(own).name == proposal()["name"]


def test_forms_and_search_lists_offer_no_hidden_project(web, make_project):
    make_project(**OTHER)  # another department's draft
    pm = web.as_user("pm")
    for url in ("/projects/add", "/reviewview/list/", "/dataitems/list/", "/dataitems/add"):
        page = pm.get(url).get_data(as_text=True)
        assert "防汛抗旱指挥系统" not in page, url
