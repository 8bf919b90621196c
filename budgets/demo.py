"""Demo funding for the demo portfolio (a hook of `flask demo seed`): funding plans, and for
approved projects disbursements and expenditures matching their stage; no money before approval;
some re-baselined overruns and pending change requests to find.

Rows are built in Python and bulk-inserted; each gets an insert AuditEvent like other seeding.
"""
import datetime as dt
from decimal import Decimal

from sqlalchemy import insert, select, update

from budgets.models import BudgetChange, Disbursement, Expenditure, FundingLine, FundingSource
from core import clock
from core.audit import utcnow
from core.auditchain import append_events
from core.extensions import db
from core.bulk import audit_inserts
from projects import demo_life
from projects import enums as s
from projects.models import Project

CENT = Decimal("0.01")
PAYMENTS_PER_LINE = (1, 3)  # disbursements per line (bench/budgets.py raises it)
# Share of the plan disbursed by stage (low, high); expenditures follow at 60-100% of it.
DISBURSED_SHARE = {
    s.APPROVED: (0.0, 0.2), s.IN_CONSTRUCTION: (0.3, 0.7), s.TRIAL_OPERATION: (0.6, 0.9),
    s.ACCEPTED: (0.85, 1.0), s.IN_OPERATION: (0.95, 1.0), s.EVALUATED: (0.97, 1.0),
    s.CLOSED: (1.0, 1.0),
}
SOURCE_WEIGHTS = {"municipal": 10, "region": 5, "central": 3, "prefecture": 4, "self": 4,
                  "social": 2}
REASONS = ["需求变更,新增数据接口与安全加固", "设备价格上涨,追加采购资金",
           "建设范围扩大至乡镇(场)", "等保测评整改新增投入"]


def split(total: Decimal, parts: int, rng) -> list[Decimal]:
    """`total` in `parts` positive amounts of whole fen that add up exactly."""
    cents = int(total / CENT)
    if parts <= 1 or cents < parts:
        return [total]
    cuts = sorted(rng.sample(range(1, cents), parts - 1))
    bounds = [0] + cuts + [cents]
    return [Decimal(b - a) * CENT for a, b in zip(bounds, bounds[1:])]


def _plan(row, budget, sources, rng):
    codes = list(SOURCE_WEIGHTS)
    chosen = sorted(set(rng.choices(codes, [SOURCE_WEIGHTS[c] for c in codes],
                                    k=rng.randint(1, 3))))
    years = list(range(row["start_date"].year, row["end_date"].year + 1))
    keys = [(sources[c], y) for c in chosen for y in years]
    return [dict(project_id=row["id"], source_id=sid, year=year, amount=amount)
            for (sid, year), amount in zip(keys, split(budget, len(keys), rng))]


def _day_in(year, row, rng):
    first = max(dt.date(year, 1, 1), row["start_date"])
    last = max(first, min(dt.date(year, 12, 31), row["end_date"], clock.today()))
    return first + dt.timedelta(days=rng.randint(0, (last - first).days))


def _payments(line, row, rng, share):
    """Disbursements of `share` of the line, and expenditures of part of each."""
    disbursed = (line["amount"] * Decimal(str(round(rng.uniform(*share), 3)))).quantize(CENT)
    disbursements, expenditures = [], []
    if disbursed <= 0 or max(dt.date(line["year"], 1, 1), row["start_date"]) > clock.today():
        return disbursements, expenditures  # nothing is paid for days still ahead
    for n, amount in enumerate(split(disbursed, rng.randint(*PAYMENTS_PER_LINE), rng), 1):
        day = _day_in(line["year"], row, rng)
        disbursements.append(dict(date=day, amount=amount,
                                  voucher_no=f"BF{line['year']}-{line['project_id']:06d}-{n}",
                                  note=None, created_by="demo", created_at=utcnow()))
        spent = (amount * Decimal(str(round(rng.uniform(0.6, 1.0), 2)))).quantize(CENT)
        if spent > 0:
            expenditures.append(dict(date=min(day + dt.timedelta(days=rng.randint(5, 60)),
                                              max(day, dt.date(line["year"], 12, 31)),
                                              max(day, clock.today())),
                                     amount=spent, voucher_no=f"ZC{line['year']}-{line['project_id']:06d}-{n}",
                                     note=None, created_by="demo", created_at=utcnow()))
    return disbursements, expenditures


def _insert_returning_ids(model, rows, chunk=2000):
    table = model.__table__
    for i in range(0, len(rows), chunk):
        part = rows[i:i + chunk]
        ids = db.session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                                 part).scalars().all()
        for row, new_id in zip(part, ids):
            row["id"] = new_id


def seed_funding(project_rows, rng) -> None:
    """Funding plans for the projects just seeded, payments by stage, some re-baselines."""
    sources = dict(db.session.execute(select(FundingSource.code, FundingSource.id)).all())
    if not sources:
        return
    lines, changes, budget_updates, approved_rows = [], [], [], []
    for row in project_rows:
        status, budget = row["status"], row["budget_total"]
        if status == s.DRAFT and rng.random() < 0.5:
            continue  # a draft without a funding plan yet
        planned = budget
        if status in (s.DRAFT, s.SUBMITTED, s.RETURNED) and rng.random() < 0.3:
            planned = (budget * Decimal("0.8")).quantize(CENT)  # plan short of the budget
        lines.extend(_plan(row, planned, sources, rng))
        if status in s.APPROVED_OR_LATER:
            approved_rows.append(row)
    by_project = {}
    for line in lines:
        by_project.setdefault(line["project_id"], []).append(line)
    for row in approved_rows:
        roll = rng.random()
        if roll < 0.13:  # 10% re-baselined overruns, 3% pending change requests
            changes.append(_change(row, by_project[row["id"]], sources, rng, lines,
                                   approved=roll < 0.10))
            if roll < 0.10:
                budget_updates.append({"id": row["id"],
                                       "budget_total": changes[-1]["new_budget_total"]})
    disbursements, expenditures = [], []
    for row in approved_rows:
        for line in by_project.get(row["id"], []):
            d, e = _payments(line, row, rng, DISBURSED_SHARE[row["status"]])
            line["disbursed"] = sum((p["amount"] for p in d), Decimal(0))
            line["spent"] = sum((p["amount"] for p in e), Decimal(0))
            for payment in d + e:
                payment["line"] = line
            disbursements.extend(d)
            expenditures.extend(e)
    for line in lines:
        line.setdefault("disbursed", Decimal(0))
        line.setdefault("spent", Decimal(0))
    _insert_returning_ids(FundingLine, lines)
    for payment in disbursements + expenditures:
        payment["funding_line_id"] = payment.pop("line")["id"]
    _insert_returning_ids(Disbursement, disbursements)
    _insert_returning_ids(Expenditure, expenditures)
    _insert_returning_ids(BudgetChange, changes)
    if budget_updates:
        # fresh demo rows: version 1 (Project is versioned, core.versioning)
        db.session.execute(update(Project), [{"version": 1, **row} for row in budget_updates])
    drafted = {row["id"]: demo_life.created_at(row) for row in project_rows}
    audit_inserts("funding_line", lines, at=lambda ln: planned_at(drafted[ln["project_id"]]),
                  snapshot=lambda ln: {**ln, "disbursed": 0, "spent": 0})  # nothing paid yet
    audit_inserts("budget_change", changes, at=lambda c: c["requested_at"])
    for entity, rows in (("disbursement", disbursements), ("expenditure", expenditures)):
        audit_inserts(entity, rows, at=lambda p: p["date"])  # paid and spent on their days
    _audit_rebaselines(changes)


def _change(row, project_lines, sources, rng, lines, approved):
    """A change request raising the budget by 5-45%, the extra on the municipal line of the
    project's last year; approved ones are re-baselines already applied to the plan."""
    old = row["budget_total"]
    extra = (old * Decimal(str(round(rng.uniform(0.05, 0.45), 2)))).quantize(CENT)
    year = row["end_date"].year
    key = (sources["municipal"], year)
    existing = next((ln for ln in project_lines if (ln["source_id"], ln["year"]) == key), None)
    amount = (existing["amount"] if existing else Decimal(0)) + extra
    if approved:
        if existing:
            existing["amount"] = amount
        else:
            line = dict(project_id=row["id"], source_id=key[0], year=year, amount=amount)
            lines.append(line)
            project_lines.append(line)
    asked, decided = change_days(row, rng, approved)
    return dict(project_id=row["id"], reason=rng.choice(REASONS), old_budget_total=old,
                new_budget_total=old + extra, status="approved" if approved else "pending",
                line_changes=[{"source": "municipal", "year": year, "amount": format(amount, "f")}],
                requested_by="demo", requested_at=asked,
                decided_by="office" if approved else None, decided_at=decided)


def planned_at(drafted: dt.datetime) -> dt.datetime:
    """A demo funding plan is written with the proposal: an hour after it was drafted."""
    return drafted + dt.timedelta(hours=1)


def change_days(row, rng, approved) -> tuple[dt.datetime, dt.datetime | None]:
    """When a demo change request was made and decided: while the project was being built
    (from its planned start to its end or the as-of day; not started yet: after it was
    submitted), decided within three weeks; a pending one asked in the last month."""
    today = clock.today()
    first, last = row["start_date"], min(row["end_date"], today)
    if first > today and row.get("submitted_at"):
        first = last = min(row["submitted_at"].date() + dt.timedelta(days=45), today)
    if not approved:
        first = max(first, today - dt.timedelta(days=30))
    first = min(first, last)
    day = first + dt.timedelta(days=rng.randint(0, (last - first).days))
    asked = dt.datetime.combine(day, dt.time(10, rng.randint(0, 59)))
    if not approved:
        return asked, None
    decided = min(asked + dt.timedelta(days=rng.randint(2, 20)),
                  dt.datetime.combine(today, dt.time(17, 0)))
    return asked, max(decided, asked)


def _audit_rebaselines(changes):
    events = [dict(at=c["decided_at"], actor="office", action="update", entity="project",
                   entity_id=c["project_id"], field="budget_total",
                   old_value=format(c["old_budget_total"], "f"),
                   new_value=format(c["new_budget_total"], "f"),
                   note=f"重新基线(变更申请 #{c['id']}):{c['reason']}")
              for c in changes if c["status"] == "approved"]
    append_events(events)
