"""Totals, execution rate and cost variance on constructed cases, per project and for the
portfolio (by source, department and year), and the change-request (re-baseline) flow."""
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from budget_helpers import counts, line_of, pay
from conftest import get_project
from core.audit import AuditEvent
from core.extensions import db


def funded(make_project, app, api, lines, status="in_construction", **overrides):
    """A project with the given (source, year, amount) lines whose total is its budget."""
    total = sum(Decimal(a) for _s, _y, a in lines)
    project = make_project(budget_total=str(total), start_date="2013-03-01",
                           end_date="2014-12-31", **overrides)
    for source, year, amount in lines:
        response = api.as_user("office").post("/api/v1/fundingline/", json={
            "project": project, "source": source, "year": year, "amount": amount})
        assert response.status_code == 201, response.get_json()
    with app.app_context():
        get_project(project).status = status
        db.session.commit()
    return project


def line(app, project, source, year):
    from budgets.models import FundingLine, FundingSource
    with app.app_context():
        return db.session.scalar(select(FundingLine.id).join(FundingSource).where(
            FundingLine.project_id == project, FundingSource.code == source,
            FundingLine.year == year))


def project_figures(api, project, user="office"):
    response = api.as_user(user).get(f"/api/v1/fundingline/figures/{project}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["result"]


def test_project_totals_and_execution_rate(api, app, make_project):
    project = funded(make_project, app, api, [("municipal", 2013, "600000.00"),
                                              ("social", 2014, "400000.00")])
    pay(app, "disbursement", line(app, project, "municipal", 2013), "500000.00")
    pay(app, "disbursement", line(app, project, "social", 2014), "100000.00", "2014-03-01")
    pay(app, "expenditure", line(app, project, "municipal", 2013), "250000.00")
    result = project_figures(api, project)
    assert (result["planned"], result["disbursed"], result["spent"]) == \
        ("1000000.00", "600000.00", "250000.00")
    assert Decimal(result["execution_rate"]) == Decimal("0.25")
    assert Decimal(result["cost_variance"]) == 0 and result["band"] == "within_10"
    assert result["rebaselines"] == 0


@pytest.mark.parametrize("increase, band", [("80000.00", "within_10"), ("100000.00", "within_10"),
                                             ("100000.01", "10_30"), ("300000.00", "10_30"),
                                             ("450000.00", "over_30")])
def test_cost_variance_bands_after_a_re_baseline(api, app, make_project, increase, band):
    project = funded(make_project, app, api, [("municipal", 2013, "1000000.00")])
    new_total = Decimal("1000000.00") + Decimal(increase)
    office = api.as_user("office")
    response = office.post("/api/v1/budgetchange/", json={
        "project": project, "reason": "设备价格上涨", "new_budget_total": str(new_total),
        "lines": [{"source": "municipal", "year": 2014, "amount": increase}]})
    assert response.status_code == 201, response.get_json()
    pending = project_figures(api, project)  # a pending request already moves the forecast
    assert pending["forecast"] == f"{new_total:.2f}" and pending["baseline"] == "1000000.00"
    assert pending["band"] == band and pending["rebaselines"] == 0
    change = response.get_json()["id"]
    assert office.post(f"/api/v1/budgetchange/{change}/decide",
                       json={"decision": "approve"}).status_code == 200
    result = project_figures(api, project)
    assert result["band"] == band and result["rebaselines"] == 1
    assert Decimal(result["cost_variance"]) == Decimal(increase) / Decimal("1000000.00")
    assert result["planned"] == f"{new_total:.2f}" and result["baseline"] == "1000000.00"


def test_change_request_flow_is_audited_and_counted(api, app, make_project):
    project = funded(make_project, app, api, [("municipal", 2013, "1000000.00")])
    pay(app, "disbursement", line(app, project, "municipal", 2013), "700000.00")
    pm, office = api.as_user("pm"), api.as_user("office")
    before = counts(app)
    refused = [
        pm.post("/api/v1/budgetchange/", json={"project": project, "reason": "  ",
                                               "new_budget_total": "1200000.00"}),
        pm.post("/api/v1/budgetchange/", json={  # plan would not equal the new budget
            "project": project, "reason": "扩容", "new_budget_total": "1200000.00"}),
        pm.post("/api/v1/budgetchange/", json={  # a line below what was disbursed on it
            "project": project, "reason": "压缩", "new_budget_total": "600000.00",
            "lines": [{"source": "municipal", "year": 2013, "amount": "600000.00"}]}),
    ]
    assert [r.status_code for r in refused] == [422, 422, 422]
    assert "lines[0].amount" in refused[2].get_json()["errors"]
    assert counts(app) == before
    response = pm.post("/api/v1/budgetchange/", json={
        "project": project, "reason": "建设范围扩大至乡镇", "new_budget_total": "1300000.00",
        "lines": [{"source": "self", "year": 2014, "amount": "300000.00"}]})
    assert response.status_code == 201, response.get_json()
    change = response.get_json()["id"]
    assert pm.post(f"/api/v1/budgetchange/{change}/decide",
                   json={"decision": "approve"}).status_code == 403
    assert office.post(f"/api/v1/budgetchange/{change}/decide",
                       json={"decision": "reject"}).status_code == 422  # no comment
    assert office.post(f"/api/v1/budgetchange/{change}/decide",
                       json={"decision": "approve"}).status_code == 200
    assert office.post(f"/api/v1/budgetchange/{change}/decide",
                       json={"decision": "approve"}).status_code == 409
    with app.app_context():
        assert get_project(project).budget_total == Decimal("1300000.00")
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.entity == "project", AuditEvent.field == "budget_total"))
        assert (event.old_value, event.new_value, event.actor) == ("1000000.00", "1300000.00",
                                                                   "office")
        assert "建设范围扩大至乡镇" in event.note
    assert project_figures(api, project)["rebaselines"] == 1


def test_rejected_change_leaves_budget_and_plan(api, app, make_project):
    project = funded(make_project, app, api, [("municipal", 2013, "1000000.00")])
    office = api.as_user("office")
    change = office.post("/api/v1/budgetchange/", json={
        "project": project, "reason": "追加", "new_budget_total": "1100000.00",
        "lines": [{"source": "municipal", "year": 2013, "amount": "1100000.00"}]}).get_json()["id"]
    assert office.post(f"/api/v1/budgetchange/{change}/decide",
                       json={"decision": "reject", "comment": "理由不充分"}).status_code == 200
    result = project_figures(api, project)
    assert (result["planned"], result["forecast"], result["rebaselines"]) == \
        ("1000000.00", "1000000.00", 0)


def test_portfolio_groups_by_source_department_and_year(app, make_project, api):
    a = funded(make_project, app, api, [("municipal", 2013, "600000.00"),
                                        ("social", 2014, "400000.00")])
    b = funded(make_project, app, api, [("central", 2013, "300000.00")], code="TC-2013-050",
               department="市水利局")
    funded(make_project, app, api, [("municipal", 2013, "999.00")], status="draft",
           code="TC-2013-051")
    pay(app, "disbursement", line(app, a, "municipal", 2013), "500000.00")
    pay(app, "expenditure", line(app, a, "municipal", 2013), "200000.00")
    pay(app, "disbursement", line(app, b, "central", 2013), "300000.00")
    from budgets.figures import portfolio
    with app.test_request_context():
        everything = portfolio(None)
        assert everything.total.planned == Decimal("1300999.00")
        assert everything.total.disbursed == Decimal("800000.00")
        assert everything.by_source["市本级财政"].planned == Decimal("600999.00")
        assert everything.by_source["中央资金"].disbursed == Decimal("300000.00")
        assert everything.by_department["市水利局"].planned == Decimal("300000.00")
        assert everything.by_year[2014].planned == Decimal("400000.00")
        assert everything.social_share == Decimal("400000.00") / Decimal("1300999.00")
        assert everything.bands == {"within_10": 2, "10_30": 0, "over_30": 0}
        only_2014 = portfolio(None, year=2014)
        assert only_2014.total.planned == Decimal("400000.00")
        assert only_2014.total.disbursed == 0
        water = db.session.scalar(select(func.min(get_project(b).department_id)))
        assert portfolio(None, department_id=water).total.planned == Decimal("300000.00")
