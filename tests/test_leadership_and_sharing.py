"""领导小组审议: a major project waits on the leadership group before its final approval, and the
review queue shows it; 信息资源共享: a department asks the owner for shared data, the owner
decides, the catalogue shows who uses what, and the guard can read it."""
import io

from sqlalchemy import select

from conftest import fund_fully
from core.extensions import db
from evaluation_support import add_item

DECISION = {"meeting_date": "2013-02-20", "minute_number": "塔政信领〔2013〕3号",
            "decision": "approve", "summary": "同意建设,统筹利用全市视频专网。"}


def _approve(api, pid):
    return api.as_user("office").post(f"/api/v1/project/{pid}/decision",
                                      json={"decision": "approve", "comment": "同意"})


def test_a_major_project_waits_on_the_group(app, api, web, make_project):
    pid = make_project(status="in_review", budget_total="12000000.00")
    fund_fully(app, pid)
    refused = _approve(api, pid)
    assert refused.status_code == 422 and "领导小组" in refused.get_json()["message"]
    queue = web.as_user("office").get("/reviews/queue").get_data(as_text=True)
    assert 'id="leadership-queue"' in queue and 'data-code="TC-2013-001"' in queue
    assert api.as_user("pm").post("/api/v1/leadershipdecision/", json=dict(
        DECISION, project=pid)).status_code == 403
    deferred = api.as_user("office").post("/api/v1/leadershipdecision/", json=dict(
        DECISION, project=pid, decision="defer", meeting_date="2013-02-01"))
    assert deferred.status_code == 201
    still = _approve(api, pid)
    assert still.status_code == 422 and "暂缓" in still.get_json()["message"]
    recorded = api.as_user("office").post("/api/v1/leadershipdecision/",
                                          json=dict(DECISION, project=pid))
    assert recorded.status_code == 201, recorded.get_json()
    assert _approve(api, pid).status_code == 200
    queue = web.as_user("office").get("/reviews/queue").get_data(as_text=True)
    assert 'data-code="TC-2013-001"' not in queue
    page = web.as_user("pm").get(f"/projects/show/{pid}").get_data(as_text=True)
    assert "塔政信领〔2013〕3号" in page and "审议通过" in page


def test_a_small_project_needs_no_group_unless_referred(app, api, make_project):
    pid = make_project(status="in_review", budget_total="500000.00")
    fund_fully(app, pid)
    office = api.as_user("office")
    referred = office.post("/api/v1/leadershipdecision/referral",
                           json={"project": pid, "reason": "涉及多部门数据整合"})
    assert referred.status_code == 201
    assert office.post("/api/v1/leadershipdecision/referral", json={
        "project": pid, "reason": "again"}).status_code == 409
    assert _approve(api, pid).status_code == 422
    office.post("/api/v1/leadershipdecision/", json=dict(
        DECISION, project=pid, decision="conditional", summary="须与公安视频专网共建"))
    assert _approve(api, pid).status_code == 200
    other = make_project(status="in_review", code="TC-2013-002", budget_total="500000.00",
                         department="市水利局", category="application", name="城区供水管网漏损监测系统",
                         description="在供水主管网加装压力和流量传感器,分析漏损点位。",
                         capabilities=["管网监测", "漏损分析"])
    fund_fully(app, other)
    assert _approve(api, other).status_code == 200  # below the threshold: no group needed


def test_decisions_are_validated_and_the_minute_attached(app, api, web, make_project):
    pid = make_project(status="in_review", budget_total="12000000.00")
    office = api.as_user("office")
    bad = office.post("/api/v1/leadershipdecision/", json={
        "project": pid, "meeting_date": "2099-01-01", "minute_number": "纪要1", "decision": "maybe"})
    assert bad.status_code == 422
    assert {"meeting_date", "decision"} <= set(bad.get_json()["errors"])
    blank = office.post("/api/v1/leadershipdecision/", json=dict(DECISION, project=pid,
                                                               minute_number=" "))
    assert blank.status_code == 422 and "minute_number" in blank.get_json()["errors"]
    pk = office.post("/api/v1/leadershipdecision/", json=dict(DECISION, project=pid)
                     ).get_json()["id"]
    client = web.as_user("office")
    pdf = b"%PDF-1.4\n% minute\n"
    client.post(f"/leadership/decisions/attachment/{pk}", data={
        "file": (io.BytesIO(pdf), "纪要.pdf")}, content_type="multipart/form-data")
    got = web.as_user("pm").get(f"/leadership/decisions/attachment/{pk}")
    assert got.status_code == 200 and got.data == pdf
    refused = web.as_user("pm").post(f"/leadership/decisions/attachment/{pk}", data={
        "file": (io.BytesIO(pdf), "x.pdf")}, content_type="multipart/form-data",
        follow_redirects=True)
    assert "只有信息化办公室" in refused.get_data(as_text=True)
    with app.app_context():
        from projects.leadership.models import LeadershipDecision
        assert db.session.get(LeadershipDecision, pk).attachment_name == "纪要.pdf"


def _catalogue(app, make_project):
    owner = make_project(status="in_operation", code="TC-2012-010", department="市公安局",
                         name="人口基础信息库")
    item = add_item(app, owner, "人口基础信息")
    consumer = make_project(status="draft", code="TC-2013-020", department="市水利局",
                            name="防汛人员转移系统")
    return owner, item, consumer


def test_a_department_requests_shared_data_and_the_owner_decides(app, api, web, make_project):
    owner, item, consumer = _catalogue(app, make_project)
    body = {"data_item": item, "project": consumer, "purpose": "防汛转移时核对人员",
            "fields": "姓名、住址、联系电话"}
    assert api.as_user("pm").post("/api/v1/sharingrequest/", json=body).status_code in (
        403, 404)  # not pm's project
    created = api.as_user("pm2").post("/api/v1/sharingrequest/", json=body)
    assert created.status_code == 201, created.get_json()
    pk = created.get_json()["id"]
    assert api.as_user("pm2").post("/api/v1/sharingrequest/", json=body).status_code == 409
    assert api.as_user("pm2").post(f"/api/v1/sharingrequest/{pk}/decide",
                                   json={"decision": "approve"}).status_code == 403
    no_reason = api.as_user("pm").post(f"/api/v1/sharingrequest/{pk}/decide",
                                       json={"decision": "decline"})
    assert no_reason.status_code == 422
    done = api.as_user("pm").post(f"/api/v1/sharingrequest/{pk}/decide",
                                  json={"decision": "approve"})
    assert done.status_code == 200 and done.get_json()["result"]["status"] == "approved"
    usage = web.as_user("auditor").get("/sharing/usage").get_data(as_text=True)
    assert "人口基础信息" in usage and "TC-2013-020" in usage
    with app.test_request_context():
        from projects.guard.models import DataItem
        from projects.sharing.services import published_items_like, shared_items_used_by
        used = shared_items_used_by(consumer)
        assert [u["name"] for u in used] == ["人口基础信息"]
        assert used[0]["source_project"] == "TC-2012-010"
        consumes = db.session.scalars(select(DataItem).where(
            DataItem.project_id == consumer)).one()
        assert consumes.direction == "consumes" and consumes.name == "人口基础信息"
        from plan.models import Department
        water = db.session.scalar(select(Department.id).where(Department.name == "市水利局"))
        police = db.session.scalar(select(Department.id).where(Department.name == "市公安局"))
        assert [m["project_code"] for m in published_items_like("人口基础信息", water)] == [
            "TC-2012-010"]
        assert published_items_like("全市人口基础信息库", water)  # the name contains it
        assert published_items_like("人口基础信息", police) == []  # its own
    # a third department sees neither the request nor its details
    assert api.as_user("office").get(f"/api/v1/sharingrequest/{pk}").status_code == 200


def test_a_declined_request_says_why_and_links_nothing(app, api, make_project):
    owner, item, consumer = _catalogue(app, make_project)
    pk = api.as_user("pm2").post("/api/v1/sharingrequest/", json={
        "data_item": item, "project": consumer, "purpose": "核对", "fields": "身份证号"}
    ).get_json()["id"]
    declined = api.as_user("pm").post(f"/api/v1/sharingrequest/{pk}/decide", json={
        "decision": "decline", "reason": "身份证号属敏感字段,请改用脱敏接口"})
    assert declined.status_code == 200
    assert declined.get_json()["result"]["reason"].startswith("身份证号属敏感字段")
    with app.test_request_context():
        from projects.sharing.services import shared_items_used_by
        assert shared_items_used_by(consumer) == []


def test_an_unshared_item_cannot_be_requested(app, api, make_project):
    owner = make_project(status="in_operation", code="TC-2012-011")
    item = add_item(app, owner, "案件信息", shared=False)
    consumer = make_project(code="TC-2013-021", department="市水利局")
    refused = api.as_user("pm2").post("/api/v1/sharingrequest/", json={
        "data_item": item, "project": consumer, "purpose": "x", "fields": "y"})
    assert refused.status_code == 404
