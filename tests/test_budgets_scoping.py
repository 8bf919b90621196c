"""A ProjectManager keeps the funding records of its own department: other departments'
unapproved projects' lines and payments are invisible (list, show, API, export, figures), and
it cannot add lines or payments to another department's project even by posting ids."""
import re

from budget_helpers import counts, line_of, pay

OTHER = dict(code="TC-2013-050", department="市水利局", name="防汛抗旱指挥系统")


def test_api_lists_and_shows_only_visible_lines(api, app, make_project):
    own = make_project(funded=True)
    hidden = make_project(funded=True, **OTHER)
    public = make_project(status="approved", funded=True, code="TC-2013-051",
                          department="市水利局", name="水资源监测平台")
    pm = api.as_user("pm")
    listed = {r["project"]["code"] for r in pm.get(
        "/api/v1/fundingline/?q=(page_size:100)").get_json()["result"]}
    assert listed == {"TC-2013-001", "TC-2013-051"}
    assert pm.get(f"/api/v1/fundingline/{line_of(app, hidden)}").status_code == 404
    assert pm.get(f"/api/v1/fundingline/figures/{hidden}").status_code == 404
    assert pm.get(f"/api/v1/fundingline/{line_of(app, own)}").status_code == 200
    assert pm.get(f"/api/v1/fundingline/figures/{public}").status_code == 200
    office = {r["project"]["code"] for r in api.as_user("office").get(
        "/api/v1/fundingline/?q=(page_size:100)").get_json()["result"]}
    assert "TC-2013-050" in office


def test_project_manager_cannot_write_to_another_departments_project(api, app, make_project):
    hidden = make_project(**OTHER)
    public = make_project(status="in_construction", funded=True, code="TC-2013-051",
                          department="市水利局", name="水资源监测平台")
    pm = api.as_user("pm")
    before = counts(app)
    assert pm.post("/api/v1/fundingline/", json={"project": hidden, "source": "municipal",
                                                 "year": 2013, "amount": "1.00"}).status_code == 404
    response = pm.post("/api/v1/disbursement/", json={
        "funding_line": line_of(app, public), "date": "2013-05-02", "amount": "1.00"})
    assert response.status_code == 403
    response = pm.post("/api/v1/budgetchange/", json={
        "project": public, "reason": "x", "new_budget_total": "1.00"})
    assert response.status_code == 403
    assert counts(app) == before


def test_payments_of_hidden_projects_stay_hidden(api, web, app, make_project):
    hidden = make_project(status="in_review", funded=True, **OTHER)
    own = make_project(status="in_construction", funded=True)
    pay(app, "disbursement", line_of(app, own), "1234.00")
    from core.extensions import db
    from budgets.models import Disbursement
    with app.app_context():  # a disbursement on the hidden project, as if recorded earlier
        db.session.add(Disbursement(funding_line_id=line_of(app, hidden), date=__import__(
            "datetime").date(2013, 5, 2), amount="4321.00"))
        db.session.commit()
    amounts = {r["amount"] for r in api.as_user("pm").get(
        "/api/v1/disbursement/?q=(page_size:100)").get_json()["result"]}
    assert {str(a) for a in amounts} in ({"1234.00"}, {"1234.0"})
    html = web.as_user("pm").get("/budgets/disbursements/list/").get_data(as_text=True)
    assert "1,234.00" in html  # amounts show with separators
    assert "4,321.00" not in html and "4321.00" not in html


def test_execution_page_and_export_are_scoped(web, app, make_project):
    make_project(funded=True, budget_total="1111111.00")
    make_project(funded=True, budget_total="7777777.00", **OTHER)
    pm = web.as_user("pm")
    html = pm.get("/budgets/execution/").get_data(as_text=True)
    assert "1,111,111.00" in html and "7,777,777.00" not in html
    csv_text = pm.get("/budgets/execution/export/csv").get_data().decode("utf-8-sig")
    assert "TC-2013-001" in csv_text and "TC-2013-050" not in csv_text
    office = web.as_user("office").get("/budgets/execution/").get_data(as_text=True)
    assert re.search(r"8,888,888\.00", office)
