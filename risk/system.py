"""Risks PlanGuard raises itself (marked by their `cause`), one open risk per project and
cause, closed by PlanGuard when the cause is gone. The causes reuse what other packages
compute: overdue milestones and the security-assessment condition (projects/schedule), the
frozen duplicate check of an approving review (projects/guard), cost variance (budgets,
through risk.costs). `flask risk refresh` re-evaluates every project (nightly); a commit that
changes a project, its milestones or reviews re-evaluates that project (`install`)."""
import datetime as dt
from dataclasses import dataclass

from flask import has_app_context
from flask_babel import gettext as _
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, selectinload

from core import clock
from core.audit import SYSTEM, set_audit_note
from core.extensions import db
from projects import enums as s
from projects.models import Project, Review
from projects.schedule import rules as milestone_rules
from projects.schedule import schedule
from projects.schedule.enums import CANCELLED, DONE
from projects.schedule.models import Milestone
from risk import costs, scoring
from risk.enums import CLOSED, OPEN
from risk.models import Risk
from risk.services import _set_status, default_review_date

# Statuses in which a project's system has been put to use (trial operation or later).
RUNNING = (s.TRIAL_OPERATION, s.ACCEPTED, s.IN_OPERATION, s.EVALUATED)
WATCHED = tuple(st for st in s.APPROVED_OR_LATER if st != s.CLOSED)


@dataclass
class Cause:
    """A cause present on a project, with the words the risk shows."""

    key: str
    title: str
    description: str
    impact: int | None = None  # when the cause's size sets it (cost variance by band)


def overdue_milestone(project: Project, on: dt.date):
    """Schedule: a milestone not reached more than the grace days after its planned date."""
    late = [m for m in project.milestones if schedule.is_overdue(m, on)]
    if not late:
        return None
    first = min(late, key=lambda m: m.planned_date)
    return Cause("overdue_milestone",
                 _("%(n)d milestones overdue, the first planned for %(date)s: %(milestone)s",
                   n=len(late), date=first.planned_date, milestone=first.type_label()),
                 "、".join(f"{m.type_label()} ({m.planned_date})" for m in late))


def cost_variance(project: Project, on: dt.date):
    """Cost: the cost variance is more than the threshold (10%) either way. Inactive until
    the funding package registers its cost_variance (risk.costs)."""
    if not costs.cost_rule_active():
        return None
    percent = costs.cost_variance(project)
    spec = scoring.load_rules()["system_risks"]["cost_variance"]
    limit = spec["threshold_percent"]
    if percent is None or abs(percent) <= limit:
        return None
    impact = next((band["impact"] for band in spec.get("impact_by_band", [])
                   if band["max_percent"] is None or abs(percent) <= band["max_percent"]),
                  spec["impact"])
    return Cause("cost_variance",
                 _("Cost variance %(percent)s%% against the plan", percent=f"{percent:+.1f}"),
                 _("More than %(limit)s%% from the planned cost.", limit=limit), impact)


def duplicate_approved(project: Project, on: dt.date):
    """Duplicate: approved although the duplicate check at the decision had matches, until the
    project records that it builds on each matched project (a reuse link)."""
    linked = {p.code for p in project.reuses}
    seen = {}
    for review in project.reviews:
        check = review.duplicate_check or {}
        if review.decision != "approve" or not check.get("matches"):
            continue
        for match in check["matches"]:
            if match.get("code") and match["code"] not in linked:
                seen[match["code"]] = (match, (check.get("justifications") or {}).get(
                    match["code"], ""))
    if not seen:
        return None
    return Cause("duplicate_approved",
                 _("Approved despite possible duplicates: %(codes)s", codes=", ".join(seen)),
                 "\n".join(f"{code} {m.get('name', '')}: {why}"
                           for code, (m, why) in seen.items()))


def missing_security_assessment(project: Project, on: dt.date):
    """Security: the protection level requires the security assessment (等保测评) and it is not
    done although it is not planned at all, its planned date is overdue, or the system
    already runs (trial operation or later)."""
    if not milestone_rules.requires(project, "security_assessment"):
        return None
    planned = [m for m in project.milestones
               if m.type == "security_assessment" and m.status != CANCELLED]
    if any(m.status == DONE for m in planned):
        return None
    if not planned:
        why = _("No security assessment is planned.")
    elif project.status in RUNNING:
        why = _("The system runs (%(status)s) without its security assessment.",
                status=project.status_label())
    elif any(schedule.is_overdue(m, on) for m in planned):
        why = _("The security assessment planned for %(date)s is overdue.",
                date=planned[0].planned_date)
    else:
        return None
    return Cause("missing_security_assessment",
                 _("Security assessment missing (protection level %(level)d)",
                   level=project.protection_level), why)


RULES = (overdue_milestone, cost_variance, duplicate_approved, missing_security_assessment)


def causes_of(project: Project, on: dt.date | None = None) -> dict[str, Cause]:
    """The causes present on the project (none for drafts, proposals and closed projects)."""
    if project.status not in WATCHED:
        return {}
    on = on or clock.today()
    found = (rule(project, on) for rule in RULES)
    return {c.key: c for c in found if c is not None}


def refresh_project(project: Project, on: dt.date | None = None) -> dict:
    """Raise a risk for each new cause, keep one per open cause (its text follows the cause;
    likelihood, impact, owner and mitigation stay as people set them), close those whose
    cause is gone. Returns counts of raised, updated and closed risks."""
    on = on or clock.today()
    present = causes_of(project, on)
    open_risks = {r.cause: r for r in project.risks if r.cause and r.status != CLOSED}
    counts = {"raised": 0, "updated": 0, "closed": 0}
    defaults = scoring.load_rules()["system_risks"]
    for key, cause in present.items():
        risk = open_risks.get(key)
        if risk is None:
            spec = defaults[key]
            project.risks.append(Risk(
                cause=key, category=spec["category"], title=cause.title[:200],
                description=cause.description, likelihood=spec["likelihood"],
                impact=cause.impact or spec["impact"],
                score=spec["likelihood"] * (cause.impact or spec["impact"]), status=OPEN,
                next_review=default_review_date(on), raised_by=SYSTEM))
            counts["raised"] += 1
        elif (risk.title, risk.description) != (cause.title[:200], cause.description):
            risk.title, risk.description = cause.title[:200], cause.description
            counts["updated"] += 1
    for key, risk in open_risks.items():
        if key not in present:
            _set_status(risk, CLOSED)
            counts["closed"] += 1
    if any(counts.values()):
        set_audit_note(db.session, _("re-evaluated by PlanGuard"))
        db.session.flush()
        set_audit_note(db.session, None)
    return counts


def _loaded(query):
    return query.options(selectinload(Project.milestones), selectinload(Project.reviews),
                         selectinload(Project.reuses), selectinload(Project.risks))


def refresh_all(on: dt.date | None = None, batch: int = 500) -> dict:
    """Re-evaluate every project that is approved or later, or has open system risks, in
    batches (the nightly `flask risk refresh`)."""
    on = on or clock.today()
    with_risks = select(Risk.project_id).where(Risk.cause.is_not(None), Risk.status != CLOSED)
    ids = list(db.session.scalars(select(Project.id).where(
        Project.status.in_(WATCHED) | Project.id.in_(with_risks)).order_by(Project.id)))
    totals = {"projects": len(ids), "raised": 0, "updated": 0, "closed": 0}
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        for project in db.session.scalars(_loaded(select(Project).where(Project.id.in_(chunk)))):
            for key, n in refresh_project(project, on).items():
                totals[key] += n
        db.session.flush()
    return totals


# --- re-evaluation when a project, its milestones or its reviews change --------------------

def _collect(session, flush_context):
    """after_flush: remember the projects whose milestones, reviews or own row changed."""
    ids = session.info.setdefault("risk_refresh", set())
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, (Milestone, Review)) and obj.project_id:
            ids.add(obj.project_id)
        elif isinstance(obj, Project) and obj.id and obj not in session.deleted \
                and _changed_besides_risks(obj):
            ids.add(obj.id)


def _changed_besides_risks(project: Project) -> bool:
    """A project whose own fields or links changed (not only its risk list, which the
    re-evaluation itself changes)."""
    state = inspect(project)
    if state.pending:
        return True
    return any(attr.key != "risks" and attr.history.has_changes() for attr in state.attrs)


def _refresh_before_commit(session):
    """before_commit: re-evaluate those projects in the same transaction (cheap: one project's
    rows each). Drafts and proposals have no causes and cost nothing."""
    if not has_app_context() or session.info.get("risk_refreshing"):
        return
    session.flush()
    ids = session.info.pop("risk_refresh", set())
    if not ids:
        return
    session.info["risk_refreshing"] = True
    try:
        for project_id in sorted(ids):
            project = session.get(Project, project_id)
            if project is None:
                continue
            # only approved-or-later projects have causes; a closed one closes its risks
            if project.status in WATCHED or project.status == s.CLOSED:
                refresh_project(project)
    finally:
        session.info.pop("risk_refreshing", None)


def _forget(session):
    session.info.pop("risk_refresh", None)


def install() -> None:
    if not event.contains(Session, "after_flush", _collect):
        event.listen(Session, "after_flush", _collect)
        event.listen(Session, "before_commit", _refresh_before_commit)
        event.listen(Session, "after_rollback", _forget)
