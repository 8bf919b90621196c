"""Every funding rule refused through the REST API and through the service, with a reason, and
nothing changed (no rows, no audit events); allowed changes are audited."""
import pytest
from sqlalchemy import select

from budget_helpers import BUDGET, counts, line_of, pay, sums
from conftest import get_project
from core.audit import AuditEvent, acting_as
from core.errors import DomainError
from core.extensions import db


def municipal(app):
    from budgets.models import FundingSource
    with app.app_context():
        return db.session.scalar(select(FundingSource.id).where(FundingSource.code == "municipal"))


def line_body(project_id, source, **kw):
    return {"project": project_id, "source": source, "year": 2013, "amount": "250000.00"} | kw


def test_setup_seeds_the_six_sources_once(app, runner, api):
    runner.invoke(args=["setup"])
    names = [s["name"] for s in api.as_user("auditor").get(
        "/api/v1/fundingsource/?q=(page_size:50)").get_json()["result"]]
    assert names == ["中央资金", "自治区资金", "地区资金", "市本级财政", "社会资本/PPP", "部门自筹"]


def test_api_adds_a_line_posted_with_ids_and_audits_it(api, app, make_project):
    project = make_project()
    source = municipal(app)
    response = api.as_user("pm").post("/api/v1/fundingline/", json=line_body(project, source))
    assert response.status_code == 201, response.get_json()
    result = response.get_json()["result"]
    assert result["year"] == 2013 and result["source"]["name"] == "市本级财政"
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "funding_line"))
        assert event.actor == "pm" and '"amount": "250000.00"' in event.new_value


@pytest.mark.parametrize("change, field", [
    ({"amount": "0"}, "amount"),
    ({"amount": "-5.00"}, "amount"),
    ({"amount": "100.005"}, "amount"),
    ({"amount": "NaN"}, "amount"),
    ({"amount": True}, "amount"),
    ({"amount": "一百万"}, "amount"),
    ({"year": 2012}, "year"),
    ({"year": 2016}, "year"),
    ({"source": 999}, "source"),
], ids=["zero", "negative", "three-decimals", "nan", "bool", "text", "before-period",
        "after-period", "unknown-source"])
def test_invalid_line_is_refused_by_api_and_service(api, app, make_project, change, field):
    project = make_project()
    body = line_body(project, municipal(app)) | change
    before = counts(app)
    response = api.as_user("pm").post("/api/v1/fundingline/", json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    from budgets.services import add_funding_line
    with app.app_context(), pytest.raises(DomainError) as refused:
        add_funding_line(body)
    assert field in refused.value.errors
    assert counts(app) == before


def test_year_message_names_the_period_in_chinese(api, app, make_project):
    project = make_project()
    response = api.as_user("pm").post("/api/v1/fundingline/",
                                      json=line_body(project, municipal(app), year=2015))
    assert "2013-2013" in response.get_json()["errors"]["year"][0]
    assert "年度" in response.get_json()["errors"]["year"][0]


def test_json_number_amounts_keep_their_digits(api, app, make_project):
    project = make_project()
    response = api.as_user("pm").post("/api/v1/fundingline/",
                                      json=line_body(project, "municipal", amount=0.1))
    assert response.status_code == 201
    assert counts(app)["amounts"] == ["0.10"]


def test_no_disbursement_before_approval(api, app, make_project):
    project = make_project(status="in_review", funded=True)
    line = line_of(app, project)
    before = counts(app)
    response = api.as_user("office").post("/api/v1/disbursement/", json={
        "funding_line": line, "date": "2013-05-02", "amount": "10000.00"})
    assert response.status_code == 409
    assert "批准" in response.get_json()["message"]
    with pytest.raises(DomainError):
        pay(app, "disbursement", line, "10000.00")
    assert counts(app) == before


def test_cumulative_disbursements_never_exceed_the_line(api, app, make_project):
    project = make_project(status="in_construction", funded=True)
    line = line_of(app, project)
    pm = api.as_user("pm")
    ok = pm.post("/api/v1/disbursement/", json={"funding_line": line, "date": "2013-05-02",
                                                "amount": "2000000.00", "voucher_no": "BF-1"})
    assert ok.status_code == 201, ok.get_json()
    before = counts(app)
    response = pm.post("/api/v1/disbursement/", json={"funding_line": line, "date": "2013-06-02",
                                                      "amount": "500000.01"})
    assert response.status_code == 422
    assert "2,500,000.01" in response.get_json()["message"]
    with pytest.raises(DomainError):
        pay(app, "disbursement", line, "500000.01")
    assert counts(app) == before
    pay(app, "disbursement", line, "500000.00")  # exactly up to the line is fine
    assert sums(app, line) == ("2500000.00", "0.00")


def test_cumulative_expenditures_never_exceed_disbursements(api, app, make_project):
    project = make_project(status="in_construction", funded=True)
    line = line_of(app, project)
    pay(app, "disbursement", line, "100000.00")
    pay(app, "expenditure", line, "60000.00")
    before = counts(app)
    response = api.as_user("pm").post("/api/v1/expenditure/", json={
        "funding_line": line, "date": "2013-07-01", "amount": "40000.01"})
    assert response.status_code == 422
    assert "amount" in response.get_json()["errors"]
    with pytest.raises(DomainError):
        pay(app, "expenditure", line, "40000.01")
    assert counts(app) == before


def test_a_disbursement_that_expenditures_rely_on_cannot_be_deleted(api, app, make_project):
    project = make_project(status="in_construction", funded=True)
    line = line_of(app, project)
    pay(app, "disbursement", line, "100000.00")
    pay(app, "expenditure", line, "60000.00")
    office = api.as_user("office")
    payment = office.get("/api/v1/disbursement/").get_json()["ids"][0]
    before = counts(app)
    assert office.delete(f"/api/v1/disbursement/{payment}").status_code == 422
    response = office.put(f"/api/v1/disbursement/{payment}", json={"amount": "50000.00"})
    assert response.status_code == 422
    assert counts(app) == before and sums(app, line) == ("100000.00", "60000.00")


def test_plan_not_equal_to_budget_warns_on_submission_and_blocks_approval(api, app,
                                                                         make_project):
    project = make_project()
    pm, office = api.as_user("pm"), api.as_user("office")
    pm.post("/api/v1/fundingline/", json=line_body(project, "municipal", amount="2000000.00"))
    response = pm.post(f"/api/v1/project/{project}/transition", json={"to": "submitted"})
    assert response.status_code == 200
    assert any("2,000,000.00" in w and "2,500,000.00" in w
               for w in response.get_json()["warnings"])
    office.post(f"/api/v1/project/{project}/transition", json={"to": "in_review"})
    for _stage in ("proposal", "feasibility"):  # earlier review stages do not look at money
        assert office.post(f"/api/v1/project/{project}/decision",
                           json={"decision": "approve"}).status_code == 200
    before = counts(app)
    response = office.post(f"/api/v1/project/{project}/decision", json={"decision": "approve"})
    assert response.status_code == 422
    assert "资金计划" in response.get_json()["message"]
    with app.app_context():
        assert get_project(project).status == "in_review"
    assert counts(app) == before


def test_funding_plan_equal_to_budget_passes_both_checks(api, app, make_project):
    project = make_project()
    pm, office = api.as_user("pm"), api.as_user("office")
    for source, amount in (("municipal", "2000000.00"), ("social", "500000.00")):
        assert pm.post("/api/v1/fundingline/", json=line_body(
            project, source, amount=amount)).status_code == 201
    assert pm.post(f"/api/v1/project/{project}/transition",
                   json={"to": "submitted"}).get_json()["warnings"] == []
    office.post(f"/api/v1/project/{project}/transition", json={"to": "in_review"})
    statuses = [office.post(f"/api/v1/project/{project}/decision", json={
        "decision": "approve"}).get_json()["result"]["status"] for _stage in range(3)]
    assert statuses == ["in_review", "in_review", "approved"]


def test_after_approval_lines_change_only_through_a_change_request(api, app, make_project):
    project = make_project(status="approved", funded=True)
    line = line_of(app, project)
    office = api.as_user("office")
    before = counts(app)
    for response in (
            office.post("/api/v1/fundingline/", json=line_body(project, "social")),
            office.put(f"/api/v1/fundingline/{line}", json={"amount": "1.00"}),
            office.delete(f"/api/v1/fundingline/{line}")):
        assert response.status_code == 409
        assert "变更申请" in response.get_json()["message"]
    assert counts(app) == before


def test_budget_of_an_approved_project_cannot_be_edited_directly(api, web, app, make_project):
    project = make_project(status="approved", funded=True)
    before = counts(app)
    response = api.as_user("office").put(f"/api/v1/project/{project}",
                                         json={"budget_total": "3000000.00"})
    assert response.status_code == 422
    assert "budget_total" in response.get_json()["errors"]
    from projects.services import update_project
    with app.app_context(), acting_as("fixture"), pytest.raises(DomainError):
        update_project(get_project(project), {"budget_total": "3000000.00"})
    with app.app_context():
        db.session.rollback()
    assert counts(app) == before
    # the other fields stay editable for the Office
    assert api.as_user("office").put(f"/api/v1/project/{project}",
                                     json={"name": "城区治安视频监控系统二期(调整)"}).status_code == 200


def test_admin_and_auditor_record_no_money(api, app, make_project):
    project = make_project(status="in_construction", funded=True)
    line = line_of(app, project)
    before = counts(app)
    for user in ("admin", "auditor"):
        response = api.as_user(user).post("/api/v1/disbursement/", json={
            "funding_line": line, "date": "2013-05-02", "amount": "1.00"})
        assert response.status_code in (401, 403)
    assert counts(app) == before


def test_corrections_keep_the_running_totals(api, app, make_project):
    project = make_project(status="in_construction", funded=True)
    line = line_of(app, project)
    pay(app, "disbursement", line, "100000.00")
    pay(app, "expenditure", line, "60000.00")
    office = api.as_user("office")
    disbursement = office.get("/api/v1/disbursement/").get_json()["ids"][0]
    expenditure = office.get("/api/v1/expenditure/").get_json()["ids"][0]
    assert office.put(f"/api/v1/disbursement/{disbursement}",
                      json={"amount": "90000.00", "voucher_no": "BF-2"}).status_code == 200
    assert sums(app, line) == ("90000.00", "60000.00")
    assert office.delete(f"/api/v1/expenditure/{expenditure}").status_code == 200
    assert sums(app, line) == ("90000.00", "0.00")
    with app.app_context():
        notes = db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.entity.in_(("disbursement", "expenditure")))).all()
        assert sorted(notes) == ["delete", "insert", "insert", "update", "update"]
