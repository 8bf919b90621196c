"""Fixtures: one app per test session on a fresh database (SQLite file, or the PostgreSQL
database named by DATABASE_URL), built by `flask setup` exactly as in production; each test
starts from the plan, the departments and one user per role, with no projects."""
import hashlib
import os
import tempfile

import pytest
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from werkzeug.datastructures import MultiDict
from sqlalchemy import delete

os.environ.setdefault("PLANGUARD_INSTANCE", tempfile.mkdtemp(prefix="planguard-test-"))
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-of-forty-characters")

from app import create_app  # noqa: E402
from core.audit import AuditEvent  # noqa: E402
from core.extensions import db  # noqa: E402

USERS = {  # username: (role, department)
    "admin": ("Admin", None),
    "office": ("Office", "市信息化办公室"),
    "pm": ("ProjectManager", "市公安局"),
    "pm2": ("ProjectManager", "市水利局"),
    "auditor": ("Auditor", "市审计局"),
}
PASSWORD = "Secret-pw-1"


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + os.path.join(os.environ["PLANGUARD_INSTANCE"], "test.db")


class CsrfClient(FlaskClient):
    """A test client that sends the session's CSRF token with every form or JSON write, as the
    app's own pages do (hidden field csrf_token, header X-CSRFToken). CSRF tests use
    `forged()` (or a client with `send_csrf = False`), which sends none."""

    send_csrf = True

    def csrf_token(self) -> str:
        with self.session_transaction() as sess:
            raw = sess.get("csrf_token")
            if not raw:
                raw = sess["csrf_token"] = hashlib.sha1(os.urandom(64)).hexdigest()
        return URLSafeTimedSerializer(self.application.secret_key,
                                      salt="wtf-csrf-token").dumps(raw)

    def open(self, *args, **kwargs):
        method = (kwargs.get("method") or "GET").upper()
        if self.send_csrf and method not in ("GET", "HEAD", "OPTIONS") and (
                not args or isinstance(args[0], str)):
            token = self.csrf_token()
            data = kwargs.get("data")
            if isinstance(data, MultiDict) and "csrf_token" not in data:
                data = data.copy()
                data["csrf_token"] = token
                kwargs["data"] = data
            elif isinstance(data, dict) and "csrf_token" not in data:
                kwargs["data"] = {**data, "csrf_token": token}
            elif data is None and "json" not in kwargs:
                kwargs["data"] = {"csrf_token": token}
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", token)
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)


def forged(client):
    """The same browser (its cookies) without the CSRF token: what a cross-site page or link
    can make it send."""
    client.send_csrf = False
    return client


@pytest.fixture(scope="session")
def app():
    os.environ["DATABASE_URL"] = _database_url()
    app = create_app({"PLANGUARD_ENV": "testing", "ADMIN_PASSWORD": PASSWORD,
                      "UPLOAD_DIR": os.path.join(os.environ["PLANGUARD_INSTANCE"], "uploads")})
    app.test_client_class = CsrfClient
    with app.app_context():
        _drop_everything()
        result = app.test_cli_runner().invoke(args=["setup"])
        assert result.exit_code == 0, result.output
        from plan.services import add_user
        for username, (role, department) in USERS.items():
            if username != "admin":
                add_user(username, PASSWORD, role, department)
        db.session.commit()
        db.session.remove()
    yield app


def _drop_everything():
    """A database left by an earlier run (PostgreSQL) starts empty."""
    from flask_appbuilder import Model
    from sqlalchemy import text
    engine = db.engine
    Model.metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(autouse=True)
def clean(app):
    """Every test starts without projects (and whatever hangs on them: reviews, milestones...)
    or audit events, and leaves none behind. Users, roles, the plan and departments stay."""
    yield
    empty_portfolio(app)


def empty_portfolio(app):
    """Remove every project, what hangs on them and the audit trail (see `clean`)."""
    with app.app_context():
        db.session.rollback()
        from flask_appbuilder import Model
        for table in reversed(Model.metadata.sorted_tables):
            if table.name not in KEPT_TABLES and not table.name.startswith("ab_"):
                db.session.execute(delete(table))
        purge_audit_trail(db.session.connection())
        from projects.guard.services import bump_version
        bump_version(db.session)  # rows went without ORM events: tell the duplicate index
        from core import summaries
        summaries.bump(db.session)  # ... and the cached summaries
        db.session.commit()
        db.session.remove()


KEPT_TABLES = {"plan", "plan_task", "department", "guard_version", "funding_source",
               "audit_event", "audit_chain_head", "portfolio_version"}


def purge_audit_trail(connection):
    """Empty the trail and restart its chain as a DBA would: drop the append-only triggers,
    delete, put them back (inside the caller's transaction)."""
    from sqlalchemy import text
    from core.auditchain import GENESIS, create_guard, drop_guard
    drop_guard(connection)
    connection.execute(text("DELETE FROM audit_event"))
    connection.execute(text("UPDATE audit_chain_head SET seq = 0, hash = :h"), {"h": GENESIS})
    create_guard(connection)


@pytest.fixture
def ctx(app):
    """A request context for calling services directly. Do not combine with `web` or `api`:
    their requests would share this context's `g` (and its logged-in user)."""
    with app.test_request_context():
        yield
        db.session.rollback()


@pytest.fixture
def set_today(app, monkeypatch):
    """Set the app's one clock (core.clock) to a day for this test: `set_today(date)`."""
    def set_day(day):
        monkeypatch.setitem(app.config, "PLANGUARD_AS_OF", day)
        return day
    return set_day


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Browser:
    """A logged-in web client: `as_user('pm')` then get/post like the test client."""

    def __init__(self, app):
        self.app = app

    def as_user(self, username, lang="zh"):
        client = self.app.test_client()
        response = client.post("/login/", data={"username": username, "password": PASSWORD})
        assert response.status_code == 302, f"login of {username} failed"
        client.get(f"/lang/{lang}")
        return client


@pytest.fixture
def web(app):
    return Browser(app)


class Api:
    """A JWT client for /api/v1: `api.as_user('office').post('/api/v1/project/', json=...)`."""

    def __init__(self, app):
        self.app = app
        self.tokens = {}

    def as_user(self, username):
        client = self.app.test_client()
        if username not in self.tokens:
            response = client.post("/api/v1/security/login", json={
                "username": username, "password": PASSWORD, "provider": "db"})
            assert response.status_code == 200, response.get_json()
            self.tokens[username] = response.get_json()["access_token"]
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {self.tokens[username]}"
        return client


@pytest.fixture
def api(app):
    return Api(app)


def proposal(**overrides) -> dict:
    """A valid project body in the import keys, for the 市公安局 department."""
    body = {"code": "TC-2013-001", "name": "城区治安视频监控系统二期",
            "department": "市公安局", "plan_task": "T3", "category": "emergency",
            "description": "在城区主要路口和重点单位新建高清视频监控点位,接入公安视频专网。",
            "capabilities": ["视频监控", "治安防控"], "budget_total": "2500000.00",
            "start_date": "2013-03-01", "end_date": "2013-12-31"}
    body.update(overrides)
    return body


@pytest.fixture
def make_project(app):
    """Create a project through the service as the system, optionally moved to a status."""
    from core.audit import acting_as
    from projects.models import Project
    from projects.services import create_project

    def make(status="draft", funded=False, **overrides):
        """In review means: at the last review stage, the earlier ones approved. `funded`:
        first give it a funding plan equal to its budget (one municipal line)."""
        from projects.models import Review
        with app.app_context(), acting_as("fixture"):
            project = create_project(proposal(**overrides))
            if funded:
                from budgets.services import add_funding_line
                add_funding_line({"project": project.id, "source": "municipal",
                                  "year": project.start_date.year,
                                  "amount": str(project.budget_total)})
            if status != "draft":
                project.status = status
            if status == "in_review":
                for stage in app.config["REVIEW_STAGES"][:-1]:
                    project.reviews.append(Review(stage=stage, decision="approve",
                                                  reviewer="office"))
            db.session.commit()
            return project.id

    return make


def fund_fully(app, project_id, source="municipal"):
    """Give the project a funding plan equal to its budget (one line in its first year), as
    approval requires."""
    from budgets.services import add_funding_line
    from core.audit import acting_as
    from projects.models import Project
    with app.app_context(), acting_as("fixture"):
        project = db.session.get(Project, project_id)
        line = add_funding_line({"project": project_id, "source": source,
                                 "year": project.start_date.year,
                                 "amount": str(project.budget_total)})
        db.session.commit()
        return line.id


def get_project(project_id):
    from projects.models import Project
    db.session.expire_all()
    return db.session.get(Project, project_id)


@pytest.fixture
def hooks(app):
    """The app's registry of hooks and providers (core.registry) for this test: change it
    freely (e.g. `hooks.remove("gate:")`, `hooks.provide("cost_variance", None)`); it is put
    back afterwards."""
    from core import registry
    saved = registry.registry(app).snapshot()
    yield registry.registry(app)
    registry.registry(app).restore(saved)
