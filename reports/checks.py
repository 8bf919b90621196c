"""The checks behind compliance rules C01-C10 and C12 (data/compliance_rules.json).

check(ids, on) takes the subquery of project ids in scope and the day of the report, and returns
(the ids the rule applies to, or None for all; {project id: evidence} for failures). Each runs one
or two statements with GROUP BY or subqueries; Python only compares the aggregated rows.
"""
import datetime as dt
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, case, func, or_, select

from budgets.models import BudgetChange, Disbursement, FundingLine
from core.extensions import db
from plan.models import PlanTask
from projects import enums as s
from projects.guard.models import DuplicateCheck
from projects.models import Project, Review, project_plan_task, project_reuse
from projects.schedule.enums import CANCELLED, DONE, OPEN_MILESTONE
from projects.schedule.models import Milestone
from reports.rules import add_check, rule_params

IN_CONSTRUCTION_OR_LATER = s.APPROVED_OR_LATER[1:]
ACCEPTED_OR_LATER = (s.ACCEPTED, s.IN_OPERATION, s.EVALUATED, s.CLOSED)
IN_OPERATION_OR_LATER = (s.IN_OPERATION, s.EVALUATED, s.CLOSED)
SUBMITTED_OR_LATER = tuple(k for k in s.STATUSES if k != s.DRAFT)


def money(value) -> str:
    return f"¥{Decimal(value or 0):,.2f}"


def _in(ids):
    return Project.id.in_(select(ids.c.id))


def _ids(query) -> set:
    return set(db.session.scalars(query))


def check_plan_task(ids, on):
    """C01: at least one linked plan task below section level (level >= 1)."""
    linked = (select(project_plan_task.c.project_id)
              .join(PlanTask, PlanTask.id == project_plan_task.c.plan_task_id)
              .where(PlanTask.level >= 1))
    rows = db.session.execute(
        select(Project.id, PlanTask.code).join(PlanTask, PlanTask.id == Project.primary_task_id)
        .where(_in(ids), Project.id.not_in(linked)))
    return None, {pid: _("No plan task below section level is linked (primary: %(code)s).",
                         code=code) for pid, code in rows}


def _approved_reviews(ids):
    """The duplicate checks frozen in approving reviews, per project."""
    rows = db.session.execute(
        select(Review.project_id, Review.duplicate_check)
        .where(Review.project_id.in_(select(ids.c.id)), Review.decision == "approve",
               Review.duplicate_check.is_not(None)))
    frozen = {}
    for pid, check in rows:
        frozen.setdefault(pid, []).append(check or {})
    return frozen


def check_duplicate_justified(ids, on):
    """C02: a check stored at submission; every flagged match justified (or a reuse link) in
    the approving review."""
    checks = (select(DuplicateCheck.project_id, func.count().label("n"),
                     func.max(DuplicateCheck.flagged).label("flagged"))
              .where(DuplicateCheck.trigger == "submission")
              .group_by(DuplicateCheck.project_id).subquery())
    rows = db.session.execute(
        select(Project.id, Project.status, func.coalesce(checks.c.n, 0),
               func.coalesce(checks.c.flagged, 0))
        .outerjoin(checks, checks.c.project_id == Project.id)
        .where(_in(ids), Project.status.in_(SUBMITTED_OR_LATER))).all()
    applicable = {r[0] for r in rows}
    failures = {pid: _("No duplicate check was stored at submission.")
                for pid, _st, n, _f in rows if n == 0}
    approved = {pid: flagged for pid, status, n, flagged in rows
                if n and status in s.APPROVED_OR_LATER}
    frozen = _approved_reviews(ids)
    reuses = {}
    for pid, reused in db.session.execute(
            select(project_reuse.c.project_id, Project.code)
            .join(Project, Project.id == project_reuse.c.reused_project_id)
            .where(project_reuse.c.project_id.in_(select(ids.c.id)))):
        reuses.setdefault(pid, set()).add(reused)
    for pid, flagged in approved.items():
        checks_seen = frozen.get(pid, [])
        if flagged and not checks_seen:
            failures[pid] = _("%(n)d possible duplicates flagged at submission; the approval "
                              "recorded no duplicate check.", n=flagged)
            continue
        missing = sorted({m["code"] for check in checks_seen for m in check.get("matches", [])
                          if not (check.get("justifications", {}).get(m["code"]) or "").strip()
                          and m["code"] not in reuses.get(pid, set())})
        if missing:
            failures[pid] = _("Matches approved without a justification or reuse link: "
                              "%(codes)s.", codes=", ".join(missing))
    return applicable, failures


def approval_days(ids) -> dict:
    """Project id -> the day of its approval: the last approving review."""
    return {pid: at.date() if at else None for pid, at in db.session.execute(
        select(Review.project_id, func.max(Review.decided_at))
        .where(Review.project_id.in_(select(ids.c.id)), Review.decision == "approve")
        .group_by(Review.project_id))}


def check_no_early_disbursement(ids, on):
    """C03: no disbursement before approval, none on an unapproved project."""
    firsts = (select(FundingLine.project_id.label("pid"),
                     func.min(Disbursement.date).label("first"), func.count().label("n"))
              .join(Disbursement, Disbursement.funding_line_id == FundingLine.id)
              .where(FundingLine.project_id.in_(select(ids.c.id)))
              .group_by(FundingLine.project_id).subquery())
    rows = db.session.execute(
        select(firsts.c.pid, Project.status, firsts.c.first, firsts.c.n,
               func.sum(Disbursement.amount))
        .select_from(firsts).join(Project, Project.id == firsts.c.pid)
        .join(FundingLine, FundingLine.project_id == firsts.c.pid)
        .join(Disbursement, and_(Disbursement.funding_line_id == FundingLine.id,
                                 Disbursement.date == firsts.c.first))
        .group_by(firsts.c.pid, Project.status, firsts.c.first, firsts.c.n)).all()
    approved_on = approval_days(ids)
    failures = {}
    for pid, status, first, count, amount in rows:
        day = approved_on.get(pid)
        if status not in s.APPROVED_OR_LATER:
            failures[pid] = _("%(n)d disbursements on a project that is not approved; the "
                              "first on %(date)s (%(amount)s).", n=count, date=first,
                              amount=money(amount))
        elif day is None or first < day:
            failures[pid] = _("First disbursement on %(date)s (%(amount)s), before the approval "
                              "on %(approved)s.", date=first, amount=money(amount),
                              approved=day or "—")
    return {r[0] for r in rows}, failures


def check_plan_equals_budget(ids, on):
    """C04: the funding plan equals the approved budget."""
    plan = (select(FundingLine.project_id, func.sum(FundingLine.amount).label("planned"))
            .group_by(FundingLine.project_id).subquery())
    rows = db.session.execute(
        select(Project.id, Project.budget_total, func.coalesce(plan.c.planned, 0))
        .outerjoin(plan, plan.c.project_id == Project.id)
        .where(_in(ids), Project.status.in_(s.APPROVED_OR_LATER))).all()
    return {r[0] for r in rows}, {
        pid: _("Funding plan %(planned)s, budget %(budget)s.", planned=money(planned),
               budget=money(budget))
        for pid, budget, planned in rows if Decimal(planned) != Decimal(budget)}


def check_payments_within(ids, on):
    """C05: on every line disbursed <= planned and spent <= disbursed (running totals)."""
    over = or_(FundingLine.disbursed > FundingLine.amount,
               FundingLine.spent > FundingLine.disbursed)
    rows = db.session.execute(
        select(FundingLine.project_id, func.count(),
               func.sum(case((over, 1), else_=0)),
               func.max(case((over, FundingLine.year))))
        .where(FundingLine.project_id.in_(select(ids.c.id)))
        .group_by(FundingLine.project_id)).all()
    failures = {pid: _("%(n)d funding lines over their limit (year %(year)s): disbursed above "
                       "the plan or spent above the disbursed.", n=bad, year=year)
                for pid, _count, bad, year in rows if bad}
    return {r[0] for r in rows}, failures


def _done_dates(ids, *types):
    """{(project id, type): actual date} of done milestones of these types (the latest)."""
    return {(pid, t): day for pid, t, day in db.session.execute(
        select(Milestone.project_id, Milestone.type, func.max(Milestone.actual_date))
        .where(Milestone.project_id.in_(select(ids.c.id)), Milestone.type.in_(types),
               Milestone.status == DONE)
        .group_by(Milestone.project_id, Milestone.type))}


def check_supervision(ids, on):
    """C06: budget at or above the supervision threshold -> supervision contract done."""
    threshold = Decimal(str(current_app.config["SUPERVISION_BUDGET_THRESHOLD"]))
    rows = db.session.execute(
        select(Project.id, Project.budget_total, Project.supervisor)
        .where(_in(ids), Project.status.in_(IN_CONSTRUCTION_OR_LATER),
               Project.budget_total >= threshold)).all()
    done = _done_dates(ids, "supervision_contract")
    failures = {pid: _("Budget %(budget)s at or above %(threshold)s, supervision firm "
                       "%(firm)s, no supervision contract done.", budget=money(budget),
                       threshold=money(threshold), firm=firm or "—")
                for pid, budget, firm in rows if (pid, "supervision_contract") not in done}
    return {r[0] for r in rows}, failures


def check_security_assessment(ids, on):
    """C07: protection level requiring it -> assessment planned from approval, done before
    acceptance (同步规划、同步建设)."""
    from projects.schedule.rules import load_rules
    level = load_rules()["conditions"]["security_assessment"]["protection_level_at_least"]
    planned = (select(Milestone.project_id, func.count().label("planned"),
                      func.sum(case((Milestone.status == DONE, 1), else_=0)).label("done"))
               .where(Milestone.type == "security_assessment", Milestone.status != CANCELLED)
               .group_by(Milestone.project_id).subquery())
    rows = db.session.execute(
        select(Project.id, Project.status, Project.protection_level,
               func.coalesce(planned.c.planned, 0), func.coalesce(planned.c.done, 0))
        .outerjoin(planned, planned.c.project_id == Project.id)
        .where(_in(ids), Project.status.in_(s.APPROVED_OR_LATER),
               Project.protection_level >= level)).all()
    failures = {}
    for pid, status, plevel, n_planned, n_done in rows:
        if not n_planned:
            failures[pid] = _("Protection level %(level)s: no security assessment planned.",
                              level=plevel)
        elif status in ACCEPTED_OR_LATER and not n_done:
            failures[pid] = _("Protection level %(level)s: accepted without the security "
                              "assessment done.", level=plevel)
    return {r[0] for r in rows}, failures


def check_overdue_noted(ids, on):
    """C08: no open milestone past planned date + grace days without a note."""
    cutoff = on - dt.timedelta(days=int(current_app.config["MILESTONE_GRACE_DAYS"]))
    silent = and_(Milestone.status.in_(OPEN_MILESTONE), Milestone.planned_date < cutoff,
                  func.coalesce(func.trim(Milestone.note), "") == "")
    rows = db.session.execute(
        select(Milestone.project_id, func.sum(case((silent, 1), else_=0)),
               func.min(case((silent, Milestone.planned_date))))
        .where(Milestone.project_id.in_(select(ids.c.id)))
        .group_by(Milestone.project_id)).all()
    failures = {pid: _("%(n)d milestones overdue without a note, the oldest planned for "
                       "%(date)s.", n=n, date=oldest) for pid, n, oldest in rows if n}
    return {r[0] for r in rows}, failures


def _in_operation(ids):
    return set(db.session.scalars(select(Project.id).where(
        _in(ids), Project.status.in_(IN_OPERATION_OR_LATER))))


def check_acceptance_and_audit(ids, on):
    """C09: in operation only after final acceptance; final-accounts audit within
    FINAL_ACCOUNTS_AUDIT_DAYS after it."""
    days = int(current_app.config["FINAL_ACCOUNTS_AUDIT_DAYS"])
    applicable = _in_operation(ids)
    done = _done_dates(ids, "final_acceptance", "final_accounts_audit")
    failures = {}
    for pid in applicable:
        accepted = done.get((pid, "final_acceptance"))
        audited = done.get((pid, "final_accounts_audit"))
        if accepted is None:
            failures[pid] = _("In operation without a final acceptance.")
            continue
        due = accepted + dt.timedelta(days=days)
        if (audited is None and on > due) or (audited is not None and audited > due):
            failures[pid] = _("Final acceptance on %(accepted)s; final-accounts audit %(audited)s, "
                              "due by %(due)s (%(days)d days).", accepted=accepted,
                              audited=audited or _("not done"), due=due, days=days)
    return applicable, failures


def check_cost_variance(ids, on):
    """C10: cost variance (forecast against the approved baseline) within the limit, or an
    approved change request (re-baseline)."""
    limit = Decimal(str(rule_params("C10").get("limit", 0.10)))
    delta = BudgetChange.new_budget_total - BudgetChange.old_budget_total
    changes = (select(BudgetChange.project_id,
                      func.sum(case((BudgetChange.status == "approved", delta), else_=0))
                      .label("rebased"),
                      func.sum(case((BudgetChange.status == "pending", delta), else_=0))
                      .label("pending"),
                      func.sum(case((BudgetChange.status == "approved", 1), else_=0))
                      .label("approved"))
               .group_by(BudgetChange.project_id).subquery())
    applicable = _ids(select(Project.id).where(_in(ids),
                                               Project.status.in_(s.APPROVED_OR_LATER)))
    rows = db.session.execute(
        select(Project.id, Project.budget_total, changes.c.rebased, changes.c.pending,
               changes.c.approved)
        .join(changes, changes.c.project_id == Project.id)
        .where(_in(ids), Project.status.in_(s.APPROVED_OR_LATER))).all()
    failures = {}
    for pid, budget, rebased, pending, approved in rows:
        baseline = Decimal(budget) - Decimal(rebased or 0)
        forecast = Decimal(budget) + Decimal(pending or 0)
        if baseline <= 0 or approved:
            continue
        variance = (forecast - baseline) / baseline
        if abs(variance) > limit:
            failures[pid] = _("Cost variance %(pct)s (baseline %(baseline)s, forecast "
                              "%(forecast)s) without an approved re-baseline.",
                              pct=f"{variance:.1%}", baseline=money(baseline),
                              forecast=money(forecast))
    return applicable, failures


def check_post_evaluation(ids, on):
    """C12: post-evaluation within a year of the final acceptance (start of operation)."""
    days = int(rule_params("C12").get("days", 365))
    done = _done_dates(ids, "final_acceptance", "post_evaluation")
    applicable = {pid for pid in _in_operation(ids) if (pid, "final_acceptance") in done}
    failures = {}
    for pid in applicable:
        operating = done[(pid, "final_acceptance")]
        evaluated = done.get((pid, "post_evaluation"))
        due = operating + dt.timedelta(days=days)
        if (evaluated is None and on > due) or (evaluated is not None and evaluated > due):
            failures[pid] = _("In operation since %(since)s; post-evaluation %(done)s, due by "
                              "%(due)s.", since=operating, done=evaluated or _("not done"),
                              due=due)
    return applicable, failures


def install(app=None) -> None:
    for rule_id, check in (("C01", check_plan_task), ("C02", check_duplicate_justified),
                           ("C03", check_no_early_disbursement),
                           ("C04", check_plan_equals_budget), ("C05", check_payments_within),
                           ("C06", check_supervision), ("C07", check_security_assessment),
                           ("C08", check_overdue_noted), ("C09", check_acceptance_and_audit),
                           ("C10", check_cost_variance), ("C12", check_post_evaluation)):
        add_check(rule_id, check, app)
