"""Demo milestones and audit findings consistent with each seeded project's status: what a
status needs is done (a few days early or weeks late), what lies ahead is planned, and some
open milestones and rectifications are overdue. Bulk inserts with their audit events, as
`projects.demo.seed_projects` does."""
import datetime as dt

from sqlalchemy import func, select

from core import clock
from core.audit import utcnow
from core.extensions import db
from core.bulk import audit_inserts, bulk_insert
from projects import enums as s
from projects.schedule import rules
from projects.schedule.models import AuditFinding, Milestone, Rebaseline

BUILT = {"contract", "supervision_contract", "construction_start"}
DONE_BY_STATUS = {
    s.APPROVED: set(),
    s.IN_CONSTRUCTION: BUILT,
    s.TRIAL_OPERATION: BUILT | {"trial_operation"},
    s.ACCEPTED: BUILT | {"trial_operation", "security_assessment", "initial_acceptance",
                         "final_acceptance"},
}
DONE_BY_STATUS[s.IN_OPERATION] = DONE_BY_STATUS[s.ACCEPTED] | {"final_accounts_audit"}
DONE_BY_STATUS[s.EVALUATED] = DONE_BY_STATUS[s.IN_OPERATION] | {"post_evaluation"}
DONE_BY_STATUS[s.CLOSED] = DONE_BY_STATUS[s.EVALUATED]
REPORTS_DONE = {s.ACCEPTED, s.IN_OPERATION, s.EVALUATED, s.CLOSED}
SLIPS = [-7, -3, 0, 0, 0, 2, 5, 10, 15, 30, 45, 90]
EVALUATION_SLIPS = [-120, -90, -60, -45, -30, -30, -20, -10, -10, 15]  # due a year after acceptance

FINDINGS = [
    ("high", "项目未按规定委托工程监理单位,监理报告缺失。"),
    ("medium", "合同变更未履行审批手续,变更金额超过原合同金额的10%。"),
    ("high", "等级保护测评未与系统建设同步开展,系统已上线运行。"),
    ("low", "部分支出凭证附件不全,缺少验收单据。"),
    ("critical", "项目决算超出批复概算,未按规定报批。"),
    ("medium", "设备采购未按政府采购程序执行,存在拆分采购情况。"),
    ("low", "项目档案资料归档不完整,缺少试运行报告。"),
]


def _milestone_rows(row, rng, today, next_id):
    """The project's planned milestones; those its status needs are done (a few days early
    or weeks late). Most delayed projects re-planned their open milestones by one shift that
    keeps their order; the others show them overdue."""
    done_types = DONE_BY_STATUS.get(row["status"], set())
    if row["status"] == s.APPROVED and rng.random() < 0.4:
        done_types = {"contract"}
    planned = rules.plan_milestones(row["start_date"], row["end_date"], row["budget_total"],
                                    row["protection_level"])
    out = []
    for p in planned:
        is_report = p.type == "supervision_report"
        done = p.type in done_types or (is_report and (
            row["status"] in REPORTS_DONE or (row["status"] != s.APPROVED and p.date < today
                                              and rng.random() < 0.9)))
        slip = rng.choice(EVALUATION_SLIPS if p.type == "post_evaluation" else SLIPS)
        actual = min(p.date + dt.timedelta(days=slip), today) if done else None
        out.append(dict(id=next_id + len(out), project_id=row["id"], type=p.type,
                        sequence=p.sequence, planned_date=p.date, baseline_date=p.date,
                        actual_date=actual, status="done" if done else "planned",
                        created_at=utcnow()))
    open_rows = [r for r in out if r["status"] == "planned"]
    late = [r["baseline_date"] for r in open_rows if r["baseline_date"] < today]
    if late and rng.random() < 0.9:
        shift = dt.timedelta(days=(today - min(late)).days + rng.randint(3, 60))
        for r in open_rows:
            r["planned_date"] = r["baseline_date"] + shift
    return out


def _rebaseline(rows, project, rng, next_id, today):
    """An approved re-baseline of a long-delayed project: the open milestones' re-planned
    dates (less a few days, so some still slip) became the baseline. Asked for while it was
    being built (or, not started yet, in the last weeks), decided a few days later."""
    moved = [r for r in rows
             if r["status"] == "planned" and r["planned_date"] != r["baseline_date"]]
    if not moved or rng.random() < 0.4:
        return None
    proposed = {}
    for r in moved:
        r["baseline_date"] = r["planned_date"] - dt.timedelta(days=rng.choice([0, 0, 0, 5, 20]))
        proposed[str(r["id"])] = r["baseline_date"].isoformat()
    first = min(project["start_date"], today - dt.timedelta(days=14))
    day = first + dt.timedelta(days=rng.randint(0, (today - first).days))
    asked = dt.datetime.combine(day, dt.time(9, rng.randint(0, 59)))
    decided = min(asked + dt.timedelta(days=rng.randint(1, 10)),
                  dt.datetime.combine(today, dt.time(17, 0)))
    return dict(id=next_id, project_id=project["id"], reason=rng.choice(REBASELINE_REASONS),
                proposed=proposed, status="approved", requested_by="pm", requested_at=asked,
                decided_by="office", decided_at=max(asked, decided),
                decision_comment="同意按调整后的计划执行。")


REBASELINE_REASONS = ["建设内容调整,经批准延长建设期。", "上级配套资金到位推迟,工期顺延。",
                      "与地区级平台对接方案变更,重新排定里程碑。"]


def _finding_rows(row, rng, today, next_id):
    out = []
    for _n in range(rng.choice([1, 1, 2])):
        severity, text = rng.choice(FINDINGS)
        if row["status"] in (s.EVALUATED, s.CLOSED) or rng.random() < 0.45:
            raised = min(row["start_date"] + dt.timedelta(days=rng.randint(60, 400)), today)
            status = "closed"
        else:
            raised = today - dt.timedelta(days=rng.randint(10, 150))
            status = "rectified" if rng.random() < 0.25 else "open"
        deadline = raised + dt.timedelta(days=rng.choice([30, 60, 90]))
        out.append(dict(
            id=next_id + len(out), project_id=row["id"], severity=severity, description=text,
            rectification_owner=rng.choice(["项目负责人", "分管副局长", "财务科科长",
                                            "信息中心主任"]),
            deadline=deadline, status=status, raised_by="auditor", raised_on=raised,
            closed_on=min(deadline, today) if status == "closed" else None,
            rectification_note="已按审计意见完成整改。" if status != "open" else None))
    return out


def seed_schedule(project_rows, rng, today: dt.date | None = None) -> tuple[int, int]:
    """Milestones for every approved-or-later project (re-baselined for most long-delayed
    ones), findings for about one in seven of those under construction or later. Returns
    (milestones, findings) added."""
    today = today or clock.today()
    next_m = (db.session.scalar(select(func.max(Milestone.id))) or 0) + 1
    next_f = (db.session.scalar(select(func.max(AuditFinding.id))) or 0) + 1
    next_r = (db.session.scalar(select(func.max(Rebaseline.id))) or 0) + 1
    milestones, findings, rebaselines = [], [], []
    for row in project_rows:
        if row["status"] not in s.APPROVED_OR_LATER:
            continue
        rows = _milestone_rows(row, rng, today, next_m + len(milestones))
        rebaseline = _rebaseline(rows, row, rng, next_r + len(rebaselines), today)
        if rebaseline:
            rebaselines.append(rebaseline)
        milestones += rows
        if row["status"] != s.APPROVED and rng.random() < 0.15:
            findings += _finding_rows(row, rng, today, next_f + len(findings))
    bulk_insert(Milestone, milestones)
    bulk_insert(AuditFinding, findings)
    bulk_insert(Rebaseline, rebaselines)
    starts = {row["id"]: row["start_date"] for row in project_rows}
    audit_inserts("milestone", milestones, at=lambda m: m["actual_date"] or min(
        today, starts[m["project_id"]] - dt.timedelta(days=20)))  # done, or planned at approval
    audit_inserts("audit_finding", findings, at=lambda f: f["raised_on"])
    audit_inserts("rebaseline", rebaselines, at=lambda r: r["decided_at"])
    return len(milestones), len(findings)
