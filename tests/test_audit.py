"""Every insert, update and delete of a domain row becomes an AuditEvent, whichever path made
it; nobody edits or deletes the trail."""
import json

import pytest
from sqlalchemy import select

from conftest import proposal
from core.audit import AuditEvent
from core.extensions import db


def events(app, **where):
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        for key, value in where.items():
            query = query.where(getattr(AuditEvent, key) == value)
        return [(e.actor, e.action, e.entity, e.field, e.old_value, e.new_value)
                for e in db.session.scalars(query)]


def test_api_insert_update_delete_are_recorded_with_the_user(api, app):
    office = api.as_user("office")
    project_id = office.post("/api/v1/project/", json=proposal()).get_json()["id"]
    office.put(f"/api/v1/project/{project_id}", json={"budget_total": "2600000.00"})
    office.delete(f"/api/v1/project/{project_id}")
    trail = events(app, entity="project", entity_id=project_id)
    assert [(a, act, f) for a, act, _e, f, _o, _n in trail] == [
        ("office", "insert", None), ("office", "update", "budget_total"),
        ("office", "delete", None)]
    assert trail[1][4:] == ("2500000.00", "2600000.00")
    assert json.loads(trail[0][5])["code"] == "TC-2013-001"
    assert json.loads(trail[2][4])["name"] == proposal()["name"]


def test_web_form_edit_is_recorded(web, app, make_project):
    project_id = make_project()
    with app.app_context():
        from projects.models import Project
        p = db.session.get(Project, project_id)
        form = {"code": p.code, "name": "城区治安视频监控系统(修订)", "department": p.department_id,
                "primary_task": p.primary_task_id, "category": p.category,
                "description": p.description, "capabilities": p.capabilities,
                "budget_total": "2500000.00", "start_date": "2013-03-01",
                "end_date": "2013-12-31", "protection_level": "3"}
    assert web.as_user("pm").post(f"/projects/edit/{project_id}", data=form).status_code == 302
    changed = {f: (o, n) for a, _act, _e, f, o, n in events(app, entity_id=project_id,
                                                               action="update") if a == "pm"}
    assert changed["name"] == (proposal()["name"], "城区治安视频监控系统(修订)")
    assert changed["protection_level"] == (None, "3")


def test_cli_and_import_changes_are_recorded_as_system(runner, app, tmp_path):
    path = tmp_path / "one.json"
    path.write_text(json.dumps([proposal()], ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["projects", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert [(a, act) for a, act, *_ in events(app, entity="project")] == [("system", "insert")]
    result = runner.invoke(args=["demo", "seed", "--projects", "5", "--no-users"])
    assert result.exit_code == 0, result.output
    trail = events(app, entity="project")
    assert all(actor == "system" for actor, *_ in trail)
    assert len([e for e in trail if e[1] == "insert"]) == 6
    # ... and the demo's status steps (draft -> submitted -> ...) at the story's dates
    assert {field for _a, action, _e, field, *_ in trail if action == "update"} <= {"status"}


def test_the_trail_cannot_be_changed(app, make_project):
    make_project()
    with app.app_context():
        event = db.session.scalar(select(AuditEvent))
        event.new_value = "forged"
        with pytest.raises(PermissionError):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.scalar(select(AuditEvent)))
        with pytest.raises(PermissionError):
            db.session.flush()
        db.session.rollback()


def test_auditor_browses_and_filters_the_trail_but_cannot_edit(web, api, app, make_project):
    project_id = make_project()
    auditor = web.as_user("auditor")
    page = auditor.get("/audit/list/?_flt_0_entity=project").get_data(as_text=True)
    assert "fixture" in page and "TC-2013-001" in page
    with app.app_context():
        event_id = db.session.scalar(select(AuditEvent.id))
    assert auditor.get(f"/audit/edit/{event_id}").status_code in (302, 403, 404, 405)
    assert auditor.get(f"/audit/delete/{event_id}").status_code in (302, 403, 404, 405)
    client = api.as_user("auditor")
    listed = client.get("/api/v1/auditevent/?q=(filters:!((col:entity_id,opr:eq,value:%d)))"
                        % project_id).get_json()
    assert listed["count"] == 1 and listed["result"][0]["actor"] == "fixture"
    assert client.delete(f"/api/v1/auditevent/{event_id}").status_code in (404, 405)
    assert client.put(f"/api/v1/auditevent/{event_id}", json={}).status_code in (404, 405)
    assert len(events(app)) == 1


def test_project_managers_do_not_read_the_trail(web, api, make_project):
    make_project()
    assert web.as_user("pm").get("/audit/list/").status_code in (302, 403)
    assert api.as_user("pm").get("/api/v1/auditevent/").status_code == 403


def test_a_blank_box_saved_blank_again_is_no_change(web, app, make_project):
    """Saving a form whose empty boxes stay empty records no change (the dossier showed rows
    such as "承建单位: → " for every save)."""
    project_id = make_project()
    with app.app_context():
        from projects.models import Project
        p = db.session.get(Project, project_id)
        assert p.contractor is None and p.supervisor is None
        form = {"code": p.code, "name": "城区治安视频监控系统(修订)", "department": p.department_id,
                "primary_task": p.primary_task_id, "category": p.category,
                "description": p.description, "capabilities": p.capabilities,
                "budget_total": "2500000.00", "start_date": "2013-03-01",
                "end_date": "2013-12-31", "protection_level": "", "contractor": "",
                "supervisor": ""}
    assert web.as_user("pm").post(f"/projects/edit/{project_id}", data=form).status_code == 302
    changed = {f for a, _act, _e, f, _o, _n in events(app, entity_id=project_id,
                                                       action="update") if a == "pm"}
    assert "name" in changed
    assert not changed & {"contractor", "supervisor", "protection_level"}, changed
