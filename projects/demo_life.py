"""The demo portfolio's life, apart from its text (issue 12): statuses, dates relative to the
demo's "as of" day (the clock's today unless given), the review trail of each stage, and the
duplicate checks stored at submission and frozen in the approving reviews, so that the queue,
schedule variance, risks and compliance rules read like a live portfolio.

`life_of(rng, as_of)` draws one project's status and dates; `review_rows(...)` its reviews;
`store_checks(...)` the guard's results from one portfolio scan (a few approvals are left
without a justification, as in a real city, so rule C02 fails for a few percent).
"""
import datetime as dt

from core import clock
from projects import enums as s

# Share of each status in a portfolio well under way (weights, not counts).
STATUS_WEIGHTS = {
    s.DRAFT: 8, s.SUBMITTED: 4, s.IN_REVIEW: 4, s.RETURNED: 3, s.REJECTED: 3, s.APPROVED: 8,
    s.IN_CONSTRUCTION: 20, s.TRIAL_OPERATION: 8, s.ACCEPTED: 8, s.IN_OPERATION: 20,
    s.EVALUATED: 7, s.CLOSED: 7,
}
DURATIONS = [180, 270, 365, 540, 730]
STAGES = ("proposal", "feasibility", "design")
UNJUSTIFIED_SHARE = 0.03  # approvals whose frozen check leaves a match unjustified
UNCHECKED_SHARE = 0.01  # submissions stored without a duplicate check (older practice)
REVIEW_COMMENTS = {
    "approve": "符合规划任务,同意。",
    "return": "请补充与现有平台的整合方案及资金来源说明后重新报送。",
    "reject": "与已建平台功能重复,不予立项。",
}
JUSTIFICATIONS = ["依托该平台建设,不另建同类功能。", "为该系统的后续阶段,建设内容不重叠。",
                  "服务对象和业务范围不同,不属于重复建设。"]


def demo_today() -> dt.date:
    """The demo's "as of" day: the one clock's today (PLANGUARD_AS_OF, or clock.frozen)."""
    return clock.today()


def _at(day: dt.date, hour=10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0))


def life_of(rng, as_of: dt.date) -> dict:
    """Status and dates of one project, consistent with each other and with `as_of`:
    proposals start in the coming months and were submitted days or weeks ago; projects under
    construction started months ago; those in operation were finished a year or more ago."""
    statuses, weights = zip(*STATUS_WEIGHTS.items())
    status = rng.choices(statuses, weights)[0]
    days = rng.choice(DURATIONS)
    offset = {  # planned start relative to as_of, in days
        s.DRAFT: rng.randint(45, 300), s.SUBMITTED: rng.randint(60, 240),
        s.IN_REVIEW: rng.randint(30, 200), s.RETURNED: rng.randint(60, 240),
        s.REJECTED: -rng.randint(0, 400), s.APPROVED: rng.randint(-20, 90),
        s.IN_CONSTRUCTION: -int(days * rng.uniform(0.15, 0.95)),
        s.TRIAL_OPERATION: -int(days * rng.uniform(0.9, 1.1)),
        s.ACCEPTED: -days - rng.randint(20, 150),
        s.IN_OPERATION: -days - rng.randint(30, 390),
        s.EVALUATED: -days - rng.randint(500, 1200),
        s.CLOSED: -days - rng.randint(700, 1500),
    }[status]
    start = (as_of + dt.timedelta(days=offset)).replace(day=1)
    end = start + dt.timedelta(days=days)
    submitted = None
    if status != s.DRAFT:
        waited = {s.SUBMITTED: rng.randint(0, 12), s.IN_REVIEW: rng.randint(3, 40),
                  s.RETURNED: rng.randint(20, 70)}.get(status)
        submitted = as_of - dt.timedelta(days=waited) if waited is not None else \
            start - dt.timedelta(days=rng.randint(80, 160))
    return {"status": status, "start_date": start, "end_date": end,
            "submitted_at": _at(submitted) if submitted else None, "year": start.year}


def review_rows(project: dict, rng, as_of: dt.date, next_id: int) -> list[dict]:
    """The reviews a project's status implies, stage by stage, between its submission and
    its planned start (never after `as_of`)."""
    status, submitted = project["status"], project["submitted_at"]
    if submitted is None or status == s.SUBMITTED:
        return []
    if status in s.APPROVED_OR_LATER:
        decisions = [(stage, "approve") for stage in STAGES]
    elif status == s.IN_REVIEW:
        decisions = [(stage, "approve") for stage in STAGES[:rng.randint(0, 2)]]
    elif status == s.RETURNED:
        decisions = [(STAGES[0], "return")]
    else:  # rejected
        decisions = [(STAGES[0], "reject")]
    latest = min(_at(as_of, 9), _at(project["start_date"] - dt.timedelta(days=5)))
    if status == s.IN_REVIEW:
        latest = _at(as_of, 9)
    span = max((latest - submitted).days, len(decisions))
    rows, day = [], submitted
    for n, (stage, decision) in enumerate(decisions, start=1):
        day = min(submitted + dt.timedelta(days=span * n // (len(decisions) + 1) +
                                           rng.randint(0, 2)), latest)
        rows.append(dict(id=next_id + len(rows), project_id=project["id"], stage=stage,
                         decision=decision, reviewer="office", comments=REVIEW_COMMENTS[decision],
                         decided_at=day.replace(hour=10 + n), duplicate_check=None))
    return rows


def _match(pair, other_id, projects_by_id) -> dict:
    other = projects_by_id[other_id]
    return {"project_id": other_id, "code": other["code"], "name": other["name"],
            "score": pair["score"], "reasons": pair.get("reasons") or []}


def store_checks(project_rows: list[dict], reviews: list[dict], rng, threshold: float,
                 pairs: list[dict], limit: int = 10) -> list[dict]:
    """DuplicateCheck rows at submission for the submitted projects, from one portfolio scan
    (each proposal against the projects that existed before it), and the frozen check with
    justifications in every approving review (mutates `reviews`)."""
    by_id = {p["id"]: p for p in project_rows}
    seen: dict[int, list] = {}
    for pair in pairs:
        a, b = pair["a_id"], pair["b_id"]
        for mine, other in ((a, b), (b, a)):
            if mine in by_id and other in by_id and \
                    _submitted_before(by_id[other], by_id[mine]):
                seen.setdefault(mine, []).append(_match(pair, other, by_id))
    checks = []
    for project in project_rows:
        if project["submitted_at"] is None or rng.random() < UNCHECKED_SHARE:
            continue
        matches = sorted(seen.get(project["id"], []), key=lambda m: -m["score"])[:limit]
        checks.append(dict(project_id=project["id"], trigger="submission", checked_by="demo",
                           checked_at=project["submitted_at"], threshold=threshold,
                           flagged=len(matches),
                           top_score=max((m["score"] for m in matches), default=0.0),
                           result={"threshold": threshold, "matches": matches}))
        _freeze_in_reviews(project["id"], matches, reviews, rng, threshold)
    return checks


def _submitted_before(other: dict, mine: dict) -> bool:
    if mine["submitted_at"] is None:
        return False
    if other["submitted_at"] is None:
        return other["status"] != s.DRAFT
    return other["submitted_at"] <= mine["submitted_at"]


def _freeze_in_reviews(project_id, matches, reviews, rng, threshold):
    approving = [r for r in reviews if r["project_id"] == project_id and r["decision"] == "approve"]
    if not approving:
        return
    justified = {m["code"]: rng.choice(JUSTIFICATIONS) for m in matches}
    if matches and rng.random() < UNJUSTIFIED_SHARE:
        justified.pop(matches[-1]["code"])
    for review in approving:
        review["duplicate_check"] = {
            "checked_at": review["decided_at"].isoformat(timespec="seconds"),
            "threshold": threshold, "matches": matches, "justifications": justified,
            "settlements": {code: {"kind": "not_duplicate", "text": text,
                                   "justification": text} for code, text in justified.items()}}


# Projects the Office keeps off the public pages (不予公开), by what their name says.
WITHHELD = (("涉密", "涉及国家秘密的涉密网络,不予公开。"),
            ("看守所", "监管场所安全防范设施,不予公开。"),
            ("监所", "监管场所安全防范设施,不予公开。"),
            ("保密", "涉及保密事项,不予公开。"))


def disclosure_of(project: dict) -> dict:
    """withheld and withheld_reason of a seeded project."""
    text = f"{project.get('name', '')} {project.get('description', '')}"
    reason = next((why for word, why in WITHHELD if word in text), None)
    return {"withheld": reason is not None, "withheld_reason": reason}


def as_of_stamp(as_of: dt.date) -> dt.datetime:
    """created_at of the demo rows: the as-of day, so the banner can say it."""
    return dt.datetime.combine(as_of, clock.now().time().replace(microsecond=0))


def created_at(project: dict) -> dt.datetime:
    """When the story's department drafted a project: one to four weeks before it was
    submitted; a draft up to six weeks before the as-of day (never after it)."""
    upper = project["created_at"]
    if project["submitted_at"] is not None:
        return min(upper, project["submitted_at"] - dt.timedelta(days=7 + project["id"] % 21,
                                                                 hours=1))
    return upper - dt.timedelta(days=project["id"] % 42)


# The lifecycle's path to each status (projects.lifecycle.STEPS), and when each step happened
# relative to the project's own dates (days after the reference; clamped to the as-of day).
PATH = (s.SUBMITTED, s.IN_REVIEW, None, s.IN_CONSTRUCTION, s.TRIAL_OPERATION, s.ACCEPTED,
        s.IN_OPERATION, s.EVALUATED, s.CLOSED)
DECIDED = (s.APPROVED, s.RETURNED, s.REJECTED)


def status_events(project: dict, reviews: list[dict], as_of: dt.date) -> list[dict]:
    """The status changes that brought a seeded project from draft to its status, each at the
    day the story says (submitted days ago, decided at its last review, construction started
    at its planned start ...), never after the as-of day and never out of order."""
    status = project["status"]
    if status == s.DRAFT:
        return []
    decided = max((r["decided_at"] for r in reviews), default=None)
    start, end = project["start_date"], project["end_date"]
    submitted = project["submitted_at"]
    plan = [(s.DRAFT, s.SUBMITTED, submitted),
            (s.SUBMITTED, s.IN_REVIEW, submitted + dt.timedelta(days=1))]
    final = status if status in DECIDED else s.APPROVED
    if status not in (s.SUBMITTED, s.IN_REVIEW):
        plan.append((s.IN_REVIEW, final, decided or submitted + dt.timedelta(days=2)))
    later = [(s.APPROVED, s.IN_CONSTRUCTION, _at(start, 9)),
             (s.IN_CONSTRUCTION, s.TRIAL_OPERATION, _at(end - dt.timedelta(days=45), 9)),
             (s.TRIAL_OPERATION, s.ACCEPTED, _at(end + dt.timedelta(days=10), 9)),
             (s.ACCEPTED, s.IN_OPERATION, _at(end + dt.timedelta(days=25), 9)),
             (s.IN_OPERATION, s.EVALUATED, _at(end + dt.timedelta(days=200), 9)),
             (s.EVALUATED, s.CLOSED, _at(end + dt.timedelta(days=400), 9))]
    if status in s.APPROVED_OR_LATER:
        for step in later:
            if step[0] == status:
                break
            plan.append(step)
    events, last, ceiling = [], None, _at(as_of, 18)
    for old, new, when in plan:
        if old == status and new != status:
            break
        when = min(max(when, last or when), ceiling)
        events.append({"entity": "project", "entity_id": project["id"], "field": "status",
                       "old": old, "new": new, "at": when})
        last = when
        if new == status:
            break
    return events
