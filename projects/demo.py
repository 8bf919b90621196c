"""A reproducible demo portfolio: realistic Chinese projects over departments, plan tasks,
categories, budgets and every lifecycle state (`flask demo seed`).

Texts come from projects.demo_text: distinct systems of Tacheng's departments and, beyond what
one city builds, of counties (their units are added as departments, codes X<nnn>-<unit>), with
a known share of planted duplicates and hard negatives (`--planted-pairs FILE` writes them).
Rows are built in Python and written with SQLAlchemy's bulk insert (insertmanyvalues); the
audit trail gets the insert of each row and each project's status steps at the dates of the
story, in date order along the chain.
"""
import datetime as dt
import json
import random
from decimal import Decimal
from functools import partial
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select, text

from core import clock, registry, summaries
from core.bulk import (audit_in_story_order, audit_inserts, audit_updates, bulk_insert,
                       sync_sequences)
from core.extensions import db
from plan.models import Department, PlanTask
from projects import demo_life, demo_text
from projects import enums as s
from projects.guard.models import DuplicateCheck
from projects.models import Project, Review, project_plan_task



def add_demo_hook(hook, app=None) -> None:
    """Other packages add their demo rows (funding, milestones, risks) for the projects just
    seeded: hook(project_rows, rng) with project_rows as inserted (dicts with id, status,
    dates, budget). Registered in app.register_rules()."""
    registry.add("demo", hook, app)


PLANTED_SHARE = 0.03  # planted duplicates per project (and as many planted hard negatives)
BUDGET_STEPS = [Decimal(x) for x in ("80000", "150000", "300000", "500000", "800000",
                                     "1200000", "2000000", "3500000", "6000000", "12000000")]


def vocabulary() -> dict:
    path = Path(current_app.root_path) / "data" / "demo_vocabulary.json"
    return json.loads(path.read_text(encoding="utf-8"))


def seed_projects(count: int, seed: int = 2012, prefix: str = "DEMO",
                  as_of: dt.date | None = None, share: float = PLANTED_SHARE,
                  planted: dict | None = None) -> int:
    """Add `count` demo projects (see _seed_projects). Their audit events (and those of every
    package's demo rows) carry the dates the story gives them and enter the hash chain in date
    order, after the events already there: a demo dated before the setup's own events (it
    always is: its story lies in the past) starts earlier than those, and from there on the
    chain's times never go back."""
    with audit_in_story_order():
        return _seed_projects(count, seed, prefix, as_of, share, planted)


def _seed_projects(count, seed, prefix, as_of, share, planted) -> int:
    """Add `count` demo projects with codes PREFIX-<year>-<n>; reproducible for a given seed,
    prefix and as-of day (the clock's today by default: statuses and dates come from
    projects.demo_life). Texts are distinct systems (projects.demo_text) with about `share`
    planted duplicates and as many planted hard negatives; `planted`, when given, receives
    them by code (the bench scores the guard against it). Returns the number added (codes
    that already exist are skipped)."""
    rng = random.Random(seed)
    life_rng = random.Random(seed + 7)  # dates and statuses, apart from the text's draws
    as_of = as_of or demo_life.demo_today()
    vocab = vocabulary()
    departments = {d.name: d for d in db.session.scalars(select(Department).order_by(
        Department.code))}
    tasks = {t.code: t for t in db.session.scalars(select(PlanTask).where(PlanTask.level >= 1))}
    if not departments or not tasks:
        raise RuntimeError("load the plan and the departments first (flask setup)")
    generator = demo_text.Generator(vocab)
    home = _home_departments(departments)
    specs = demo_text.plan(generator, count, share, rng,
                           partial(_choose_department, vocab, home))
    with clock.frozen(as_of):
        owners = _departments_of(specs, vocab, departments)
    taken = set(db.session.scalars(select(Project.code).where(Project.code.like(f"{prefix}-%"))))
    project_rows, link_rows, review_rows, code_of = [], [], [], {}
    next_id = (db.session.scalar(select(func.max(Project.id))) or 0) + 1
    next_review_id = (db.session.scalar(select(func.max(Review.id))) or 0) + 1
    now = demo_life.as_of_stamp(as_of)
    for n, spec in enumerate(specs, start=1):
        department = owners[n - 1]
        life = demo_life.life_of(life_rng, as_of)
        year, status = life["year"], life["status"]
        code = f"{prefix}-{year}-{n:05d}"
        if code in taken:
            continue
        code_of[n - 1] = code
        primary = _pick_task(rng, tasks, vocab["plan_tasks"][spec.category])
        start, end = life["start_date"], life["end_date"]
        budget = rng.choice(BUDGET_STEPS) * Decimal(rng.randint(80, 130)) / 100
        project_rows.append(dict(
            id=next_id, code=code, name=spec.name[:200],
            department_id=department.id, primary_task_id=primary.id, category=spec.category,
            description=spec.description, capabilities="、".join(spec.capabilities),
            budget_total=budget.quantize(Decimal("0.01")), start_date=start, end_date=end,
            protection_level=rng.choice([None, 1, 2, 2, 3]) if spec.category != "portal"
            else 2,
            contractor=rng.choice(CONTRACTORS) if status in s.APPROVED_OR_LATER else None,
            status=status, created_at=now, updated_at=now, created_by="demo",
            submitted_at=life["submitted_at"]))
        project_rows[-1].update(demo_life.disclosure_of(project_rows[-1]))
        link_rows.append({"project_id": next_id, "plan_task_id": primary.id})
        review_rows += demo_life.review_rows(project_rows[-1], life_rng, as_of,
                                             next_review_id + len(review_rows))
        next_id += 1
    if planted is not None:
        planted.update(_planted_pairs(specs, code_of, count, seed, share))
    bulk_insert(Project, project_rows)
    bulk_insert(project_plan_task, link_rows)
    checks = _stored_checks(project_rows, review_rows, life_rng)
    bulk_insert(Review, review_rows)
    bulk_insert(DuplicateCheck, checks)
    sync_sequences("project", "review")
    audit_inserts("project", project_rows, at=demo_life.created_at, snapshot=_as_drafted)
    audit_inserts("review", review_rows, at=lambda r: r["decided_at"])
    audit_updates(_status_events(project_rows, review_rows, as_of))
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


def _as_drafted(row: dict) -> dict:
    """A seeded project as its department drafted it (its status changes follow)."""
    return {**row, "status": s.DRAFT, "submitted_at": None}


def _status_events(project_rows, review_rows, as_of) -> list[dict]:
    by_project = {}
    for review in review_rows:
        by_project.setdefault(review["project_id"], []).append(review)
    return [event for row in project_rows
            for event in demo_life.status_events(row, by_project.get(row["id"], []), as_of)]


def _choose_department(vocab, home_names, territory, kind, rng, avoid):
    """The filing department of a system: one of the kind's Tacheng departments at home, the
    county's unit for it elsewhere; `avoid`: another one than this (a copy filed elsewhere)."""
    if territory.flavour == demo_text.HOME:
        names = [d for d in kind["departments"] if d in home_names and d != avoid]
        if not names:
            names = [d for d in home_names if d != avoid]
        return rng.choice(names)
    units = vocab["county_units"]
    unit = next((units[d][0] for d in kind["departments"] if d in units), units["*"][0])
    if avoid is not None:  # a copy: the county government's office files it, or another unit
        unit = units["*"][0] if avoid != units["*"][0] else rng.choice(
            sorted({u[0] for u in units.values()} - {avoid}))
    return unit


def _home_departments(departments) -> list:
    """The city's own departments (DEPARTMENTS_FILE): not the counties' the demo adds, nor
    those an import created for other places (they would file the city's projects)."""
    own = {d["name"] for d in json.loads(Path(current_app.config["DEPARTMENTS_FILE"]).read_text(
        encoding="utf-8"))}
    return sorted(name for name in departments if name in own)


def _departments_of(specs, vocab, departments) -> list:
    """The Department of each spec; a county's units are added when first needed."""
    units = {u[0]: (u[1], u[2]) for u in vocab["county_units"].values()}
    out = []
    for spec in specs:
        territory = spec.territory
        if territory.flavour == demo_text.HOME:
            out.append(departments[spec.department])
            continue
        name = territory.name + spec.department
        department = departments.get(name)
        if department is None:
            code, unit_en = units[spec.department]
            department = departments[name] = Department(
                code=f"X{territory.number:03d}-{code}", name=name,
                name_en=f"{territory.name_en} County {unit_en}".replace("County County",
                                                                        "County"))
            db.session.add(department)
            db.session.flush()
        out.append(department)
    return out


def _planted_pairs(specs, code_of, count, seed, share) -> dict:
    """The planted pairs by code (both projects seeded), and each project's system."""
    duplicates, negatives = [], []
    for n, spec in enumerate(specs):
        partner = spec.planted.get("partner")
        if partner is None or n not in code_of or partner not in code_of:
            continue
        pair = {"a": code_of[partner], "b": code_of[n], "kind": spec.planted["kind"]}
        (duplicates if pair["kind"] in demo_text.DUPLICATE_KINDS else negatives).append(pair)
    return {"projects": count, "seed": seed, "share": share, "duplicates": duplicates,
            "hard_negatives": negatives,
            "systems": {code_of[n]: f"{spec.territory.name}|{spec.system}"
                        for n, spec in enumerate(specs) if n in code_of}}


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
