"""The compliance rules as data (data/compliance_rules.json) and their evaluation per project.

A rule's check (reports/checks.py, reports/risk_check.py) answers for the projects in scope, in
one or two SQL statements with GROUP BY or subqueries: which projects it applies to and, for
those that fail, the evidence. Every other project gets "not applicable".
"""
import datetime as dt
import json
import os
from dataclasses import dataclass, field
from functools import lru_cache

from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from core import clock, registry, scoping
from core.extensions import db
from plan.models import Department, PlanTask
from projects.models import Project, project_plan_task

PASS, FAIL, NA = "pass", "fail", "na"
OUTCOMES = {PASS: _l("Pass"), FAIL: _l("Fail"), NA: _l("Not applicable")}
SEVERITIES = {"high": _l("High"), "medium": _l("Medium"), "low": _l("Low")}

# id -> check(scope_ids_subquery, on) -> (applicable ids or None for all in scope,
# {project id: evidence}). Filled by reports.checks and, when the risk register is present,
# reports.risk_check (app.register_rules), kept on the app (core.registry).


def registered_checks(app=None) -> dict:
    return registry.registry(app).providers.setdefault("compliance_checks", {})


def add_check(rule_id: str, check, app=None) -> None:
    registered_checks(app)[rule_id] = check


def has_check(rule_id: str) -> bool:
    return rule_id in registered_checks()


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    title_zh: str
    title_en: str
    checks: str
    checks_zh: str
    evidence: str
    evidence_zh: str
    applies_to: str
    params: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def title(self) -> str:
        return self.title_zh if str(get_locale() or "zh").startswith("zh") else self.title_en

    def severity_label(self):
        return SEVERITIES.get(self.severity, self.severity)


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> tuple:
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    rules = []
    for spec in data["rules"]:
        if spec["severity"] not in SEVERITIES:
            raise ValueError(f"{path}: {spec['id']} has an unknown severity {spec['severity']!r}")
        rules.append(Rule(**{k: v for k, v in spec.items() if not k.startswith("_")}))
    return tuple(rules)


def load_rules(path: str | None = None) -> tuple:
    path = path or current_app.config["COMPLIANCE_RULES_FILE"]
    return _load(path, os.path.getmtime(path))


def active_rules() -> list[Rule]:
    """The rules of the data file that have a check installed (C11 needs the risk register)."""
    return [r for r in load_rules() if r.id in registered_checks()]


def rule_params(rule_id: str) -> dict:
    return next((r.params for r in load_rules() if r.id == rule_id), {})


@dataclass
class Filters:
    department: Department | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    plan_task: PlanTask | None = None
    user: object = None  # a department-scoped user sees only what it may (dashboards)

    def describe(self) -> str:
        parts = []
        if self.department:
            parts.append(str(self.department.label()))
        if self.date_from or self.date_to:
            parts.append(f"{self.date_from or '…'} ~ {self.date_to or '…'}")
        if self.plan_task:
            parts.append(str(self.plan_task))
        return " / ".join(parts)


def scope_query(filters: Filters):
    """SELECT of the ids of the projects in scope: department, a project period overlapping the
    dates, a plan task (or one of its sub-tasks), and what the user may see."""
    query = select(Project.id)
    if filters.department is not None:
        query = query.where(Project.department_id == filters.department.id)
    if filters.date_from:
        query = query.where(Project.end_date >= filters.date_from)
    if filters.date_to:
        query = query.where(Project.start_date <= filters.date_to)
    if filters.plan_task is not None:
        code = filters.plan_task.code
        tasks = select(PlanTask.id).where(or_(PlanTask.code == code,
                                              PlanTask.code.like(code + ".%")))
        query = query.where(or_(Project.primary_task_id.in_(tasks), Project.id.in_(
            select(project_plan_task.c.project_id).where(
                project_plan_task.c.plan_task_id.in_(tasks)))))
    clause = scoping.clause(Project, filters.user)
    if clause is not None:
        query = query.where(clause)
    return query


@dataclass
class Result:
    """The outcome of every active rule for every project in scope."""

    rules: list
    on: dt.date
    projects: list = field(default_factory=list)  # (id, code, name, department, status)
    outcomes: dict = field(default_factory=dict)  # rule id -> {project id: PASS/FAIL/NA}
    evidence: dict = field(default_factory=dict)  # rule id -> {project id: text}

    def outcome(self, rule_id: str, project_id: int) -> str:
        return self.outcomes[rule_id].get(project_id, NA)

    def counts(self, rule_id: str) -> dict:
        values = self.outcomes[rule_id]
        counts = {PASS: 0, FAIL: 0}
        for v in values.values():
            counts[v] += 1
        counts[NA] = len(self.projects) - counts[PASS] - counts[FAIL]
        return counts

    def failures(self):
        """(rule, project row, evidence) for every failure, by rule then project code."""
        by_id = {p[0]: p for p in self.projects}
        for rule in self.rules:
            failed = [pid for pid, v in self.outcomes[rule.id].items() if v == FAIL]
            for pid in sorted(failed, key=lambda i: by_id[i][1]):
                yield rule, by_id[pid], self.evidence[rule.id].get(pid, "")

    def failed_projects(self) -> set:
        return {pid for values in self.outcomes.values()
                for pid, v in values.items() if v == FAIL}


def evaluate(filters: Filters | None = None, on: dt.date | None = None) -> Result:
    """Judge every project in scope against every active rule, one rule at a time in SQL."""
    filters = filters or Filters()
    on = on or clock.today()
    scope = scope_query(filters)
    rules = active_rules()
    result = Result(rules=rules, on=on)
    result.projects = [tuple(r) for r in db.session.execute(
        select(Project.id, Project.code, Project.name, Department.label_column(), Project.status)
        .join(Department, Project.department_id == Department.id)
        .where(Project.id.in_(scope)).order_by(Project.code))]
    in_scope = {p[0] for p in result.projects}
    ids = scope.subquery()
    for rule in rules:
        applicable, failures = registered_checks()[rule.id](ids, on)
        applicable = in_scope if applicable is None else set(applicable) & in_scope
        outcomes = {pid: PASS for pid in applicable}
        evidence = {}
        for pid, text in failures.items():
            if pid in in_scope:
                outcomes[pid] = FAIL
                evidence[pid] = text
        result.outcomes[rule.id] = outcomes
        result.evidence[rule.id] = evidence
    return result


def _scope_key(filters: Filters) -> tuple:
    from core.security import is_department_scoped
    user = filters.user
    scoped = user is not None and is_department_scoped(user)
    return (filters.department.id if filters.department else None, filters.date_from,
            filters.date_to, filters.plan_task.code if filters.plan_task else None,
            ("department", user.department_id) if scoped else None)


def evaluate_cached(filters: Filters | None = None, on: dt.date | None = None) -> Result:
    """evaluate() once per portfolio version, day, filters and installed checks (the pages
    and dashboards; the workbook job evaluates afresh). Failures are listed once too."""
    from core import summaries
    from risk import costs
    filters = filters or Filters()
    on = on or clock.today()
    checks = tuple((rule_id, id(check))
                   for rule_id, check in sorted(registered_checks().items()))

    def compute():
        result = evaluate(filters, on)
        result.failure_list = list(result.failures())
        result.failed_count = len(result.failed_projects())
        return result
    return summaries.cached("compliance", (on, _scope_key(filters), checks, id(load_rules()),
                                           id(costs.current_provider())), compute)
