"""Editable records carry a version; two editors of one project do not silently overwrite each
other: a stale write (API PUT or web form) is refused with 409 and what changed, and changes
nothing."""
from conftest import get_project
from core.extensions import db
from harden_support import changed_tables, fingerprint


def test_the_api_shows_the_version_and_refuses_a_stale_put(api, app, make_project):
    pid = make_project()
    first, second = api.as_user("pm"), api.as_user("office")
    seen = first.get(f"/api/v1/project/{pid}").get_json()["result"]
    assert seen["version"] == 1
    saved = second.put(f"/api/v1/project/{pid}", json={"name": "办公室改的名称", "version": 1})
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["result"]["version"] == 2
    before = fingerprint(app)
    stale = first.put(f"/api/v1/project/{pid}", json={"budget_total": "1.00", "version": 1})
    assert stale.status_code == 409, stale.get_json()
    body = stale.get_json()
    assert body["current"]["name"] == "办公室改的名称" and body["current"]["version"] == 2
    assert body["changed"] == ["name"]
    assert changed_tables(before, fingerprint(app)) == []
    again = first.put(f"/api/v1/project/{pid}", json={"budget_total": "2400000.00",
                                                      "version": 2})
    assert again.status_code == 200, again.get_json()


def test_if_match_works_too_and_a_bad_version_is_refused(api, make_project):
    pid = make_project()
    client = api.as_user("pm")
    client.put(f"/api/v1/project/{pid}", json={"name": "第一次修改"})
    stale = client.put(f"/api/v1/project/{pid}", json={"name": "第二次"},
                       headers={"If-Match": '"1"'})
    assert stale.status_code == 409
    assert client.put(f"/api/v1/project/{pid}", json={"name": "x", "version": "abc"}
                      ).status_code == 422
    assert client.put(f"/api/v1/project/{pid}", json={"name": "第三次"},
                      headers={"If-Match": 'W/"2"'}).status_code == 200


def test_fab_own_put_checks_the_version(api, app, make_project):
    pid = make_project()
    client = api.as_user("pm")
    item = client.post("/api/v1/dataitem/", json={"project": pid, "name": "数据一",
                                                  "direction": "produces"}).get_json()["id"]
    assert client.put(f"/api/v1/dataitem/{item}", json={"name": "数据二", "version": 1}
                      ).status_code == 200
    stale = client.put(f"/api/v1/dataitem/{item}", json={"name": "数据三", "version": 1})
    assert stale.status_code == 409 and stale.get_json()["changed"] == ["name"]


def _form(app, pid, **changes):
    with app.app_context():
        p = get_project(pid)
        form = {"code": p.code, "name": p.name, "department": p.department_id,
                "primary_task": p.primary_task_id, "category": p.category,
                "description": p.description, "capabilities": p.capabilities,
                "budget_total": "2500000.00", "start_date": "2013-03-01",
                "end_date": "2013-12-31", "protection_level": "3",
                "expected_version": str(p.version)}
    form.update(changes)
    return form


def test_the_web_form_says_what_changed_since_it_was_opened(web, app, make_project):
    pid = make_project()
    pm, office = web.as_user("pm", lang="en"), web.as_user("pm")  # two editors, one project
    page = pm.get(f"/projects/edit/{pid}").get_data(as_text=True)
    assert 'name="expected_version"' in page and 'value="1"' in page
    mine = _form(app, pid, name="项目经理的改动")
    assert office.post(f"/projects/edit/{pid}", data=_form(
        app, pid, description="办公室改了描述")).status_code == 302
    before = fingerprint(app)
    response = pm.post(f"/projects/edit/{pid}", data=mine, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "Somebody saved this record" in text and "description" in text
    assert changed_tables(before, fingerprint(app)) == []
    with app.app_context():
        assert get_project(pid).description == "办公室改了描述"
