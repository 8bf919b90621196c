"""No leaks across departments: what a ProjectManager is offered or shown never names another
department's unapproved proposal (DESIGN §4)."""
import json

import pytest
from sqlalchemy import select

from conftest import fund_fully, proposal
from core.extensions import db

RESOURCES = ["milestone", "risk", "auditfinding", "dataitem", "fundingline", "budgetchange",
             "review", "disbursement", "expenditure"]
SECRET_CODE, SECRET_NAME = "SL-2013-901", "水利局保密草案系统"


@pytest.fixture
def hidden_draft(make_project):
    """Another department's (市水利局) draft, which pm (市公安局) must not learn of."""
    own = make_project(status="approved", funded=True)
    other = make_project(code=SECRET_CODE, name=SECRET_NAME, department="市水利局",
                         funded=True)
    return own, other


@pytest.mark.parametrize("resource", RESOURCES)
def test_info_offers_no_hidden_project(api, app, hidden_draft, resource):
    own, other = hidden_draft
    client = api.as_user("pm")
    response = client.get(f"/api/v1/{resource}/_info")
    assert response.status_code == 200
    text = json.dumps(response.get_json(), ensure_ascii=False)
    assert SECRET_CODE not in text and SECRET_NAME not in text
    office = json.dumps(api.as_user("office").get(f"/api/v1/{resource}/_info").get_json(),
                        ensure_ascii=False)
    assert SECRET_CODE in office or "project" not in office  # the Office is offered it


@pytest.mark.parametrize("page", ["lines", "disbursements", "expenditures", "changes"])
def test_budget_search_forms_offer_no_hidden_project(web, hidden_draft, page):
    html = web.as_user("pm").get(f"/budgets/{page}/list/").get_data(as_text=True)
    assert SECRET_CODE not in html and SECRET_NAME not in html


def test_catalogue_hides_data_items_of_other_departments_drafts(web, api, app, hidden_draft):
    own, other = hidden_draft
    office = api.as_user("office")
    for pid, name in ((own, "治安视频资源"), (other, "水利保密数据资源")):
        response = office.post("/api/v1/dataitem/", json={
            "project": pid, "name": name, "direction": "produces", "shared": True})
        assert response.status_code == 201, response.get_json()
    html = web.as_user("pm").get("/catalogue/list/").get_data(as_text=True)
    assert "治安视频资源" in html and "水利保密数据资源" not in html
    assert "水利保密数据资源" in web.as_user("office").get("/catalogue/list/").get_data(
        as_text=True)


def test_moving_another_departments_data_item_is_refused(api, app, hidden_draft, make_project):
    own, _draft = hidden_draft
    other = make_project(code="SL-2013-902", name="水利调度系统", department="市水利局",
                         status="approved")  # visible to pm, read only
    item = api.as_user("pm2").post("/api/v1/dataitem/", json={
        "project": other, "name": "水利数据", "direction": "produces"}).get_json()["id"]
    client = api.as_user("pm")
    moved = client.put(f"/api/v1/dataitem/{item}", json={"project": own})
    assert moved.status_code in (403, 404), moved.get_json()
    with app.app_context():
        from projects.guard.models import DataItem
        assert db.session.get(DataItem, item).project_id == other


def test_moving_it_by_the_web_form_is_refused(web, app, hidden_draft, make_project):
    own, _draft = hidden_draft
    other = make_project(code="SL-2013-902", name="水利调度系统", department="市水利局",
                         status="approved")
    with app.app_context():
        from projects.guard.models import DataItem
        item = DataItem(project_id=other, name="水利数据", direction="produces")
        db.session.add(item)
        db.session.commit()
        item_id = item.id
    web.as_user("pm").post(f"/dataitems/edit/{item_id}", data={
        "project": str(own), "name": "水利数据", "direction": "produces"})
    with app.app_context():
        assert db.session.get(DataItem, item_id).project_id == other


def _submit_with_match(app, api, make_project):
    """pm2's proposal (hidden from pm) and pm's near-identical one, both submitted: pm's stored
    check matches pm2's proposal."""
    hidden = make_project(code=SECRET_CODE, name="城区治安视频监控系统二期", department="市水利局",
                          status="submitted")
    mine = make_project(funded=True)
    return hidden, mine


def test_transition_warnings_name_only_visible_matches(api, app, make_project):
    hidden, mine = _submit_with_match(app, api, make_project)
    response = api.as_user("pm").post(f"/api/v1/project/{mine}/transition",
                                      json={"to": "submitted", "comment": "报送"})
    assert response.status_code == 200, response.get_json()
    body = json.dumps(response.get_json(), ensure_ascii=False)
    assert SECRET_CODE not in body
    with app.app_context():
        from projects.guard.services import latest_check
        stored = latest_check(mine, "submission").result["matches"]
    assert SECRET_CODE in [m["code"] for m in stored]  # stored in full, for the Office
    assert "1" in body  # ... and the submitter is told that hidden ones exist


def test_show_page_and_queue_name_only_visible_matches(web, api, app, make_project):
    hidden, mine = _submit_with_match(app, api, make_project)
    assert api.as_user("pm").post(f"/api/v1/project/{mine}/transition", json={
        "to": "submitted", "comment": "报送"}).status_code == 200
    pm = web.as_user("pm")
    for path in (f"/projects/show/{mine}", "/reviews/queue"):
        html = pm.get(path).get_data(as_text=True)
        assert SECRET_CODE not in html, path
    office = web.as_user("office")
    assert SECRET_CODE in office.get(f"/projects/show/{mine}").get_data(as_text=True)
    assert SECRET_CODE in office.get("/reviews/queue").get_data(as_text=True)
