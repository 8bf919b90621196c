"""公众评价: the public rates a project in operation without an account; comments wait for the
Office's moderation; abuse is bounded; nothing the public wrote reaches a page unescaped."""
from core.audit import AuditEvent
from core.extensions import db
from sqlalchemy import select


def _rate(client, code, **form):
    data = {"rating": "4", "comment": "", "nickname": "", "website": ""}
    data.update(form)
    return client.post(f"/disclosure/evaluate/{code}/rate", data=data,
                       environ_base={"REMOTE_ADDR": form.pop("addr", "203.0.113.7")})


def _running(make_project, code="TC-2013-001", **kw):
    return make_project(status="in_operation", code=code, **kw)


def test_a_visitor_rates_and_the_comment_waits_for_moderation(app, make_project, web):
    _running(make_project)
    anonymous = app.test_client()
    page = anonymous.get("/disclosure/evaluate/TC-2013-001").get_data(as_text=True)
    assert "城区治安视频监控系统二期" in page and 'name="website"' in page
    response = _rate(anonymous, "TC-2013-001", rating="5", comment="监控覆盖后夜里走路安心多了。",
                     nickname="老张")
    assert response.status_code == 302
    page = anonymous.get("/disclosure/evaluate/TC-2013-001").get_data(as_text=True)
    assert 'id="rating-count">1<' in page  # the rating counts at once
    assert "夜里走路安心" not in page  # the comment waits
    office = web.as_user("office")
    queue = office.get("/publicevaluations/moderation/").get_data(as_text=True)
    assert "夜里走路安心" in queue
    with app.app_context():
        from evaluation.models import PublicEvaluation
        item = db.session.scalars(select(PublicEvaluation)).one()
        assert item.status == "pending" and len(item.address_hash) == 64
        assert "203.0.113.7" not in item.address_hash
        pk = item.id
    office.post(f"/publicevaluations/moderation/{pk}/moderate", data={"decision": "publish"})
    web.as_user("pm").post(f"/publicevaluations/moderation/{pk}/reply",
                           data={"reply": "感谢支持,二期将覆盖更多路口。"})
    page = anonymous.get("/disclosure/evaluate/TC-2013-001").get_data(as_text=True)
    assert "夜里走路安心" in page and "老张" in page and "二期将覆盖更多路口" in page
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.entity == "public_evaluation")).all()
        assert {e.actor for e in events} >= {"public", "office", "pm"}
        assert any(e.field == "status" and e.new_value == "published" and e.actor == "office"
                   for e in events)
        assert not any("address_hash" == e.field or "203.0.113" in (e.new_value or "")
                       for e in events)


def test_only_projects_in_operation_can_be_rated(app, make_project):
    make_project(status="in_construction")
    client = app.test_client()
    assert client.get("/disclosure/evaluate/TC-2013-001").status_code == 404
    assert _rate(client, "TC-2013-001").status_code == 404
    assert client.get("/disclosure/evaluate/NOPE-1").status_code == 404


def test_html_long_text_and_bad_ratings_are_refused(app, make_project):
    _running(make_project)
    client = app.test_client()
    refused = _rate(client, "TC-2013-001", comment="<script>alert(1)</script>")
    assert refused.status_code == 422
    assert "<script>alert" not in refused.get_data(as_text=True)
    assert _rate(client, "TC-2013-001", comment="很" * 501).status_code == 422
    assert _rate(client, "TC-2013-001", rating="9").status_code == 422
    assert _rate(client, "TC-2013-001", rating="").status_code == 422
    with app.app_context():
        from evaluation.models import PublicEvaluation
        assert db.session.scalar(select(PublicEvaluation.id)) is None


def test_the_honeypot_stores_nothing_but_looks_fine(app, make_project):
    _running(make_project)
    response = _rate(app.test_client(), "TC-2013-001", website="http://spam.example")
    assert response.status_code == 302
    with app.app_context():
        from evaluation.models import PublicEvaluation
        assert db.session.scalar(select(PublicEvaluation.id)) is None


def test_duplicates_and_the_daily_quota(app, make_project):
    for n in range(12):
        _running(make_project, code=f"TC-2013-1{n:02d}")
    client = app.test_client()
    assert _rate(client, "TC-2013-100", comment="网上办事方便").status_code == 302
    again = _rate(client, "TC-2013-100", rating="1")
    assert again.status_code == 409  # the same address rated this project today
    copy = _rate(client, "TC-2013-101", comment="网上办事方便", addr="198.51.100.9")
    assert copy.status_code == 302  # the same words on another project are fine
    same = _rate(client, "TC-2013-100", comment=" 网上办事 方便 ", addr="198.51.100.9")
    assert same.status_code == 409  # the same comment on the same project is a duplicate
    codes = [f"TC-2013-1{n:02d}" for n in range(1, 12)]
    statuses = [_rate(client, code).status_code for code in codes]
    assert statuses.count(302) == app.config["PUBLIC_EVALUATION_DAILY_QUOTA"] - 1
    assert statuses[-1] == 409


def test_rejection_needs_a_note_and_is_final(app, make_project, web):
    _running(make_project)
    _rate(app.test_client(), "TC-2013-001", rating="1", comment="广告:代办证件请加微信")
    with app.app_context():
        from evaluation.models import PublicEvaluation
        pk = db.session.scalar(select(PublicEvaluation.id))
    office = web.as_user("office")
    api_client = office
    page = office.post(f"/publicevaluations/moderation/{pk}/moderate",
                       data={"decision": "reject"}, follow_redirects=True)
    assert "拒绝" in page.get_data(as_text=True) or "Say why" in page.get_data(as_text=True)
    api_client.post(f"/publicevaluations/moderation/{pk}/moderate",
                    data={"decision": "reject", "note": "广告"})
    with app.app_context():
        item = db.session.get(PublicEvaluation, pk)
        assert item.status == "rejected" and item.moderation_note == "广告"
    page = app.test_client().get("/disclosure/evaluate/TC-2013-001").get_data(as_text=True)
    assert "代办证件" not in page and 'data-count="0"' in page  # spam does not count


def test_roles_on_the_moderation_queue_and_api(app, make_project, web, api):
    _running(make_project)
    _running(make_project, code="TC-2013-002", department="市水利局")
    client = app.test_client()
    _rate(client, "TC-2013-001", comment="公安的系统很好用")
    _rate(client, "TC-2013-002", comment="水利的系统也不错")
    listing = api.as_user("pm2").get("/api/v1/publicevaluation/").get_json()
    assert [r["project"]["code"] for r in listing["result"]] == ["TC-2013-002"]
    assert api.as_user("auditor").get("/api/v1/publicevaluation/").get_json()["count"] == 2
    pk = api.as_user("office").get("/api/v1/publicevaluation/").get_json()["ids"][0]
    assert api.as_user("pm").post(f"/api/v1/publicevaluation/{pk}/moderate",
                                  json={"decision": "publish"}).status_code in (403, 404)
    assert api.as_user("auditor").post(f"/api/v1/publicevaluation/{pk}/moderate",
                                       json={"decision": "publish"}).status_code == 403
    done = api.as_user("office").post(f"/api/v1/publicevaluation/{pk}/moderate",
                                      json={"decision": "publish"})
    assert done.status_code == 200 and done.get_json()["result"]["status"] == "published"
    assert api.as_user("office").post(f"/api/v1/publicevaluation/{pk}/moderate",
                                      json={"decision": "publish"}).status_code == 409
    # the anonymous public has no internal page
    assert client.get("/publicevaluations/moderation/").status_code in (302, 401, 403)
    assert client.get("/api/v1/publicevaluation/").status_code == 401


def test_text_that_looks_like_markup_is_escaped_inside(app, make_project, web):
    _running(make_project)
    _rate(app.test_client(), "TC-2013-001", comment="评分 3 < 5 & 服务 > 预期")
    page = web.as_user("office").get("/publicevaluations/moderation/").get_data(as_text=True)
    assert "3 &lt; 5 &amp; 服务 &gt; 预期" in page
    listing = web.as_user("office").get("/publicevaluations/list/").get_data(as_text=True)
    assert "3 < 5 & 服务 > 预期" not in listing


def test_the_disclosure_list_links_the_rating(app, make_project):
    _running(make_project)
    _rate(app.test_client(), "TC-2013-001", rating="3")
    page = app.test_client().get("/disclosure/").get_data(as_text=True)
    assert "/disclosure/evaluate/TC-2013-001" in page and "★ 3.0 (1)" in page


def test_flask_limiter_limits_the_form_per_address(app, make_project):
    """Burst limit on the route (Flask-Limiter), before any database work."""
    from app import create_app
    _running(make_project)
    limited = create_app({"PLANGUARD_ENV": "testing", "RATELIMIT_ENABLED": True,
                          "PUBLIC_EVALUATION_RATE_LIMIT": "2 per minute"})
    limited.test_client_class = app.test_client_class  # sends the CSRF token like a browser
    client = limited.test_client()
    codes = [_rate(client, "TC-2013-001", rating="9").status_code for _ in range(3)]
    assert codes == [422, 422, 429]
    other = _rate(client, "TC-2013-001", rating="9", addr="192.0.2.50")
    assert other.status_code == 422  # another address is not limited
    assert client.get("/disclosure/evaluate/TC-2013-001").status_code == 200  # reading is free
