"""The risk register as users meet it: scoring and bands, the API with department scoping,
history of each risk, reviews due, the heat map, the escalation list and exports."""
import datetime as dt
import io

import openpyxl
import pytest

from core.extensions import db
from risk_support import add_milestone, add_risk

OTHER = dict(code="TC-2013-050", department="市水利局", name="防汛抗旱指挥系统",
             category="emergency")


@pytest.mark.parametrize("likelihood,impact,score,band", [
    (1, 1, 1, "low"), (2, 2, 4, "low"), (1, 5, 5, "medium"), (3, 3, 9, "medium"),
    (2, 5, 10, "high"), (3, 4, 12, "high"), (5, 3, 15, "critical"), (5, 5, 25, "critical")])
def test_score_is_likelihood_times_impact_in_its_band(ctx, likelihood, impact, score, band):
    from risk.scoring import band_of, score_of
    assert score_of(likelihood, impact) == score and band_of(score) == band


def test_levels_outside_1_to_5_are_refused(ctx):
    from core.errors import ValidationFailed
    from risk.scoring import score_of
    for bad in ((0, 3), (6, 1), (3, True), (2.5, 2)):
        with pytest.raises(ValidationFailed):
            score_of(*bad)


def test_pm_registers_a_risk_for_its_own_department_through_the_api(api, app, make_project):
    own = make_project(status="approved")
    other = make_project(status="approved", **OTHER)
    pm = api.as_user("pm")
    body = {"project": own, "category": "schedule", "likelihood": 4, "impact": 3}
    response = pm.post("/api/v1/risk/", json=body)
    assert response.status_code == 201, response.get_json()
    result = response.get_json()["result"]
    assert (result["score"], result["status"], result["cause"]) == (12, "open", None)
    assert result["next_review"] == (dt.date.today() + dt.timedelta(days=30)).isoformat()
    # another department's approved project is visible, but its risks are not the PM's
    assert pm.post("/api/v1/risk/", json={**body, "project": other}).status_code == 403
    assert api.as_user("office").post("/api/v1/risk/", json=body).status_code == 403
    bad = pm.post("/api/v1/risk/", json={**body, "likelihood": 6, "category": "weather"})
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) == {"likelihood", "category"}
    assert pm.post("/api/v1/risk/", json={**body, "project": 999999}).status_code == 404


def test_department_scoping_of_risks(api, web, app, make_project):
    own = make_project(status="approved")
    other = make_project(status="in_construction", **OTHER)
    add_risk(app, own, 3, 3)
    hidden = add_risk(app, other, 5, 5)
    pm = api.as_user("pm")
    assert pm.get("/api/v1/risk/").get_json()["count"] == 1
    assert pm.get(f"/api/v1/risk/{hidden}").status_code == 404
    assert pm.put(f"/api/v1/risk/{hidden}", json={"impact": 1}).status_code == 404
    assert pm.get(f"/api/v1/risk/rating/{other}").status_code == 404
    assert api.as_user("pm2").get(f"/api/v1/risk/{hidden}").status_code == 200
    assert api.as_user("auditor").get("/api/v1/risk/").get_json()["count"] == 2
    browser = web.as_user("pm")
    assert browser.get(f"/risks/show/{hidden}").status_code == 404
    assert "防汛抗旱" not in browser.get("/risks/list/").get_data(as_text=True)
    # the project page of another department's approved project shows no risk panel
    assert 'id="risk-panel"' not in browser.get(f"/projects/show/{other}").get_data(as_text=True)
    assert 'id="risk-panel"' in web.as_user("office").get(f"/projects/show/{other}") \
        .get_data(as_text=True)
    assert browser.get("/risk/escalation").status_code in (302, 403)


def test_each_change_of_a_risk_is_in_its_history(api, web, app, make_project):
    pid = make_project(status="approved")
    pm = api.as_user("pm")
    rid = pm.post("/api/v1/risk/", json={"project": pid, "category": "technical",
                                         "title": "接口标准未统一", "likelihood": 2,
                                         "impact": 3}).get_json()["id"]
    assert pm.put(f"/api/v1/risk/{rid}", json={"likelihood": 4, "owner": "信息中心主任",
                                               "mitigation": "组织专家论证"}).status_code == 200
    page = web.as_user("auditor").get(f"/risks/show/{rid}").get_data(as_text=True)
    history = page[page.index('id="risk-history"'):]
    assert history.count("<tr>") == 1 + 1 + 4  # header, insert, likelihood/score/owner/mitigation
    assert "<td>pm</td><td>update</td><td>likelihood</td><td>2</td><td>4</td>" in history
    assert "<td>score</td><td>6</td><td>12</td>" in history


def test_reviews_due_list_overdue_ones_only(web, app, make_project):
    from risk.models import Risk
    pid = make_project(status="approved")
    due = add_risk(app, pid, 2, 2)
    later = add_risk(app, pid, 3, 3)
    closed = add_risk(app, pid, 4, 4, status="closed")
    with app.app_context():
        for rid, day in ((due, -3), (later, 10), (closed, -30)):
            db.session.get(Risk, rid).next_review = dt.date.today() + dt.timedelta(days=day)
        db.session.commit()
    page = web.as_user("pm").get("/risk/reviews").get_data(as_text=True)
    assert 'id="overdue-review-count">1<' in page and f"/risks/show/{due}" in page


def test_heat_map_counts_open_risks_per_cell(web, app, make_project):
    from risk.services import heatmap_counts
    pid = make_project(status="approved")
    other = make_project(status="approved", **OTHER)
    add_risk(app, pid, 4, 3)
    add_risk(app, pid, 4, 3, status="mitigating")
    add_risk(app, pid, 1, 1, status="closed")
    add_risk(app, other, 5, 5)
    with app.test_request_context():
        assert heatmap_counts(None) == {(4, 3): 2, (5, 5): 1}
    png = web.as_user("office").get("/risk/heatmap.png")
    assert png.mimetype == "image/png" and png.get_data().startswith(b"\x89PNG")
    assert web.as_user("pm").get("/risk/heatmap.png").status_code == 200
    assert 'id="heatmap"' in web.as_user("pm").get("/risk/heatmap").get_data(as_text=True)


def test_escalation_list_and_exports(web, app, make_project):
    pid = make_project(status="in_construction")
    calm = make_project(status="in_construction", code="TC-2013-002")
    add_risk(app, calm, 3, 4)  # 12: not escalated, and rating 4
    add_risk(app, pid, 5, 3)  # 15: escalated
    for day in (1, 2, 3):
        add_milestone(app, pid, "supervision_report", dt.date(2013, 5, day))
    office = web.as_user("office")
    page = office.get("/risk/escalation").get_data(as_text=True)
    projects = page[page.index('id="escalated-projects"'):page.index('id="escalated-risks"')]
    assert "TC-2013-001" in projects and "TC-2013-002" not in projects
    risks = page[page.index('id="escalated-risks"'):]
    # the manual risk of 15 and the system's overdue-reports risk (5 x 3)
    assert risks.count("/risks/show/") == 2 and "TC-2013-002" not in risks
    book = openpyxl.load_workbook(io.BytesIO(office.get("/risk/escalation/export.xlsx").data))
    cells = [c.value for row in book.active.iter_rows() for c in row]
    assert "TC-2013-001" in cells and "TC-2013-002" not in cells
    book = openpyxl.load_workbook(io.BytesIO(office.get("/risks/export/xlsx").data))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:5] == ("项目", "项目名称", "部门", "风险类别", "风险")
    assert len(rows) == 1 + 2 + 1  # two manual risks, one system risk (overdue reports)
