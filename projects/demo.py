"""A reproducible demo portfolio: realistic Chinese projects over departments, plan tasks,
categories, budgets and every lifecycle state (`flask demo seed`).

Rows are built in Python and written with SQLAlchemy's bulk insert (insertmanyvalues), and the
audit trail gets one insert event per project and review, as any other CLI change would.
"""
import datetime as dt
import json
import random
from decimal import Decimal
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select, text

from core import registry, summaries
from core.audit import utcnow
from core.bulk import audit_inserts, bulk_insert, sync_sequences
from core.extensions import db
from plan.models import Department, PlanTask
from projects import enums as s
from projects.models import Project, Review, project_plan_task

# Share of each status in a plan period that is well under way (weights, not counts).
STATUS_WEIGHTS = {
    s.DRAFT: 8, s.SUBMITTED: 6, s.IN_REVIEW: 5, s.RETURNED: 3, s.REJECTED: 3, s.APPROVED: 8,
    s.IN_CONSTRUCTION: 20, s.TRIAL_OPERATION: 8, s.ACCEPTED: 8, s.IN_OPERATION: 18,
    s.EVALUATED: 7, s.CLOSED: 6,
}
DECIDED = {s.RETURNED: "return", s.REJECTED: "reject"}


def add_demo_hook(hook, app=None) -> None:
    """Other packages add their demo rows (funding, milestones, risks) for the projects just
    seeded: hook(project_rows, rng) with project_rows as inserted (dicts with id, status,
    dates, budget). Registered in app.register_rules()."""
    registry.add("demo", hook, app)


BUDGET_STEPS = [Decimal(x) for x in ("80000", "150000", "300000", "500000", "800000",
                                     "1200000", "2000000", "3500000", "6000000", "12000000")]


def vocabulary() -> dict:
    path = Path(current_app.root_path) / "data" / "demo_vocabulary.json"
    return json.loads(path.read_text(encoding="utf-8"))


def seed_projects(count: int, seed: int = 2012, prefix: str = "DEMO") -> int:
    """Add `count` demo projects with codes PREFIX-<year>-<n>; reproducible for a given seed
    and prefix. Returns the number added (codes that already exist are skipped)."""
    rng = random.Random(seed)
    vocab = vocabulary()
    departments = list(db.session.scalars(select(Department).order_by(Department.code)))
    tasks = {t.code: t for t in db.session.scalars(select(PlanTask).where(PlanTask.level >= 1))}
    if not departments or not tasks:
        raise RuntimeError("load the plan and the departments first (flask setup)")
    taken = set(db.session.scalars(select(Project.code).where(Project.code.like(f"{prefix}-%"))))
    short = vocab.get("dept_short", {})
    project_rows, link_rows, review_rows = [], [], []
    next_id = (db.session.scalar(select(func.max(Project.id))) or 0) + 1
    next_review_id = (db.session.scalar(select(func.max(Review.id))) or 0) + 1
    statuses, weights = zip(*STATUS_WEIGHTS.items())
    now = utcnow()
    for n in range(1, count + 1):
        category = rng.choice(sorted(vocab["categories"]))
        spec = vocab["categories"][category]
        template = rng.choice(spec["templates"])
        suitable = [d for d in departments if d.name in template.get("departments", [])]
        department = rng.choice(suitable or departments)
        year = rng.randint(2011, 2015)
        code = f"{prefix}-{year}-{n:05d}"
        if code in taken:
            continue
        fill = {"dept_short": short.get(department.name, department.name.removeprefix("市")[:2]),
                "area": rng.choice(vocab["areas"]), "phase": rng.choice(vocab["phases"]),
                "feature": rng.choice(vocab["features"]), "year": year}
        primary = _pick_task(rng, tasks, spec["plan_tasks"])
        start = dt.date(year, rng.randint(1, 9), 1)
        end = start + dt.timedelta(days=rng.choice([180, 270, 365, 540, 730]))
        status = rng.choices(statuses, weights)[0]
        budget = rng.choice(BUDGET_STEPS) * Decimal(rng.randint(80, 130)) / 100
        project_rows.append(dict(
            id=next_id, code=code, name=template["name"].format(**fill)[:200],
            department_id=department.id, primary_task_id=primary.id, category=category,
            description=template["description"].format(**fill),
            capabilities="、".join(template["capabilities"]),
            budget_total=budget.quantize(Decimal("0.01")), start_date=start, end_date=end,
            protection_level=rng.choice([None, 1, 2, 2, 3]) if category != "portal" else 2,
            contractor=rng.choice(CONTRACTORS) if status in s.APPROVED_OR_LATER else None,
            status=status, created_at=now, updated_at=now, created_by="demo",
            submitted_at=None if status == s.DRAFT else _day(start, -rng.randint(70, 120))))
        link_rows.append({"project_id": next_id, "plan_task_id": primary.id})
        decision = "approve" if status in s.APPROVED_OR_LATER else DECIDED.get(status)
        if decision:  # decided before the planned start; an approval closes the last stage
            review_rows.append(dict(
                id=next_review_id + len(review_rows), project_id=next_id,
                stage="design" if decision == "approve" else "proposal", decision=decision,
                reviewer="office", comments=REVIEW_COMMENTS[decision],
                decided_at=_day(start, -rng.randint(10, 60))))
        next_id += 1
    bulk_insert(Project, project_rows)
    bulk_insert(project_plan_task, link_rows)
    bulk_insert(Review, review_rows)
    sync_sequences("project", "review")
    audit_inserts("project", project_rows)
    audit_inserts("review", review_rows)
    for hook in registry.hooks("demo"):
        hook(project_rows, random.Random(seed + 1))
    from projects.guard.services import bump_version
    bump_version(db.session)  # bulk inserts pass no ORM hook: tell the duplicate index
    summaries.bump(db.session)  # ... and the cached summaries
    # Planner statistics for the new rows: SQLite without them walks the wrong index for the
    # paged lists (overdue milestones: 80 ms sorting instead of 2 ms walking planned_date).
    db.session.execute(text("ANALYZE"))
    return len(project_rows)


def _day(date: dt.date, days: int) -> dt.datetime:
    """Office hours on the day `days` from `date`."""
    return dt.datetime.combine(date + dt.timedelta(days=days), dt.time(10, 0))


def _pick_task(rng, tasks, codes):
    """The category's plan task, or one of its sub-tasks now and then."""
    code = rng.choice(codes)
    subs = [t for c, t in tasks.items() if c.startswith(code + ".")]
    return rng.choice(subs) if subs and rng.random() < 0.4 else tasks[code]


CONTRACTORS = ["新疆某信息技术有限公司", "塔城地区某网络工程有限公司", "中国电信塔城分公司",
               "中国移动塔城分公司", "中国联通塔城分公司", "乌鲁木齐某软件股份有限公司"]
REVIEW_COMMENTS = {
    "approve": "符合规划任务,同意立项。",
    "return": "请补充与现有平台的整合方案及资金来源说明后重新报送。",
    "reject": "与已建平台功能重复,不予立项。",
}


DEMO_USERS = [  # username, role, department code or name
    ("office", "Office", "市信息化办公室"),
    ("pm", "ProjectManager", "市公安局"),
    ("pm2", "ProjectManager", "市水利局"),
    ("auditor", "Auditor", "市审计局"),
]


def seed_demo_users() -> list[str]:
    """One user per role with password = username (development only; refused in production)."""
    from plan.services import add_user

    if current_app.config["PLANGUARD_ENV"] == "production":
        return ["demo users are not created in production"]
    lines = []
    for username, role, department in DEMO_USERS:
        if current_app.appbuilder.sm.find_user(username=username) is None:
            add_user(username, username, role, department, check_password=False)
            lines.append(f"demo user {username}/{username} ({role}, {department})")
    return lines
