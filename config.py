"""Settings per environment, read from the environment (DESIGN §7).

`create_app()` picks a class by PLANGUARD_ENV; tests pass their own overrides.
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("PLANGUARD_INSTANCE", BASE_DIR / "instance"))

DEFAULT_SECRET_KEY = "dev-only-not-secret"
DEFAULT_ADMIN_PASSWORD = "admin"


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'planguard.db'}"
    # Accept the plain libpq form and point SQLAlchemy at psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def environment_settings() -> dict:
    """The settings an operator sets in the environment, read when the app is created."""
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": _database_url(),
        "PORT": int(os.environ.get("PORT", "8080")),
        "ADMIN_USER": os.environ.get("ADMIN_USER", "admin"),
        "ADMIN_PASSWORD": os.environ.get("ADMIN_PASSWORD", DEFAULT_ADMIN_PASSWORD),
    }


class BaseConfig:
    PLANGUARD_ENV = "development"
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    UPLOAD_DIR = str(INSTANCE_DIR / "uploads")

    APP_NAME = "PlanGuard 电子政务项目监管"
    APP_THEME = ""
    FAB_API_SWAGGER_UI = True
    FAB_ADD_OPENAPI_VIEWS = False  # core.openapi registers the conformed document instead
    FAB_UPDATE_PERMS = False  # permissions are synced by `flask setup`, never at start
    FAB_CREATE_DB = False  # Alembic owns the schema
    FAB_ADD_SECURITY_API = False
    FAB_SECURITY_MANAGER_CLASS = "core.security.PlanGuardSecurityManager"
    FAB_INDEX_VIEW = "reports.home.HomeView"
    FAB_API_MAX_PAGE_SIZE = 500
    AUTH_TYPE = 1  # AUTH_DB
    AUTH_ROLE_ADMIN = "Admin"
    AUTH_ROLE_PUBLIC = "Public"
    # Login throttling (web and /api/v1/security/login), per client address. On everywhere but
    # the unit-test configuration; with several workers or hosts point the storage at Redis.
    AUTH_RATE_LIMITED = True
    AUTH_RATE_LIMIT = "10 per minute"
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    JWT_ERROR_MESSAGE_KEY = "message"  # API errors all say "message" (core.tokens)
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    FAB_PASSWORD_COMPLEXITY_ENABLED = True  # validator: core.websecurity.password_complexity
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"

    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_TRANSLATION_DIRECTORIES = "core/translations"
    LANGUAGES = {
        "zh": {"flag": "cn", "name": "中文"},
        "en": {"flag": "gb", "name": "English"},
    }

    PLAN_FILE = str(BASE_DIR / "data" / "plan_tacheng_12th.json")
    DEPARTMENTS_FILE = str(BASE_DIR / "data" / "departments.json")
    FUNDING_SOURCES_FILE = str(BASE_DIR / "data" / "funding_sources.json")
    PROJECT_CODE_PATTERN = r"^[A-Z][A-Z0-9]{0,9}(-[A-Z0-9]{1,12}){1,3}$"
    PROJECT_LIST_PAGE_SIZE = 25
    # Review stages in order (建议书, 可行性研究, 初步设计与概算). A project listed in the plan
    # starts at the second stage, as the national rules allow.
    REVIEW_STAGES = ("proposal", "feasibility", "design")
    # The duplicate-construction guard: a match at or above the threshold is flagged.
    GUARD_THRESHOLD = float(os.environ.get("GUARD_THRESHOLD", "0.45"))
    GUARD_WEIGHTS = {"concepts": 0.45, "terms": 0.25, "identity": 0.2, "task": 0.05,
                     "category": 0.05, "data": 0.1}
    GUARD_MAX_MATCHES = 10
    # GUARD_ENGINE: "learned" (projects/guard/learned.py: sentence vectors stored per project
    # and the decision model fitted by `flask projects train-guard` on data/guard_corpus/, its
    # threshold chosen by cross-validation over system families; GUARD_LEARNED_THRESHOLD
    # overrides it) or "dictionary" (the score above, tuned on the samples: precision 0.09 on
    # proposals written elsewhere, kept for comparison).
    GUARD_ENGINE = os.environ.get("GUARD_ENGINE", "learned")
    GUARD_MODEL_FILE = str(BASE_DIR / "data" / "guard_model.json")
    GUARD_LEARNED_THRESHOLD = float(os.environ["GUARD_LEARNED_THRESHOLD"]) if os.environ.get(
        "GUARD_LEARNED_THRESHOLD") else None
    GUARD_NEAR_MISSES = 3  # best non-flagged candidates shown with why not
    GUARD_CANDIDATES = 30  # candidates per check, by meaning and by words each
    GUARD_SCAN_NEIGHBOURS = (8, 4)  # the scan's candidates per project: by meaning, by words
    # The county-level city the office's own departments (市公安局, 市教育局 ...) build for:
    # their projects and a county's are each for its own county (the guard's county rule).
    GUARD_HOME_COUNTY = os.environ.get("GUARD_HOME_COUNTY", "塔城市")
    GUARD_WARM_ON_START = True  # build the learned index in the background when a worker starts
    IMPORT_MAX_ROWS = 20000
    IMPORT_JOB_ROWS = 500  # a file of more rows is checked and imported by a background job

    # Milestones and audit findings (projects/schedule)
    MILESTONE_RULES_FILE = str(BASE_DIR / "data" / "milestone_rules.json")
    SUPERVISION_BUDGET_THRESHOLD = int(os.environ.get("SUPERVISION_BUDGET_THRESHOLD", "1000000"))
    MILESTONE_GRACE_DAYS = int(os.environ.get("MILESTONE_GRACE_DAYS", "7"))
    EVIDENCE_MAX_BYTES = int(os.environ.get("EVIDENCE_MAX_BYTES", str(20 * 1024 * 1024)))
    TIMELINE_MAX_PROJECTS = 150

    # Risk register and rating (risk/): bands, system risks and rating rules are data
    RISK_RULES_FILE = str(BASE_DIR / "data" / "risk_rules.json")
    RISK_REVIEW_DAYS = int(os.environ.get("RISK_REVIEW_DAYS", "30"))
    # Compliance reports, scorecard and disclosure (reports/)
    COMPLIANCE_RULES_FILE = str(BASE_DIR / "data" / "compliance_rules.json")
    FINAL_ACCOUNTS_AUDIT_DAYS = int(os.environ.get("FINAL_ACCOUNTS_AUDIT_DAYS", "180"))
    # 绩效评估: indicator -> weight (the weights are normalised to sum to 1).
    SCORECARD_WEIGHTS = {"on_time_milestones": 0.3, "budget_execution": 0.25,
                         "compliance_pass_rate": 0.3, "disclosure_share": 0.15}
    DISCLOSURE_PAGE_SIZE = 50
    # A funding plan unequal to the budget at submission: "block", "confirm" (the web form
    # asks) or "warn".
    FUNDING_PLAN_AT_SUBMISSION = os.environ.get("FUNDING_PLAN_AT_SUBMISSION", "confirm")
    DISPLAY_TIMEZONE = "Asia/Shanghai"  # times on pages and in dossiers

    # The plan's evaluation cycle (evaluation/, projects/leadership, projects/sharing).
    # 公众评价: Flask-Limiter's limit per address on the public form (POST), a daily quota per
    # address kept in the database (holds across workers), comment length, and how long the
    # same text on the same project counts as a duplicate.
    PUBLIC_EVALUATION_RATE_LIMIT = os.environ.get("PUBLIC_EVALUATION_RATE_LIMIT",
                                                  "5 per minute;30 per day")
    PUBLIC_EVALUATION_DAILY_QUOTA = int(os.environ.get("PUBLIC_EVALUATION_DAILY_QUOTA", "10"))
    PUBLIC_COMMENT_MAX_CHARS = 500
    PUBLIC_DUPLICATE_DAYS = 30
    # 领导小组审议: a project whose budget is at or above this (CNY) needs the group's decision
    # before its final approval (or when the Office refers it).
    LEADERSHIP_BUDGET_THRESHOLD = os.environ.get("LEADERSHIP_BUDGET_THRESHOLD", "10000000")
    # 绩效评估 scorecard per department and year: indicator -> weight (normalised over the
    # indicators a department has figures for). Assessed areas, computed indicators, public
    # satisfaction and training.
    EVALUATION_WEIGHTS = {
        "information_disclosure": 0.15, "online_services": 0.15, "public_participation": 0.10,
        "website_construction": 0.10, "on_time_milestones": 0.10, "budget_execution": 0.10,
        "compliance_pass_rate": 0.10, "disclosure_share": 0.05, "public_satisfaction": 0.10,
        "people_trained": 0.025, "training_pass_rate": 0.025}
    # People trained in a year that count as full marks for a department.
    TRAINING_TARGET_PEOPLE = int(os.environ.get("TRAINING_TARGET_PEOPLE", "20"))


class DevelopmentConfig(BaseConfig):
    pass


class TestingConfig(BaseConfig):
    """The unit tests': CSRF stays on (the web test client sends the token, as a browser does);
    rate limits are off (tests log in hundreds of times from one address)."""
    PLANGUARD_ENV = "testing"
    TESTING = True
    JOBS_IMMEDIATE = True  # jobs run as they are enqueued (tests/test_jobs.py: real consumers)
    AUTH_RATE_LIMITED = False
    RATELIMIT_ENABLED = False
    GUARD_WARM_ON_START = False
    # Most tests build portfolios of one to three projects, below what the learned decision
    # reads (a pair against each side's neighbours): rules that do not depend on the engine
    # (storage, scoping, the review desk) are tested on the dictionary engine, and the learned
    # engine through the same paths on portfolios of 40 and 150 (tests/test_guard_learned.py).
    GUARD_ENGINE = os.environ.get("GUARD_ENGINE", "dictionary")


class ProductionConfig(BaseConfig):
    PLANGUARD_ENV = "production"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "1") == "1"
    FAB_API_SWAGGER_UI = os.environ.get("FAB_API_SWAGGER_UI", "0") == "1"

    @staticmethod
    def check(config) -> None:
        """Refuse to start production with a default, short or low-entropy secret, or an
        admin password that fails the password policy."""
        from core.websecurity import password_problems, secret_key_problems

        secret = config["SECRET_KEY"]
        problems = secret_key_problems(secret)
        if secret in ("", DEFAULT_SECRET_KEY) or problems:
            raise RuntimeError(
                "PLANGUARD_ENV=production needs SECRET_KEY set to a random value of 32+ characters"
                f" ({'; '.join(problems) or 'the default'})")
        password = config["ADMIN_PASSWORD"]
        problems = password_problems(password)
        if password == DEFAULT_ADMIN_PASSWORD or problems:
            raise RuntimeError("PLANGUARD_ENV=production needs an ADMIN_PASSWORD that meets the"
                               f" password policy ({'; '.join(problems) or 'the default'})")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
