"""Production refuses unsafe defaults; the demo portfolio is realistic and reproducible; the UI
speaks Chinese by default and English on request."""
import pytest
from sqlalchemy import func, select

from app import create_app
from core.extensions import db
from projects.enums import STATUSES
from projects.models import Project, Review


def test_production_refuses_the_default_secret(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"PLANGUARD_ENV": "production"})
    monkeypatch.setenv("SECRET_KEY", "Jx8#kQ2v!Lm9$Wp4^Rt7&Zc1*Hb6(Ne3)Ya5")  # strong
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    with pytest.raises(RuntimeError, match="ADMIN_PASSWORD"):
        create_app({"PLANGUARD_ENV": "production"})


def test_demo_seed_is_reproducible_and_covers_every_status(runner, app):
    result = runner.invoke(args=["demo", "seed", "--projects", "400", "--seed", "7",
                                 "--no-users"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        first = [(p.code, p.name, p.department_id, str(p.budget_total), p.status)
                 for p in db.session.scalars(select(Project).order_by(Project.code))]
        statuses = {p[4] for p in first}
        departments = {p[2] for p in first}
        approved = db.session.scalar(select(func.count()).select_from(Project).where(
            Project.status == "in_operation"))
        decided = db.session.scalar(select(func.count(func.distinct(Review.project_id))))
        for table in ("expenditure", "disbursement", "budget_change", "funding_line",
                      "public_evaluation", "post_evaluation", "leadership_decision",
                      "department_assessment", "training_record"):
            db.session.execute(db.text(f"DELETE FROM {table}"))
        db.session.execute(db.delete(Review))
        db.session.execute(db.text("DELETE FROM project_plan_task"))
        db.session.execute(db.delete(Project))
        db.session.commit()
    assert statuses == set(STATUSES)
    assert len(departments) >= 30
    assert approved > 0 and decided > approved
    assert all("{" not in name for _c, name, *_ in first)
    again = runner.invoke(args=["demo", "seed", "--projects", "400", "--seed", "7",
                                "--no-users"])
    assert again.exit_code == 0, again.output
    with app.app_context():
        second = [(p.code, p.name, p.department_id, str(p.budget_total), p.status)
                  for p in db.session.scalars(select(Project).order_by(Project.code))]
    assert first == second


def test_login_page_is_chinese_by_default_and_english_on_request(app):
    client = app.test_client()
    assert "登录" in client.get("/login/").get_data(as_text=True)
    client.get("/lang/en")
    assert "Login" in client.get("/login/").get_data(as_text=True)


def test_users_create_command_checks_role_and_department(runner, app):
    result = runner.invoke(args=["users", "create", "--username", "pm3", "--password", "Pw-12345-ok",
                                 "--role", "ProjectManager"])
    assert result.exit_code != 0 and "department" in result.output
    result = runner.invoke(args=["users", "create", "--username", "pm3", "--password", "Pw-12345-ok",
                                 "--role", "ProjectManager", "--department", "SLJ-unknown"])
    assert result.exit_code != 0 and "unknown department" in result.output
    result = runner.invoke(args=["users", "create", "--username", "pm3", "--password", "Pw-12345-ok",
                                 "--role", "ProjectManager", "--department", "市教育局"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = app.appbuilder.sm.find_user(username="pm3")
        assert user.department.name == "市教育局" and [r.name for r in user.roles] == [
            "ProjectManager"]


def test_setup_is_idempotent(runner):
    result = runner.invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    assert "departments added: 0" in result.output and "changed rows: 0" in result.output


def test_api_login_is_rate_limited_like_the_web_login(app):
    limited = create_app({"PLANGUARD_ENV": "testing", "AUTH_RATE_LIMITED": True,
                          "RATELIMIT_ENABLED": True, "AUTH_RATE_LIMIT": "3 per minute"})
    client = limited.test_client()
    codes = [client.post("/api/v1/security/login", json={
        "username": "office", "password": "wrong", "provider": "db"}).status_code
        for _ in range(5)]
    assert codes[:3] == [401, 401, 401] and codes[-1] == 429


def test_openapi_spec_lists_the_project_resource(api):
    spec = api.as_user("pm").get("/api/v1/_openapi").get_json()
    assert "/api/v1/project/{pk}/transition" in spec["paths"]
    assert "post" in spec["paths"]["/api/v1/project/"]


def test_projects_can_be_created_after_a_demo_seed(runner, api):
    result = runner.invoke(args=["demo", "seed", "--projects", "20", "--no-users"])
    assert result.exit_code == 0, result.output
    from conftest import proposal
    response = api.as_user("office").post("/api/v1/project/", json=proposal())
    assert response.status_code == 201, response.get_json()


def test_the_demo_with_scan_fills_the_suspected_pairs_page(runner, web):
    """`make run` seeds with --scan: the Office's first look at /duplicates/ is a finished
    scan, not 'not scanned yet' (jobs run as they are queued in tests)."""
    result = runner.invoke(args=["demo", "seed", "--projects", "200", "--no-users", "--scan"])
    assert result.exit_code == 0, result.output
    assert "portfolio scan queued" in result.output
    page = web.as_user("office").get("/duplicates/").get_data(as_text=True)
    assert "尚未扫描全部项目" not in page and "DEMO-" in page


def test_the_demo_reads_like_a_live_portfolio_as_of_its_day(runner, app):
    """Dates relative to the as-of day, submission checks stored: the queue waits days, not
    years, and rule C02 fails for a few percent only."""
    import datetime as dt

    from reports.rules import evaluate
    result = runner.invoke(args=["demo", "seed", "--projects", "600", "--seed", "3",
                                 "--no-users", "--as-of", "2014-06-30"])
    assert result.exit_code == 0, result.output
    as_of = dt.date(2014, 6, 30)
    with app.test_request_context():
        projects = list(db.session.scalars(select(Project)))
        waiting = [(as_of - p.submitted_at.date()).days for p in projects
                   if p.status in ("submitted", "in_review")]
        assert waiting and max(waiting) <= 60 and min(waiting) >= 0
        assert all(p.start_date > as_of for p in projects if p.status == "draft")
        assert all(p.start_date <= as_of < p.end_date + dt.timedelta(days=120)
                   for p in projects if p.status == "in_construction")
        assert all(p.end_date < as_of for p in projects if p.status == "in_operation")
        for project in projects:
            days = [r.decided_at for r in project.reviews]
            assert days == sorted(days) and all(d.date() <= as_of for d in days)
        counts = evaluate(on=as_of).counts("C02")
        assert 0 < counts["fail"] <= 0.06 * (counts["pass"] + counts["fail"]), counts
