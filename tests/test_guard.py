"""The duplicate-construction guard: quality on the labeled samples, the consumer case, the
stored result at submission, the approval rule, the API, the scan, and scoping."""
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from conftest import get_project, proposal
from core.audit import AuditEvent
from core.extensions import db
from projects.guard.models import DuplicateCheck
from projects.models import Review

DATA = Path(__file__).parent / "data"
# Two city-wide SMS platforms, in different words: the second duplicates the first.
SMS = dict(code="TC-2013-101", name="全市政务短信服务平台", department="市政府办公室",
           plan_task="T1", category="application", capabilities=["短信平台", "信息群发"],
           description="建设全市统一的政务短信平台,对接移动、联通、电信短信网关,为各部门提供会议通知和预警信息群发。")
SMS_AGAIN = dict(code="TC-2013-102", name="防汛预警手机短信发布系统", department="市水利局",
                 plan_task="T3", category="emergency", capabilities=["短信发布", "预警发布"],
                 description="水利局自建短信发布平台,向三家运营商申请短信端口,实现汛情预警信息一键群发。")
SMS_CONSUMER = dict(code="TC-2013-103", name="防汛预警信息发布", department="市水利局",
                    plan_task="T3", category="emergency", capabilities=["预警发布"],
                    description="依托市政务短信服务平台开通防汛业务账号,不另建短信网关,"
                                "编制汛情预警发布流程和乡镇责任人通讯录。")


def import_samples(runner):
    result = runner.invoke(args=["projects", "import", str(DATA / "proposals.json"),
                                 "--create-departments"])
    assert result.exit_code == 0, result.output


def test_portfolio_scan_finds_the_labeled_duplicates(runner, app):
    """Precision and recall of the scan on the 40 labeled proposals, at the default threshold."""
    import_samples(runner)
    result = runner.invoke(args=["projects", "duplicates", "--json"])
    assert result.exit_code == 0, result.output
    found = {tuple(sorted((p["a"], p["b"]))) for p in json.loads(result.output)["pairs"]}
    truth = {tuple(sorted(pair[:2])) for pair in
             json.loads((DATA / "duplicate_pairs.json").read_text())["duplicate_pairs"]}
    precision = len(found & truth) / len(found)
    recall = len(found & truth) / len(truth)
    print(f"samples: precision {precision:.2f} recall {recall:.2f} ({len(found)} pairs)")
    assert precision >= 0.9 and recall >= 0.9, (sorted(found - truth), sorted(truth - found))


def test_scan_json_format(runner, make_project):
    make_project(**SMS)
    make_project(**SMS_AGAIN)
    data = json.loads(runner.invoke(args=["projects", "duplicates", "--json"]).output)
    assert set(data) == {"threshold", "pairs"}
    pair = data["pairs"][0]
    assert (pair["a"], pair["b"]) == ("TC-2013-101", "TC-2013-102")
    assert 0 < pair["score"] <= 1 and any("短信" in r for r in pair["reasons"])


def test_a_paraphrased_duplicate_is_matched_with_evidence(api, make_project):
    make_project(status="in_operation", **SMS)
    response = api.as_user("office").post("/api/v1/project/duplicate-check", json=SMS_AGAIN)
    assert response.status_code == 200
    matches = response.get_json()["matches"]
    assert [m["code"] for m in matches] == ["TC-2013-101"]
    assert set(matches[0]) == {"code", "name", "score", "reasons"}
    assert any("短信" in reason for reason in matches[0]["reasons"])


def test_a_consumer_of_an_existing_platform_is_not_a_duplicate(api, make_project):
    make_project(status="in_operation", **SMS)
    response = api.as_user("office").post("/api/v1/project/duplicate-check", json=SMS_CONSUMER)
    assert response.get_json()["matches"] == []


def test_a_later_phase_of_the_same_project_is_not_a_duplicate(api, make_project):
    make_project(status="in_operation", **dict(SMS, name="全市政务短信服务平台(一期)"))
    phase_two = dict(SMS, code="TC-2014-101", name="全市政务短信服务平台(二期)")
    response = api.as_user("office").post("/api/v1/project/duplicate-check", json=phase_two)
    assert response.get_json()["matches"] == []


def test_different_systems_sharing_words_are_not_matched(api, make_project):
    make_project(status="in_operation", **SMS)
    other = dict(code="TC-2013-120", name="看守所智能监管系统", department="市公安局",
                 plan_task="T3", category="security", capabilities=["监所安防", "周界报警"],
                 description="对看守所监区进行安防改造,建设周界报警和门禁联动,并向值班人员发送短信提醒。")
    assert api.as_user("office").post("/api/v1/project/duplicate-check",
                                      json=other).get_json()["matches"] == []


def test_bad_check_input_is_refused(api):
    response = api.as_user("pm").post("/api/v1/project/duplicate-check", json={"category": 5})
    assert response.status_code == 422
    assert api.as_user("pm").post("/api/v1/project/duplicate-check", data="x").status_code == 400


def test_submission_stores_the_result_with_the_proposal(api, app, make_project):
    make_project(status="in_operation", **SMS)
    project_id = make_project(**SMS_AGAIN)
    with app.app_context():
        from core.security import PROJECT_MANAGER  # noqa: F401
    response = api.as_user("office").post(f"/api/v1/project/{project_id}/transition",
                                          json={"to": "submitted"})
    assert response.status_code == 200
    assert any("TC-2013-101" in w for w in response.get_json()["warnings"])
    with app.app_context():
        check = db.session.scalar(select(DuplicateCheck).where(
            DuplicateCheck.project_id == project_id))
        assert check.trigger == "submission" and check.flagged == 1
        assert check.result["matches"][0]["code"] == "TC-2013-101"


def _in_review_duplicate(make_project):
    make_project(status="in_operation", **SMS)
    return make_project(status="in_review", funded=True, **SMS_AGAIN)


def test_approval_of_a_flagged_proposal_needs_a_justification(api, app, make_project):
    project_id = _in_review_duplicate(make_project)
    office = api.as_user("office")
    response = office.post(f"/api/v1/project/{project_id}/decision", json={"decision": "approve"})
    assert response.status_code == 422
    assert "TC-2013-101" in response.get_json()["message"]
    with app.app_context():
        assert get_project(project_id).status == "in_review"
    response = office.post(f"/api/v1/project/{project_id}/decision", json={
        "decision": "approve", "comment": "同意",
        "justifications": {"TC-2013-101": "防汛预警需在断网时经北斗短报文发送,市平台不具备。"}})
    assert response.status_code == 200, response.get_json()
    with app.app_context():
        assert get_project(project_id).status == "approved"
        review = db.session.scalar(select(Review).where(Review.project_id == project_id,
                                                        Review.stage == "design"))
        frozen = review.duplicate_check
        assert frozen["matches"][0]["code"] == "TC-2013-101"
        assert frozen["justifications"]["TC-2013-101"].startswith("防汛预警")
        trail = db.session.scalar(select(AuditEvent).where(
            AuditEvent.entity == "review", AuditEvent.entity_id == review.id))
        assert "北斗短报文" in trail.new_value


def test_a_reuse_link_settles_the_match(api, app, make_project):
    project_id = _in_review_duplicate(make_project)
    response = api.as_user("office").post(f"/api/v1/project/{project_id}/decision", json={
        "decision": "approve", "reuses": ["TC-2013-101"]})
    assert response.status_code == 200, response.get_json()
    with app.app_context():
        project = get_project(project_id)
        assert project.status == "approved"
        assert [p.code for p in project.reuses] == ["TC-2013-101"]


def test_the_transition_api_follows_the_same_approval_rule(api, app, make_project):
    project_id = _in_review_duplicate(make_project)
    response = api.as_user("office").post(f"/api/v1/project/{project_id}/transition",
                                          json={"to": "approved"})
    assert response.status_code == 422
    with app.app_context():
        assert get_project(project_id).status == "in_review"


def test_stages_in_order_and_a_plan_listed_project_skips_the_proposal(api, app, make_project):
    office = api.as_user("office")
    unlisted = make_project(status="submitted", funded=True, code="TC-2013-201")
    listed = make_project(status="submitted", funded=True, listed_in_plan=True, **SMS)
    for project_id, stages in ((unlisted, ["feasibility", "design"]), (listed, ["design"])):
        office.post(f"/api/v1/project/{project_id}/transition", json={"to": "in_review"})
        for expected in stages:
            body = office.post(f"/api/v1/project/{project_id}/decision",
                               json={"decision": "approve"}).get_json()
            assert body["stage"] == expected and body["result"]["status"] == "in_review"
        body = office.post(f"/api/v1/project/{project_id}/decision",
                           json={"decision": "approve"}).get_json()
        assert body["result"]["status"] == "approved"
    with app.app_context():
        stages = db.session.scalars(select(Review.stage).where(
            Review.project_id == listed).order_by(Review.id)).all()
        assert stages == ["feasibility", "design"]


def test_a_returned_proposal_goes_back_with_the_comments(api, web, make_project):
    project_id = make_project(status="in_review")
    api.as_user("office").post(f"/api/v1/project/{project_id}/decision", json={
        "decision": "return", "comment": "请补充与市视频监控平台共建方案"})
    page = web.as_user("pm").get("/reviews/queue").get_data(as_text=True)
    assert "请补充与市视频监控平台共建方案" in page
    assert "请补充" not in web.as_user("pm2").get("/reviews/queue").get_data(as_text=True)


def test_review_queue_lists_waiting_proposals_oldest_first_with_warnings(api, web, make_project):
    make_project(status="in_operation", **SMS)
    first = make_project(**SMS_AGAIN)
    second = make_project(code="TC-2013-301", name="教育城域网", department="市公安局")
    office = api.as_user("office")
    for project_id in (first, second):
        office.post(f"/api/v1/project/{project_id}/transition", json={"to": "submitted"})
    page = web.as_user("office").get("/reviews/queue").get_data(as_text=True)
    assert page.index("TC-2013-102") < page.index("TC-2013-301")
    assert 'label-danger">1<' in page


def test_project_managers_see_only_what_they_may(api, web, make_project):
    make_project(status="submitted", **SMS)  # another department's unapproved proposal
    pm2 = api.as_user("pm2")
    body = pm2.post("/api/v1/project/duplicate-check", json=SMS_AGAIN).get_json()
    assert body["matches"] == [] and body["hidden_matches"] == 1
    assert web.as_user("pm").get("/duplicates/").status_code in (302, 403)
    assert web.as_user("office").get("/duplicates/").status_code == 200


def test_side_by_side_highlights_the_shared_evidence(web, app, make_project):
    a = make_project(status="in_operation", **SMS)
    b = make_project(**SMS_AGAIN)
    page = web.as_user("office").get(f"/duplicates/compare?a={a}&b={b}").get_data(as_text=True)
    assert "<mark>短信平台</mark>" in page or "<mark>短信</mark>" in page
    assert web.as_user("pm").get(f"/duplicates/compare?a={a}&b={b}").status_code in (302, 403)


def test_shared_data_is_evidence(api, app, make_project):
    a = make_project(status="in_operation", **SMS)
    b = make_project(**SMS_AGAIN)
    office = api.as_user("office")
    for project_id in (a, b):
        response = office.post("/api/v1/dataitem/", json={
            "project": project_id, "name": "乡镇责任人通讯录", "direction": "produces",
            "shared": True})
        assert response.status_code == 201, response.get_json()
    matches = office.post("/api/v1/project/duplicate-check",
                          json=dict(SMS_AGAIN, code="TC-2013-102")).get_json()["matches"]
    assert any("乡镇责任人通讯录" in r for r in matches[0]["reasons"])


def test_data_items_are_maintained_by_the_owning_department(api, app, make_project):
    project_id = make_project()  # 市公安局
    assert api.as_user("pm2").post("/api/v1/dataitem/", json={
        "project": project_id, "name": "人口信息", "direction": "produces"}).status_code in (403, 404)
    assert api.as_user("pm").post("/api/v1/dataitem/", json={
        "project": project_id, "name": "人口信息", "direction": "sideways"}).status_code == 422
    assert api.as_user("pm").post("/api/v1/dataitem/", json={
        "project": project_id, "name": "人口信息", "direction": "produces"}).status_code == 201


@pytest.mark.parametrize("user", ["office", "auditor"])
def test_suspected_pairs_page(web, make_project, user):
    make_project(status="in_operation", **SMS)
    make_project(**SMS_AGAIN)
    page = web.as_user(user).get("/duplicates/").get_data(as_text=True)
    assert 'data-a="TC-2013-101" data-b="TC-2013-102"' in page


def test_the_index_follows_changes_without_rebuilding(api, app, make_project):
    from projects.guard import services as guard
    office = api.as_user("office")
    assert office.post("/api/v1/project/duplicate-check", json=SMS_AGAIN).get_json()["matches"] == []
    project_id = make_project(status="in_operation", **SMS)
    with app.test_request_context():
        first = guard.index()
        generation = first.generation
        assert guard.index() is first and first.generation == generation  # no change, no work
    assert [m["code"] for m in office.post("/api/v1/project/duplicate-check",
                                           json=SMS_AGAIN).get_json()["matches"]] == ["TC-2013-101"]
    office.put(f"/api/v1/project/{project_id}", json={"name": "全市政务短信平台(已停用)"})
    with app.test_request_context():
        index = guard.index()
        assert index is first and index.generation == generation + 2  # one remove, one put
        assert len(index) == 1
