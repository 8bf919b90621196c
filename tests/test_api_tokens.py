"""API tokens end when their user says so (issue 11): a token used after its login was logged
out, after the password changed, or after the user was deactivated is refused with 401; a
missing or malformed token is a 401 that says why (not flask-jwt-extended's 422)."""
import pytest

from conftest import PASSWORD

PROJECTS = "/api/v1/project/"


def login(app, username="pm", password=PASSWORD, refresh=False):
    response = app.test_client().post("/api/v1/security/login", json={
        "username": username, "password": password, "provider": "db", "refresh": refresh})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def call(app, token, method="get", path=PROJECTS):
    return getattr(app.test_client(), method)(path, headers={"Authorization": f"Bearer {token}"})


def test_a_token_is_refused_after_its_login_logs_out(app):
    tokens = login(app, refresh=True)
    other = login(app)["access_token"]  # the same user's other API login (another script)
    assert call(app, tokens["access_token"]).status_code == 200

    out = call(app, tokens["access_token"], "post", "/api/v1/security/logout")
    assert out.status_code == 200, out.get_json()

    refused = call(app, tokens["access_token"])
    assert refused.status_code == 401
    assert "令牌已失效" in refused.get_json()["message"]  # revoked: log in again
    # the login's refresh token cannot mint a new access token either
    assert call(app, tokens["refresh_token"], "post", "/api/v1/security/refresh"
                ).status_code == 401
    assert call(app, other).status_code == 200  # only that login ended
    assert call(app, login(app)["access_token"]).status_code == 200  # logging in again works


def test_logout_with_the_refresh_token_ends_the_login_too(app):
    tokens = login(app, refresh=True)
    assert call(app, tokens["refresh_token"], "post", "/api/v1/security/logout"
                ).status_code == 200
    assert call(app, tokens["access_token"]).status_code == 401


def test_a_refreshed_token_belongs_to_the_same_login(app):
    tokens = login(app, refresh=True)
    fresh = call(app, tokens["refresh_token"], "post", "/api/v1/security/refresh")
    assert fresh.status_code == 200
    refreshed = fresh.get_json()["access_token"]
    assert call(app, refreshed).status_code == 200
    call(app, tokens["access_token"], "post", "/api/v1/security/logout")
    assert call(app, refreshed).status_code == 401


def test_tokens_are_refused_after_the_password_changes(app, web):
    token = login(app)["access_token"]
    assert call(app, token).status_code == 200
    new = "Another-pw-33"
    browser = web.as_user("pm", lang="en")
    try:
        done = browser.post("/resetmypassword/form", data={"password": new,
                                                             "conf_password": new})
        assert done.status_code == 302
        refused = call(app, token)
        assert refused.status_code == 401 and "令牌已失效" in refused.get_json()["message"]
        assert call(app, login(app, password=new)["access_token"]).status_code == 200
    finally:
        with app.app_context():
            sm = app.appbuilder.sm
            sm.reset_password(sm.find_user(username="pm").id, PASSWORD)


def _set_active(app, web, username, active):
    with app.app_context():
        user = app.appbuilder.sm.find_user(username=username)
        user_id, form = user.id, {
            "first_name": user.first_name, "last_name": user.last_name,
            "username": user.username, "email": user.email,
            "roles": [str(r.id) for r in user.roles],
            "department": str(user.department_id) if user.department_id else ""}
    if active:
        form["active"] = "y"
    response = web.as_user("admin", lang="en").post(f"/users/edit/{user_id}", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        assert app.appbuilder.sm.find_user(username=username).active is active


def test_tokens_are_refused_after_the_user_is_deactivated_even_once_reactivated(app, web):
    token = login(app, "pm2")["access_token"]
    assert call(app, token).status_code == 200
    _set_active(app, web, "pm2", False)
    try:
        assert call(app, token).status_code == 401
        _set_active(app, web, "pm2", True)
        assert call(app, token).status_code == 401  # reactivation does not revive it
        assert call(app, login(app, "pm2")["access_token"]).status_code == 200
    finally:
        with app.app_context():
            from core.extensions import db
            app.appbuilder.sm.find_user(username="pm2").active = True
            db.session.commit()


@pytest.mark.parametrize("header", [
    "Bearer not-a-token", "Bearer a.b.c", "Bearer ", "Bearer",
    "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.forged-signature"])
def test_malformed_tokens_answer_401_with_a_reason(app, header):
    response = app.test_client().get(PROJECTS, headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json()["message"]


def test_a_missing_token_or_a_refresh_token_as_access_token_answer_401(app):
    assert app.test_client().get(PROJECTS).status_code == 401
    refresh = login(app, refresh=True)["refresh_token"]
    wrong_kind = call(app, refresh)
    assert wrong_kind.status_code == 401 and wrong_kind.get_json()["message"]
