"""项目档案 (dossier): every audit event of one project and of its children (reviews, funding
lines and their payments, change requests, milestones, re-baselines, evidence, findings, risks,
ratings, information resources), oldest first, made readable: entity, action and field in the
user's language, old -> new values translated (statuses, booleans, decisions ...), times in
the display time zone. Filterable by day and kind; written to xlsx and to a print page.

Children are found by their current project_id, and deleted children by the project_id their
delete event recorded, so nothing of the project's history is missed.
"""
import ast
import datetime as dt
import functools
import json
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select

from budgets.models import (CHANGE_STATUSES, BudgetChange, Disbursement, Expenditure,
                            FundingLine, FundingSource)
from core.audit import AuditEvent
from core.extensions import db
from plan.models import Department, PlanTask
from projects import enums as ps
from projects.guard.models import DataItem
from projects.models import Project, Review
from projects.schedule import enums as ms
from projects.schedule.models import AuditFinding, EvidenceFile, Milestone, Rebaseline
from risk import enums as rs
from risk.models import RatingEntry as RiskRating
from risk.models import Risk

KINDS = {  # entity (table) -> label; the dossier's "kind" filter
    "project": _l("Project"), "review": _l("Review"), "funding_line": _l("Funding line"),
    "disbursement": _l("Disbursement"), "expenditure": _l("Expenditure"),
    "budget_change": _l("Change request"), "milestone": _l("Milestone"),
    "rebaseline": _l("Re-baseline"), "evidence_file": _l("Evidence file"),
    "audit_finding": _l("Audit finding"), "risk": _l("Risk"), "risk_rating": _l("Rating"),
    "data_item": _l("Information resource"),
}
_BY_PROJECT = {"review": Review, "funding_line": FundingLine, "budget_change": BudgetChange,
               "milestone": Milestone, "rebaseline": Rebaseline, "evidence_file": EvidenceFile,
               "audit_finding": AuditFinding, "risk": Risk, "risk_rating": RiskRating,
               "data_item": DataItem}
_BY_LINE = {"disbursement": Disbursement, "expenditure": Expenditure}
ACTIONS = {"insert": _l("Created"), "update": _l("Changed"), "delete": _l("Deleted")}
FIELDS = {
    "code": _l("Code"), "name": _l("Name"), "department_id": _l("Department"),
    "primary_task_id": _l("Primary plan task"), "plan_tasks": _l("Plan tasks"),
    "category": _l("Category"), "description": _l("Description"),
    "capabilities": _l("Capabilities"), "budget_total": _l("Budget (CNY)"),
    "start_date": _l("Planned start"), "end_date": _l("Planned end"),
    "contractor": _l("Contractor"), "supervisor": _l("Supervision firm"),
    "protection_level": _l("Protection level"), "status": _l("Status"),
    "listed_in_plan": _l("Listed in the plan"), "submitted_at": _l("Submitted"),
    "reuses": _l("Builds on"), "withheld": _l("Withheld from disclosure"),
    "withheld_reason": _l("Reason withheld"), "created_by": _l("Created by"),
    "stage": _l("Stage"), "decision": _l("Decision"), "reviewer": _l("Reviewer"),
    "comments": _l("Comments"), "conditions": _l("Conditions"),
    "duplicate_check": _l("Duplicate check seen"), "decided_at": _l("Decided"),
    "source_id": _l("Funding source"), "year": _l("Year"), "amount": _l("Amount (CNY)"),
    "note": _l("Note"), "disbursed": _l("Disbursed"), "spent": _l("Spent"),
    "date": _l("Date"), "voucher_no": _l("Voucher"), "funding_line_id": _l("Funding line"),
    "reason": _l("Reason"), "old_budget_total": _l("Budget before"),
    "new_budget_total": _l("Budget after"), "line_changes": _l("Funding line changes"),
    "requested_by": _l("Requested by"), "decided_by": _l("Decided by"),
    "decision_note": _l("Decision note"), "decision_comment": _l("Decision note"),
    "type": _l("Milestone"), "sequence": _l("Order"), "planned_date": _l("Planned date"),
    "baseline_date": _l("Baseline date"), "actual_date": _l("Actual date"),
    "proposed": _l("Proposed dates"), "severity": _l("Severity"),
    "rectification_owner": _l("Rectification owner"), "deadline": _l("Deadline"),
    "rectification_note": _l("Rectification note"), "raised_by": _l("Raised by"),
    "raised_on": _l("Raised on"), "closed_on": _l("Closed on"), "title": _l("Title"),
    "likelihood": _l("Likelihood"), "impact": _l("Impact"), "score": _l("Risk score"),
    "owner": _l("Owner"), "mitigation": _l("Mitigation"), "next_review": _l("Next review"),
    "cause": _l("Cause"), "closed_at": _l("Closed"), "kind": _l("Kind"),
    "rating": _l("Rating"), "rated_by": _l("Rated by"), "direction": _l("Direction"),
    "shared": _l("Shared"), "owner_department_id": _l("Owner department"),
    "size": _l("Size (bytes)"), "uploaded_by": _l("Uploaded by"),
    "milestone_id": _l("Milestone"), "finding_id": _l("Audit finding"),
}
_HIDDEN_ON_INSERT = {"id", "project_id", "created_at", "updated_at", "stored_name",
                     "requested_at", "uploaded_at", "raised_at", "rated_at", "contributions",
                     "version"}
_FIELDS_OF = {  # (entity, field) -> label where the shared label names the project's field
    ("risk", "category"): _l("Risk category"), ("risk", "description"): _l("Risk description"),
}
_ENUMS = {  # (entity or None for any, field) -> labels
    ("project", "status"): ps.STATUSES, ("project", "category"): ps.CATEGORIES,
    ("project", "protection_level"): {str(k): v for k, v in ps.PROTECTION_LEVELS.items()},
    ("review", "stage"): ps.REVIEW_STAGES, ("review", "decision"): ps.DECISIONS,
    ("milestone", "type"): ms.MILESTONE_TYPES, ("milestone", "status"): ms.MILESTONE_STATUSES,
    ("audit_finding", "severity"): ms.SEVERITIES,
    ("audit_finding", "status"): ms.FINDING_STATUSES,
    ("rebaseline", "status"): ms.REBASELINE_STATUSES,
    ("risk", "category"): rs.CATEGORIES, ("risk", "status"): rs.STATUSES,
    ("risk", "cause"): rs.CAUSES, ("risk_rating", "kind"): rs.RATING_KINDS,
    ("risk_rating", "span"): rs.WINDOWS, ("budget_change", "status"): CHANGE_STATUSES,
}
BOOLEANS = {"True": _l("Yes"), "False": _l("No"), "true": _l("Yes"), "false": _l("No")}


@dataclass
class Entry:
    at: dt.datetime  # in the display time zone
    actor: str
    kind: str
    kind_label: str
    record: str  # which record of that kind, e.g. a milestone's type
    action: str
    field: str
    old: str
    new: str
    note: str


def display_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("DISPLAY_TIMEZONE", "Asia/Shanghai"))


def local(at: dt.datetime, zone: ZoneInfo | None = None) -> dt.datetime:
    """A stored (naive UTC) time in the display zone, to the minute."""
    return at.replace(tzinfo=dt.timezone.utc).astimezone(zone or display_zone()).replace(
        tzinfo=None, second=0, microsecond=0)


def _child_clause(project_id: int):
    """Events of the project and of every child row, present or deleted."""
    clauses = [and_(AuditEvent.entity == "project", AuditEvent.entity_id == project_id)]
    lines = select(FundingLine.id).where(FundingLine.project_id == project_id)
    for entity, model in _BY_PROJECT.items():
        clauses.append(and_(AuditEvent.entity == entity, AuditEvent.entity_id.in_(
            select(model.id).where(model.project_id == project_id))))
    for entity, model in _BY_LINE.items():
        clauses.append(and_(AuditEvent.entity == entity, AuditEvent.entity_id.in_(
            select(model.id).where(model.funding_line_id.in_(lines)))))
    deleted = select(AuditEvent.entity, AuditEvent.entity_id).where(
        AuditEvent.action == "delete", AuditEvent.entity.in_(list(_BY_PROJECT)),
        AuditEvent.old_value.contains(f'"project_id": "{project_id}"', autoescape=True))
    for entity, entity_id in db.session.execute(deleted):
        clauses.append(and_(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id))
    return or_(*clauses)


def events(project_id: int, since: dt.date | None = None, until: dt.date | None = None,
           kinds=None):
    """The project's raw audit events in order, filtered (days in the display zone)."""
    query = select(AuditEvent).where(_child_clause(project_id))
    zone = display_zone()
    if since:
        start = dt.datetime.combine(since, dt.time(), zone).astimezone(dt.timezone.utc)
        query = query.where(AuditEvent.at >= start.replace(tzinfo=None))
    if until:
        end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), zone).astimezone(
            dt.timezone.utc)
        query = query.where(AuditEvent.at < end.replace(tzinfo=None))
    if kinds:
        query = query.where(AuditEvent.entity.in_([k for k in kinds if k in KINDS]))
    return db.session.scalars(query.order_by(AuditEvent.at, AuditEvent.id))


ID_WINDOW = 256  # _Names.of reads this many ids either side of one it misses


class _Names:
    """Labels of ids that appear in values (departments, plan tasks, sources, milestones), and
    the words of the labels (kinds, actions, fields, enumerations) in the user's language,
    each translated once: an audit sheet of 200,000 events would otherwise translate a few
    million lazy strings (most of its time)."""

    def __init__(self):
        self.cache = {}
        self.words = {}
        self.zone = display_zone()

    def word(self, labels: dict, key, default=None) -> str:
        """str(labels[key]) (or `default`, else the key), translated once per run."""
        cache = self.words.setdefault(id(labels), {})
        try:
            return cache[key]
        except KeyError:
            text = cache[key] = str(labels.get(key, key if default is None else default))
            return text
        except TypeError:  # an unhashable key (a malformed stored value)
            return str(labels.get(key, key) if isinstance(key, str) else key)

    def source_name(self, code) -> str:
        table = self.cache.setdefault("source_code", {})
        if code not in table:
            table[code] = db.session.scalar(select(FundingSource.name).where(
                FundingSource.code == str(code))) or code
        return table[code]

    def milestone_name(self, key) -> str:
        kind = self.of(Milestone, Milestone.type, key)
        return self.word(ms.MILESTONE_TYPES, kind) if kind != key else f"#{key}"

    def of(self, model, column, key):
        """The label of row `key`. A miss reads the ids around it too: the events of one
        story name neighbouring rows (a project's milestones), and an audit sheet asked
        for 10,754 milestones one query each."""
        try:
            row_id = int(key)
        except (TypeError, ValueError):
            return key
        table = self.cache.setdefault(model, {})
        if row_id not in table:
            found = dict(db.session.execute(select(model.id, column).where(
                model.id.between(row_id - ID_WINDOW, row_id + ID_WINDOW))).all())
            for other in range(row_id - ID_WINDOW, row_id + ID_WINDOW + 1):
                table.setdefault(other, found.get(other))
        return table[row_id] or key


def readable(entity: str, field: str, value, names: _Names) -> str:
    """A stored value in words: enumerations, booleans, ids of named rows, JSON, money."""
    if value is None or value == "":
        return ""
    labels = _ENUMS.get((entity, field))
    if labels is not None:
        return names.word(labels, value)
    if value in BOOLEANS and field in ("listed_in_plan", "withheld", "shared",
                                       "social_capital"):
        return names.word(BOOLEANS, value)
    if field in ("department_id", "owner_department_id"):
        return str(names.of(Department, Department.name, value))
    if field == "primary_task_id":
        return str(names.of(PlanTask, PlanTask.code + " " + PlanTask.title, value))
    if field == "source_id":
        return str(names.of(FundingSource, FundingSource.name, value))
    if field == "duplicate_check":
        return _duplicate_check_text(value)
    if (field or "").endswith("_at") and len(str(value)) > 10:
        try:
            return local(dt.datetime.fromisoformat(str(value))).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return str(value)
    if field == "line_changes":
        return _line_changes_text(value, names)
    if field == "proposed":
        return _proposed_dates_text(value, names)
    if field in ("amount", "budget_total", "old_budget_total", "new_budget_total",
                 "disbursed", "spent"):
        try:
            return f"{float(value):,.2f}"
        except ValueError:
            return str(value)
    if str(value).startswith(("[", "{")):
        data = _structured(value)
        if isinstance(data, list):
            return "、".join(str(v) for v in data)
        if isinstance(data, dict):
            return "; ".join(f"{k}: {v}" for k, v in data.items())
    return str(value)


def field_label(entity: str, field: str, names: "_Names") -> str:
    """A field's label for this kind of record (a risk's category is not the project's)."""
    own = _FIELDS_OF.get((entity, field))
    return names.word(_FIELDS_OF, (entity, field)) if own is not None else \
        names.word(FIELDS, field, field or "")


def _line_changes_text(value, names) -> str:
    """A change request's funding lines: "市本级财政 2016: 1,200,000.00; ..."."""
    data = _structured(value)
    if not isinstance(data, list):
        return str(value)
    parts = []
    for line in data:
        line = _structured(line)  # each element may be stored as its own text
        if not isinstance(line, dict):
            continue
        source = line.get("source")
        name = names.of(FundingSource, FundingSource.name, source) if str(source).isdigit() \
            else names.source_name(source)
        try:
            amount = f"{float(line.get('amount')):,.2f}"
        except (TypeError, ValueError):
            amount = str(line.get("amount", ""))
        parts.append(f"{name} {line.get('year', '')}: {amount}")
    return "; ".join(parts)


def _proposed_dates_text(value, names) -> str:
    """A re-baseline's dates: "竣工验收 2016-12-31; ..." (milestones by type)."""
    data = _structured(value)
    if not isinstance(data, dict):
        return str(value)
    return "; ".join(f"{names.milestone_name(key)} {day}" for key, day in data.items())


def _structured(value):
    """A stored dict or list: JSON, or the Python form older snapshots kept."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        try:
            return ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return None


def _duplicate_check_text(value) -> str:
    data = _structured(value)
    if not isinstance(data, dict):
        return str(value)
    matches = data.get("matches") or []
    if not matches:
        return _("no match above %(t)s", t=data.get("threshold", ""))
    justified = data.get("justifications") or {}
    return "; ".join(f"{m.get('code')} ({float(m.get('score', 0)):.2f}): "
                     f"{justified.get(m.get('code'), '') or _('not justified')}"
                     for m in matches)


def entries(project_id: int, since=None, until=None, kinds=None) -> list[Entry]:
    """The dossier: one readable line per changed field (an insert lists its fields)."""
    names, out, records = _Names(), [], {}
    for event in events(project_id, since, until, kinds):
        if is_noise(event):
            continue  # a child's own events say what changed
        kind_label = names.word(KINDS, event.entity)
        if event.action == "insert" and event.new_value:
            try:
                data = json.loads(event.new_value)
            except ValueError:
                data = {}
            records[(event.entity, event.entity_id)] = _record_name(event.entity, data, names)
            fields = [(k, v) for k, v in sorted(data.items(), key=lambda kv: _order(kv[0]))
                      if k not in _HIDDEN_ON_INSERT and not k.endswith("_id") or
                      k in ("department_id", "primary_task_id", "source_id")]
            text = "; ".join(f"{field_label(event.entity, k, names)}: "
                             f"{readable(event.entity, k, v, names)}"
                             for k, v in fields if v not in (None, ""))
            out.append(Entry(local(event.at, names.zone), event.actor, event.entity, kind_label,
                             records[(event.entity, event.entity_id)],
                             names.word(ACTIONS, "insert"), "", "", text, event.note or ""))
            continue
        record = records.get((event.entity, event.entity_id), f"#{event.entity_id}")
        if event.action == "delete":
            out.append(Entry(local(event.at, names.zone), event.actor, event.entity, kind_label, record,
                             names.word(ACTIONS, "delete"), "", "", "", event.note or ""))
            continue
        out.append(Entry(local(event.at, names.zone), event.actor, event.entity, kind_label, record,
                         names.word(ACTIONS, event.action),
                         field_label(event.entity, event.field, names),
                         readable(event.entity, event.field, event.old_value, names),
                         readable(event.entity, event.field, event.new_value, names),
                         event.note or ""))
    return out


def is_noise(event) -> bool:
    return event.action == "update" and event.field in _children_fields()


@functools.lru_cache(maxsize=1)
def _children_fields() -> frozenset:
    """One-to-many collections (a project's reviews, milestones ...): recorded on the parent
    as lists of keys, which the children's own events say better."""
    from sqlalchemy import inspect
    fields = set()
    for model in (Project, FundingLine, Milestone, AuditFinding, Risk):
        fields |= {rel.key for rel in inspect(model).relationships
                   if rel.direction.name == "ONETOMANY"}
    return frozenset(fields)


_FIRST = ("code", "name", "stage", "decision", "type", "title", "year", "source_id", "status")


def _order(key):
    return (_FIRST.index(key) if key in _FIRST else len(_FIRST), key)


def _record_name(entity, data, names) -> str:
    if entity == "review":
        return readable(entity, "stage", data.get("stage"), names)
    if entity == "milestone":
        return readable(entity, "type", data.get("type"), names)
    if entity == "funding_line":
        return f"{readable(entity, 'source_id', data.get('source_id'), names)} " \
               f"{data.get('year', '')}".strip()
    if entity in ("risk", "audit_finding", "data_item"):
        return (data.get("title") or data.get("name") or data.get("description") or "")[:40]
    if entity == "project":
        return data.get("code", "")
    return ""


HEADERS = [_l("Time"), _l("User"), _l("Kind"), _l("Record"), _l("Action"), _l("Field"),
           _l("Old value"), _l("New value"), _l("Note")]


def rows(items: list[Entry]):
    for e in items:
        yield [e.at.strftime("%Y-%m-%d %H:%M"), e.actor, e.kind_label, e.record, e.action,
               e.field, e.old, e.new, e.note]


def project_for_dossier(project_id: int) -> Project | None:
    return db.session.get(Project, project_id)


def scope_events(ids, start: dt.datetime, end: dt.datetime, limit: int):
    """(project code, AuditEvent columns) of the events of the projects in `ids` (a subquery
    of project ids) and of their present children, stored between start and end (naive UTC),
    in order: the workbook's audit sheet for a scope."""
    from sqlalchemy import literal, union_all
    cols = (AuditEvent.id, AuditEvent.at, AuditEvent.actor, AuditEvent.action,
            AuditEvent.entity, AuditEvent.entity_id, AuditEvent.field, AuditEvent.old_value,
            AuditEvent.new_value, AuditEvent.note)
    in_period = (AuditEvent.at >= start, AuditEvent.at < end)
    parts = [select(*cols, AuditEvent.entity_id.label("pid")).where(
        AuditEvent.entity == "project", AuditEvent.entity_id.in_(select(ids.c.id)), *in_period)]
    for entity, model in _BY_PROJECT.items():
        parts.append(select(*cols, model.project_id.label("pid"))
                     .join(model, and_(AuditEvent.entity == literal(entity),
                                       AuditEvent.entity_id == model.id))
                     .where(model.project_id.in_(select(ids.c.id)), *in_period))
    for entity, model in _BY_LINE.items():
        parts.append(select(*cols, FundingLine.project_id.label("pid"))
                     .join(model, and_(AuditEvent.entity == literal(entity),
                                       AuditEvent.entity_id == model.id))
                     .join(FundingLine, FundingLine.id == model.funding_line_id)
                     .where(FundingLine.project_id.in_(select(ids.c.id)), *in_period))
    union = union_all(*parts).subquery()
    query = (select(Project.code, union).join(Project, Project.id == union.c.pid)
             .order_by(union.c.at, union.c.id).limit(limit).execution_options(yield_per=5000))
    return db.session.execute(query)


def readable_event(row, names: "_Names") -> list:
    """One workbook row of a scope event, in words (an insert summarised field by field)."""
    kind = names.word(KINDS, row.entity)
    if row.action == "insert" and row.new_value:
        try:
            data = json.loads(row.new_value)
        except ValueError:
            data = {}
        text = "; ".join(f"{field_label(row.entity, k, names)}: "
                         f"{readable(row.entity, k, v, names)}"
                         for k, v in sorted(data.items(), key=lambda kv: _order(kv[0]))
                         if k not in _HIDDEN_ON_INSERT and v not in (None, ""))
        return [local(row.at, names.zone), row.code, row.actor, kind,
                names.word(ACTIONS, "insert"), "", "", text[:2000], row.note or ""]
    return [local(row.at, names.zone), row.code, row.actor, kind,
            names.word(ACTIONS, row.action),
            field_label(row.entity, row.field, names),
            readable(row.entity, row.field, row.old_value, names)[:2000],
            readable(row.entity, row.field, row.new_value, names)[:2000], row.note or ""]


def names() -> _Names:
    return _Names()
