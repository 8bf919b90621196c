"""What users see: department scoping of milestones in lists, API and pages; the project
page's milestones and Gantt chart; the portfolio timeline; the ProjectManager's home panel;
exports."""
import datetime as dt
import io

import openpyxl
from sqlalchemy import select

from core.audit import acting_as
from core.extensions import db
from schedule_support import milestone_id, plan_milestones

OTHER = dict(code="TC-2013-050", department="市水利局", name="防汛抗旱指挥系统",
             category="emergency")


def hidden_milestone(app, make_project):
    """A milestone on another department's draft (which a ProjectManager may not see)."""
    from projects.models import Project
    from projects.schedule.models import Milestone
    pid = make_project(**OTHER)
    with app.app_context(), acting_as("fixture"):
        project = db.session.get(Project, pid)
        milestone = Milestone(project=project, type="tender", planned_date=project.start_date,
                              baseline_date=project.start_date)
        db.session.add(milestone)
        db.session.commit()
        return pid, milestone.id


def test_milestones_of_invisible_projects_stay_hidden(api, web, app, make_project):
    pid, mid = hidden_milestone(app, make_project)
    pm = api.as_user("pm")
    assert pm.get(f"/api/v1/milestone/{mid}").status_code == 404
    assert pm.get("/api/v1/milestone/").get_json()["count"] == 0
    assert pm.put(f"/api/v1/milestone/{mid}", json={"note": "x"}).status_code == 404
    assert pm.post("/api/v1/milestone/", json={"project": pid, "type": "contract",
                                               "planned_date": "2013-03-01"}).status_code == 404
    assert web.as_user("pm").get(f"/schedule/gantt/{pid}.png").status_code == 404
    assert "TC-2013-050" not in web.as_user("pm").get("/milestones/list/").get_data(as_text=True)
    assert api.as_user("pm2").get(f"/api/v1/milestone/{mid}").status_code == 200
    assert api.as_user("auditor").get("/api/v1/milestone/").get_json()["count"] == 1


def test_create_a_milestone_through_the_api(api, app, make_project):
    own = make_project(status="approved")
    other = make_project(status="approved", **OTHER)
    body = {"project": own, "type": "tender", "planned_date": "2013-02-01"}
    response = api.as_user("pm").post("/api/v1/milestone/", json=body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["result"]["baseline_date"] == "2013-02-01"
    assert api.as_user("pm").post("/api/v1/milestone/", json=body).status_code == 409
    # another department's approved project is visible but not the PM's to plan
    assert api.as_user("pm").post("/api/v1/milestone/", json={
        **body, "project": other}).status_code == 403
    assert api.as_user("pm").post("/api/v1/milestone/", json={
        **body, "project": "TC-2013-001", "type": "final_acceptance",
        "planned_date": "2014-06-30"}).status_code == 201
    draft = make_project(code="TC-2013-009")
    assert api.as_user("pm").post("/api/v1/milestone/", json={
        **body, "project": draft}).status_code == 409


def test_project_page_shows_milestones_and_a_gantt_chart(web, app, make_project):
    pid = make_project(status="in_construction", budget_total="2500000.00")
    plan_milestones(app, pid)
    page = web.as_user("pm").get(f"/projects/show/{pid}").get_data(as_text=True)
    assert 'id="gantt-chart"' in page and "合同签订" in page and "监理报告" in page
    assert 'id="rebaseline-form"' in page
    assert 'id="rebaseline-form"' not in web.as_user("pm2").get(f"/projects/show/{pid}") \
        .get_data(as_text=True)
    png = web.as_user("auditor").get(f"/schedule/gantt/{pid}.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert png.get_data().startswith(b"\x89PNG") and len(png.get_data()) > 10000


def test_portfolio_timeline_is_a_png_grouped_by_plan_task(web, app, make_project):
    make_project(status="in_construction")
    make_project(status="approved", code="TC-2013-002", plan_task="T1")
    page = web.as_user("office").get("/schedule/timeline").get_data(as_text=True)
    assert 'id="timeline-chart"' in page
    png = web.as_user("office").get("/schedule/timeline.png?task=T3")
    assert png.status_code == 200 and png.get_data().startswith(b"\x89PNG")


def test_home_page_lists_the_departments_next_30_days_and_overdue(web, app, make_project):
    from projects.schedule.models import Milestone
    today = dt.date.today()
    pid = make_project(status="in_construction", start_date=(today - dt.timedelta(days=100))
                       .isoformat(), end_date=(today + dt.timedelta(days=200)).isoformat())
    other = make_project(status="in_construction", **OTHER)
    plan_milestones(app, pid)
    plan_milestones(app, other)
    with app.app_context():
        soon = db.session.get(Milestone, milestone_id(app, pid, "trial_operation"))
        soon.planned_date = today + dt.timedelta(days=10)
        db.session.commit()
    home = web.as_user("pm").get("/").get_data(as_text=True)
    assert 'id="deadlines-panel"' in home
    upcoming = home[home.index('id="upcoming"'):home.index('id="overdue"')]
    overdue = home[home.index('id="overdue"'):]
    assert "试运行" in upcoming and (today + dt.timedelta(days=10)).isoformat() in upcoming
    assert "合同签订" in overdue and "TC-2013-001" in overdue
    assert "TC-2013-050" not in home  # another department's items stay off this panel
    assert 'id="deadlines-panel"' not in web.as_user("office").get("/").get_data(as_text=True)


def test_milestone_export_follows_scoping(web, app, make_project):
    pid = make_project(status="approved", budget_total="500000.00")
    plan_milestones(app, pid)
    hidden_milestone(app, make_project)
    data = web.as_user("pm").get("/milestones/export/xlsx").get_data()
    rows = list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(min_row=2,
                                                                        values_only=True))
    assert {r[0] for r in rows} == {"TC-2013-001"} and len(rows) == 7
    csv_text = web.as_user("office").get("/milestones/export/csv").get_data().decode("utf-8-sig")
    assert "TC-2013-050" in csv_text


def test_web_edit_records_the_actual_date(web, app, make_project):
    pid = make_project(status="approved")
    plan_milestones(app, pid)
    mid = milestone_id(app, pid, "contract")
    web.as_user("pm2").post(f"/milestones/edit/{mid}", data={
        "planned_date": "2013-02-15", "actual_date": "2013-02-18", "status": "planned"})
    from schedule_support import get_milestone
    with app.app_context():
        assert get_milestone(mid).actual_date is None
    web.as_user("pm").post(f"/milestones/edit/{mid}", data={
        "planned_date": "2013-02-15", "actual_date": "2013-02-18", "status": "planned",
        "note": "合同已签订"})
    with app.app_context():
        milestone = get_milestone(mid)
        assert (milestone.actual_date, milestone.status) == (dt.date(2013, 2, 18), "done")
