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

from core import clock, registry, summaries
from core.bulk import audit_inserts, bulk_insert, sync_sequences
from core.extensions import db
from plan.models import Department, PlanTask
from projects import demo_life
from projects import enums as s
from projects.guard.models import DuplicateCheck
from projects.models import Project, Review, project_plan_task



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


def seed_projects(count: int, seed: int = 2012, prefix: str = "DEMO",
                  as_of: dt.date | None = None) -> int:
    """Add `count` demo projects with codes PREFIX-<year>-<n>; reproducible for a given seed,
    prefix and as-of day (the clock's today by default: statuses and dates come from
    projects.demo_life). Returns the number added (codes that already exist are skipped)."""
    rng = random.Random(seed)
    life_rng = random.Random(seed + 7)  # dates and statuses, apart from the text's draws
    as_of = as_of or demo_life.demo_today()
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
    now = demo_life.as_of_stamp(as_of)
    for n in range(1, count + 1):
        category = rng.choice(sorted(vocab["categories"]))
        spec = vocab["categories"][category]
        template = rng.choice(spec["templates"])
        suitable = [d for d in departments if d.name in template.get("departments", [])]
        department = rng.choice(suitable or departments)
        life = demo_life.life_of(life_rng, as_of)
        year, status = life["year"], life["status"]
        code = f"{prefix}-{year}-{n:05d}"
        if code in taken:
            continue
        fill = {"dept_short": short.get(department.name, department.name.removeprefix("市")[:2]),
                "area": rng.choice(vocab["areas"]), "phase": rng.choice(vocab["phases"]),
                "feature": rng.choice(vocab["features"]), "year": year}
        primary = _pick_task(rng, tasks, spec["plan_tasks"])
        start, end = life["start_date"], life["end_date"]
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
            submitted_at=life["submitted_at"]))
        project_rows[-1].update(demo_life.disclosure_of(project_rows[-1]))
        link_rows.append({"project_id": next_id, "plan_task_id": primary.id})
        review_rows += demo_life.review_rows(project_rows[-1], life_rng, as_of,
                                             next_review_id + len(review_rows))
        next_id += 1
    bulk_insert(Project, project_rows)
    bulk_insert(project_plan_task, link_rows)
    checks = _stored_checks(project_rows, review_rows, life_rng)
    bulk_insert(Review, review_rows)
    bulk_insert(DuplicateCheck, checks)
    sync_sequences("project", "review")
    audit_inserts("project", project_rows)
    audit_inserts("review", review_rows)
    with clock.frozen(as_of):  # every package's demo rows are dated to the same day
        for hook in registry.hooks("demo"):
            hook(project_rows, random.Random(seed + 1))
    from projects.guard.services import bump_version
    bump_version(db.session)  # bulk inserts pass no ORM hook: tell the duplicate index
    summaries.bump(db.session)  # ... and the cached summaries
    # Planner statistics for the new rows: SQLite without them walks the wrong index for the
    # paged lists (overdue milestones: 80 ms sorting instead of 2 ms walking planned_date).
    db.session.execute(text("ANALYZE"))
    return len(project_rows)


def _stored_checks(project_rows, review_rows, rng) -> list[dict]:
    """The duplicate checks of the seeded proposals, from one scan of the portfolio."""
    from projects.guard.services import bump_version, scan, settings
    bump_version(db.session)
    _weights, threshold, limit = settings()
    ids = {p["id"] for p in project_rows}
    pairs = [p for p in scan(explain_first=0)["pairs"] if p["a_id"] in ids or p["b_id"] in ids]
    return demo_life.store_checks(project_rows, review_rows, rng, threshold, pairs, limit)


def _pick_task(rng, tasks, codes):
    """The category's plan task, or one of its sub-tasks now and then."""
    code = rng.choice(codes)
    subs = [t for c, t in tasks.items() if c.startswith(code + ".")]
    return rng.choice(subs) if subs and rng.random() < 0.4 else tasks[code]


CONTRACTORS = ["新疆某信息技术有限公司", "塔城地区某网络工程有限公司", "中国电信塔城分公司",
               "中国移动塔城分公司", "中国联通塔城分公司", "乌鲁木齐某软件股份有限公司"]


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
