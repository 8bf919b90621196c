"""Forged requests and sessions: CSRF on every state-changing web route (deletes as POST with a
token), session-cookie API writes need the token too, login throttling in every environment but
the unit tests', sessions end at logout, a password policy, own password change, headers."""
import pytest
from sqlalchemy import select

from app import create_app
from conftest import PASSWORD, CsrfClient, forged, get_project
from core.extensions import db
from harden_support import changed_tables, fingerprint

STRONG_SECRET = "Jx8#kQ2v!Lm9$Wp4^Rt7&Zc1*Hb6(Ne3)Ya5"


def test_get_delete_does_not_delete_a_project_or_a_user(web, app, make_project):
    pid = make_project()
    office = forged(web.as_user("office"))
    office.get(f"/projects/delete/{pid}")
    with app.app_context():
        assert get_project(pid) is not None
    with app.app_context():
        victim = app.appbuilder.sm.find_user(username="pm2").id
    admin = forged(web.as_user("admin"))
    admin.get(f"/users/delete/{victim}")
    admin.post(f"/users/delete/{victim}")  # POST without the token: refused too
    with app.app_context():
        assert app.appbuilder.sm.find_user(username="pm2") is not None


def test_delete_is_a_post_with_the_token(web, app, make_project):
    pid = make_project()
    response = web.as_user("office").post(f"/projects/delete/{pid}")
    assert response.status_code == 302
    with app.app_context():
        assert get_project(pid) is None


def _custom_posts(app, pid, line_id):
    return [
        ("office", f"/projects/transition/{pid}", {"to": "submitted", "comment": "x"}),
        ("office", f"/projects/decide/{pid}", {"decision": "approve", "comment": "x"}),
        ("pm", f"/budgets/project/{pid}/line", {"source": "central", "year": "2013",
                                                "amount": "1.00"}),
        ("pm", f"/budgets/project/{pid}/line/{line_id}/delete", {}),
        ("pm", f"/budgets/project/{pid}/payment", {"line": str(line_id), "kind": "disbursement",
                                                   "date": "2013-04-01", "amount": "1.00"}),
        ("pm", f"/budgets/project/{pid}/change", {"amount": "1.00", "reason": "x"}),
        ("office", f"/risk/rating/{pid}", {"rating": "2", "reason": "x"}),
        ("pm", f"/rebaselines/request/{pid}", {"reason": "x"}),
        ("office", "/rebaselines/decide/1", {"decision": "approve"}),
        ("pm", "/findings/rectify/1", {"status": "done"}),
        ("pm", "/milestones/upload/1", {}),
        ("pm", "/projects/add", {"code": "TC-2013-099", "name": "伪造的项目"}),
        ("pm", f"/projects/edit/{pid}", {"name": "伪造"}),
    ]


def test_custom_posts_without_a_token_are_refused_and_change_nothing(web, app, make_project):
    pid = make_project(status="in_review", funded=True)
    with app.app_context():
        from budgets.models import FundingLine
        line_id = db.session.scalar(select(FundingLine.id))
    clients = {name: forged(web.as_user(name)) for name in ("office", "pm")}
    before = fingerprint(app)
    for user, path, form in _custom_posts(app, pid, line_id):
        response = clients[user].post(path, data=form)
        assert response.status_code == 400, (path, response.status_code)
        assert "CSRF" in response.get_data(as_text=True), path
    assert changed_tables(before, fingerprint(app)) == []


def test_every_web_post_route_is_csrf_protected(app):
    """No view or blueprint is exempt from CSRFProtect but FAB's REST APIs (which check the
    token themselves for cookie sessions, see below)."""
    from core.websecurity import csrf
    exempt_views = set(csrf._exempt_views)
    assert exempt_views == set(), exempt_views
    exempt_blueprints = set(csrf._exempt_blueprints)
    for rule in app.url_map.iter_rules():
        if {"POST", "PUT", "DELETE", "PATCH"} & set(rule.methods or ()):
            blueprint = rule.endpoint.rsplit(".", 1)[0] if "." in rule.endpoint else None
            if blueprint in exempt_blueprints:
                assert rule.rule.startswith("/api/"), rule.rule


def test_api_write_on_the_session_cookie_needs_the_token(web, api, app, make_project):
    from conftest import proposal
    browser = web.as_user("pm")
    before = fingerprint(app)
    refused = forged(browser).post("/api/v1/project/", json=proposal())
    assert refused.status_code == 400 and "CSRF" in refused.get_json()["message"]
    assert changed_tables(before, fingerprint(app)) == []
    browser.send_csrf = True
    assert browser.post("/api/v1/project/", json=proposal()).status_code == 201
    # a bearer token is not sent by a browser on its own: no CSRF token needed
    assert api.as_user("pm").post("/api/v1/project/", json=proposal(
        code="TC-2013-002", name="网格化管理平台")).status_code == 201


def _limited_app(env, **extra):
    overrides = {"PLANGUARD_ENV": env, "SECRET_KEY": STRONG_SECRET, "ADMIN_PASSWORD": PASSWORD,
                 "AUTH_RATE_LIMIT": "5 per minute"}
    overrides.update(extra)
    return create_app(overrides)


@pytest.mark.parametrize("env", ["development", "production"])
def test_login_is_throttled_outside_the_unit_tests(app, env):
    limited = _limited_app(env)
    assert limited.config["RATELIMIT_ENABLED"] and limited.config["AUTH_RATE_LIMITED"]
    limited.test_client_class = CsrfClient
    client = limited.test_client()
    web_codes = [client.post("/login/", data={"username": "office", "password": "wrong"},
                             environ_base={"REMOTE_ADDR": "10.0.0.7"}).status_code
                 for _ in range(7)]
    assert 429 in web_codes and web_codes[:5].count(429) == 0, web_codes
    api_codes = [client.post("/api/v1/security/login", json={
        "username": "office", "password": "wrong", "provider": "db"},
        environ_base={"REMOTE_ADDR": "10.0.0.8"}).status_code for _ in range(7)]
    assert api_codes[:5] == [401] * 5 and api_codes[-1] == 429, api_codes


def test_the_unit_test_config_is_the_only_one_without_throttling():
    import config
    assert config.DevelopmentConfig.RATELIMIT_ENABLED and config.ProductionConfig.RATELIMIT_ENABLED
    assert config.BaseConfig.AUTH_RATE_LIMITED and not config.TestingConfig.RATELIMIT_ENABLED


def test_the_old_session_cookie_is_refused_after_logout(web, app):
    client = web.as_user("office")
    assert client.get("/projects/list/").status_code == 200
    cookie = client.get_cookie("session").value
    client.get("/logout/")
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    response = thief.get("/projects/list/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    # logging in again works
    assert web.as_user("office").get("/projects/list/").status_code == 200


@pytest.mark.parametrize("password", ["1", "short1A!", "alllowercaseletters", "Password1",
                                      "admin"])
def test_weak_passwords_are_refused_by_the_cli(runner, app, password):
    result = runner.invoke(args=["users", "create", "--username", "weakling", "--password",
                                 password, "--role", "Auditor"])
    assert result.exit_code != 0 and "weak" in result.output.lower(), result.output
    with app.app_context():
        assert app.appbuilder.sm.find_user(username="weakling") is None


def test_weak_password_refused_in_the_admin_user_form(web, app):
    with app.app_context():
        role = app.appbuilder.sm.find_role("Auditor").id
    response = web.as_user("admin", lang="en").post("/users/add", data={
        "first_name": "W", "last_name": "L", "username": "weakling", "email": "w@x.invalid",
        "active": "y", "roles": str(role), "password": "1", "conf_password": "1"})
    assert response.status_code == 200 and "Password too weak" in response.get_data(as_text=True)
    with app.app_context():
        assert app.appbuilder.sm.find_user(username="weakling") is None


@pytest.mark.parametrize("secret, password, message", [
    ("a" * 32, PASSWORD, "SECRET_KEY"),
    ("abcd" * 10, PASSWORD, "SECRET_KEY"),
    ("short", PASSWORD, "SECRET_KEY"),
    (STRONG_SECRET, "1", "ADMIN_PASSWORD"),
    (STRONG_SECRET, "admin", "ADMIN_PASSWORD"),
])
def test_production_refuses_weak_secrets_and_admin_passwords(app, secret, password, message):
    with pytest.raises(RuntimeError, match=message):
        create_app({"PLANGUARD_ENV": "production", "SECRET_KEY": secret,
                    "ADMIN_PASSWORD": password})


def test_a_project_manager_changes_its_own_password(web, app):
    client = web.as_user("pm", lang="en")
    assert client.get("/users/userinfo/").status_code == 200
    assert client.get("/resetmypassword/form").status_code == 200
    weak = client.post("/resetmypassword/form", data={"password": "1", "conf_password": "1"})
    assert "Password too weak" in weak.get_data(as_text=True)
    new = "Another-pw-22"
    other_session = web.as_user("pm")
    done = client.post("/resetmypassword/form", data={"password": new, "conf_password": new})
    assert done.status_code == 302
    assert client.get("/projects/list/").status_code == 200  # this session stays
    assert other_session.get("/projects/list/").status_code == 302  # the others end
    try:
        fresh = app.test_client()
        assert fresh.post("/login/", data={"username": "pm", "password": new}).status_code == 302
    finally:
        with app.app_context():
            sm = app.appbuilder.sm
            sm.reset_password(sm.find_user(username="pm").id, PASSWORD)


def test_security_headers(web, app):
    for client, path in ((app.test_client(), "/login/"), (web.as_user("pm"), "/projects/list/"),
                         (app.test_client(), "/api/v1/_openapi")):
        headers = client.get(path).headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], path
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
