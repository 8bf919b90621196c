"""The review desk (issue 12): the Office decides on the duplicate check it was shown.

- `frozen_check(project)`: the check the decision form shows, stored once per portfolio version
  (trigger "review"); the approval rule judges that list, never a list re-run after the form
  was drawn (a reuse link added by the decision must not let an 11th match slip in).
- A match is settled by a reuse link (依托/复用), as a later phase of it (后续阶段), or by a
  written explanation (不重复: 说明). One entry may cover a family of matches (the phases of one
  system). An earlier stage's settlement carries forward unless the match changed (a new match,
  or a score higher by more than CARRY_TOLERANCE).
- `decide_with_check`: freeze (or load) the shown check, record the reuse links, then decide.
"""
import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.audit import utcnow
from core.errors import ValidationFailed
from core.extensions import db
from projects import reviews
from projects.guard import services as guard
from projects.guard.models import DuplicateCheck, GuardVersion
from projects.lifecycle import current_decision
from projects.models import Project

REUSE, LATER_PHASE, NOT_DUPLICATE = "reuse", "later_phase", "not_duplicate"
SETTLEMENTS = {
    REUSE: _l("Builds on it (reuse)"),
    LATER_PHASE: _l("A later phase of it"),
    NOT_DUPLICATE: _l("Not a duplicate: explanation"),
}
CARRY_TOLERANCE = 0.05
REVIEW_TRIGGER = "review"
# Phase and scope words that make the names of one system's phases differ.
_PHASE = re.compile(r"[（(][^）)]*[）)]|第?[一二三四五六七八九十\d]+期|(升级)?改造|扩容|扩建|"
                    r"改扩建|升级|续建|新建|工程|项目|建设|[\s\-—_]+")


def family_key(name: str) -> str:
    """The name of the system a match belongs to, without phase and scope words."""
    stem = _PHASE.sub("", name or "")
    return stem or (name or "")


def _portfolio_version() -> int:
    return db.session.scalar(select(GuardVersion.version).where(GuardVersion.id == 1)) or 0


def frozen_check(project: Project) -> DuplicateCheck:
    """The duplicate check the reviewer is shown: the latest one stored for the review while
    the portfolio has not changed, otherwise a new one."""
    version = _portfolio_version()
    latest = guard.latest_check(project.id, REVIEW_TRIGGER)
    if latest is not None and latest.result.get("version") == version:
        return latest
    check = guard.store_check(project, REVIEW_TRIGGER)
    check.result = dict(check.result, version=version)
    db.session.flush()
    return check


def shown_check(project: Project, check_id) -> DuplicateCheck | None:
    """The check a decision form carried, if it belongs to this project."""
    try:
        check = db.session.get(DuplicateCheck, int(check_id))
    except (TypeError, ValueError):
        return None
    if check is None or check.project_id != project.id or check.trigger != REVIEW_TRIGGER:
        return None
    return check


def families(matches: list[dict]) -> list[dict]:
    """Matches grouped by system (one department's phases of one name), best first; a group's
    key is its first match's code. The same system of another department or county is a
    group of its own: it is settled on its own grounds."""
    ids = [m["project_id"] for m in matches if m.get("project_id")]
    department = dict(db.session.execute(
        select(Project.id, Project.department_id).where(Project.id.in_(ids))).all()) if ids else {}
    groups: dict[tuple, dict] = {}
    for match in matches:
        stem = family_key(match.get("name", ""))
        group = groups.setdefault((department.get(match.get("project_id")), stem),
                                  {"key": match["code"], "name": stem, "matches": []})
        group["matches"].append(match)
    return list(groups.values())


def earlier_settlements(project: Project) -> dict:
    """Code -> the settlement recorded by the latest approving review that saw it, with the
    score it had then and the stage."""
    found = {}
    for review in project.reviews:
        check = review.duplicate_check or {}
        if review.decision != "approve" or not check:
            continue
        scores = {m["code"]: m.get("score", 0.0) for m in check.get("matches", [])}
        settled = check.get("settlements") or {}
        for code, text in (check.get("justifications") or {}).items():
            if code in scores and (text or "").strip():
                entry = dict(settled.get(code) or {"kind": NOT_DUPLICATE, "text": text})
                found[code] = dict(entry, score=scores[code], stage=review.stage,
                                   justification=text)
    return found


def carried(match: dict, earlier: dict) -> dict | None:
    """The earlier settlement of this match, unless the match changed since."""
    before = earlier.get(match["code"])
    if before is None or match.get("score", 0.0) > before["score"] + CARRY_TOLERANCE:
        return None
    return before


def form_groups(project: Project, matches: list[dict], entered=None) -> list[dict]:
    """The decision form's rows: one per family, prefilled with what the reviewer typed (a
    refused decision) or what an earlier stage recorded."""
    earlier = earlier_settlements(project)
    reused = {p.code for p in project.reuses}
    rows = []
    for group in families(matches):
        kept = [carried(m, earlier) for m in group["matches"]]
        # Prefilled only when the earlier stage settled every carried match alike.
        settled = {(c["kind"], c["text"]) for c in kept if c}
        first = next((c for c in kept if c), None) if len(settled) == 1 else None
        row = dict(group, kind=(first or {}).get("kind", ""), text=(first or {}).get("text", ""),
                   carried_from=first.get("stage") if first and all(kept) else None,
                   reused=sorted(reused & {m["code"] for m in group["matches"]}))
        if row["reused"] and not row["kind"]:
            row["kind"] = REUSE
        if entered is not None:
            row["kind"] = entered.get(f"settle_{group['key']}", row["kind"])
            row["text"] = entered.get(f"justify_{group['key']}", row["text"])
        rows.append(row)
    return rows


def _settlement_text(kind: str, text: str) -> str:
    text = (text or "").strip()
    if kind == NOT_DUPLICATE or not kind:
        return text
    label = str(SETTLEMENTS[kind])
    return f"{label}: {text}" if text else label


def settle(project: Project, matches: list[dict], entries: dict) -> tuple[dict, dict]:
    """Each match's settlement from the reviewer's entries (by family key or by code), the
    reuse links and the earlier stages. Raises ValidationFailed naming the boxes still empty."""
    earlier = earlier_settlements(project)
    reused = {p.code for p in project.reuses}
    settlements, missing = {}, {}
    groups = families(matches)
    for group in groups:
        entry = entries.get(group["key"]) or {}
        for match in group["matches"]:
            own = entries.get(match["code"]) or entry
            kind, text = own.get("kind") or "", (own.get("text") or "").strip()
            if kind not in SETTLEMENTS:
                kind = NOT_DUPLICATE if text else ""
            if kind == REUSE and match["code"] not in reused:
                guard.add_reuse_link(project, match["code"])
                reused.add(match["code"])
            if match["code"] in reused and not kind:
                kind = REUSE
            before = carried(match, earlier)
            if not kind and before:
                settlements[match["code"]] = dict(
                    kind=before["kind"], text=before.get("text", ""), carried_from=before["stage"],
                    justification=before["justification"])
                continue
            if not kind or (kind == NOT_DUPLICATE and not text):
                missing[f"justify_{group['key']}"] = _(
                    "Say why %(codes)s is not a duplicate, or choose reuse or a later phase.",
                    codes=", ".join(m["code"] for m in group["matches"]))
                continue
            settlements[match["code"]] = dict(kind=kind, text=text,
                                              justification=_settlement_text(kind, text))
    if missing:
        codes = [code for group in groups if f"justify_{group['key']}" in missing
                 for code in (m["code"] for m in group["matches"])]
        raise ValidationFailed(_("Approval needs, for each possible duplicate shown, a reuse "
                                 "link, a later phase or a written explanation: %(codes)s.",
                                 codes=", ".join(dict.fromkeys(codes))), missing)
    return settlements, {code: s["justification"] for code, s in settlements.items()}


def approval_gate(project: Project):
    """The Office cannot approve a proposal while a match of the duplicate check it was shown
    (at or above the threshold) is not settled by a reuse link, a later phase or a written
    justification. Freezes what it saw, and how each match was settled, for the Review."""
    decision = current_decision()
    check = decision.get("check") or frozen_check(project)
    matches = check.result.get("matches", [])
    entries = dict(decision.get("entries") or {})
    for code, text in (decision.get("justifications") or {}).items():
        entries.setdefault(code, {"kind": NOT_DUPLICATE if (text or "").strip() else "",
                                  "text": text})
    settlements, justifications = settle(project, matches, entries)
    decision["duplicate_check"] = {
        "checked_at": utcnow().isoformat(timespec="seconds"), "check_id": check.id,
        "threshold": check.threshold, "matches": matches,
        "justifications": justifications, "settlements": settlements}
    return None


def decide_with_check(project: Project, decision: str, user, comment="", conditions="",
                      entries=None, justifications=None, reuses=(), check_id=None) -> list[str]:
    """A decision from the desk or the API: the check shown (or the current one) is fixed
    before any reuse link is recorded, then the stage is decided on it."""
    check = shown_check(project, check_id) if check_id else None
    if check is None and decision == "approve":
        check = frozen_check(project)
    for code in reuses or ():
        guard.add_reuse_link(project, str(code))
    context = {"check": check, "entries": entries or {}}
    return reviews.decide(project, decision, user, comment, conditions, justifications or {},
                          extra=context)


def entries_from_form(form) -> dict:
    """{family key or code: {"kind", "text"}} from settle_<key> and justify_<key> fields; the
    old `reuse` checkboxes count as reuse."""
    entries = {}
    for name, value in form.items():
        for prefix, field in (("settle_", "kind"), ("justify_", "text")):
            if name.startswith(prefix):
                entries.setdefault(name[len(prefix):], {})[field] = value
    for code in form.getlist("reuse"):
        entries.setdefault(code, {})["kind"] = REUSE
    return entries
