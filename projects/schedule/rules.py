"""Milestone templates: the rules in data/milestone_rules.json turned into planned milestones.

The file is data the Office may change; this module only reads it. A project gets, in order:
contract, construction start, trial operation, initial acceptance (初验), final acceptance
(竣工验收), final-accounts audit (决算审计) and post-evaluation (后评价) a year after operation;
a budget at or above SUPERVISION_BUDGET_THRESHOLD adds the supervision contract and monthly
supervision reports (监理报告); protection level 2 or above adds the security assessment (等保测评)
before final acceptance.
"""
import calendar
import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from flask import current_app

from projects.schedule.enums import MILESTONE_TYPES


@dataclass(frozen=True)
class PlannedMilestone:
    type: str
    sequence: int
    date: dt.date


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> dict:
    with open(path, encoding="utf-8") as handle:
        rules = json.load(handle)
    for rule in rules["milestones"]:
        if rule["type"] not in MILESTONE_TYPES:
            raise ValueError(f"{path}: unknown milestone type {rule['type']!r}")
        if rule.get("when") and rule["when"] not in rules["conditions"]:
            raise ValueError(f"{path}: unknown condition {rule['when']!r}")
    return rules


def load_rules(path: str | None = None) -> dict:
    """The rules file (cached until it changes on disk)."""
    import os
    path = path or current_app.config["MILESTONE_RULES_FILE"]
    return _load(path, os.path.getmtime(path))


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def condition_holds(name: str, budget_total, protection_level, rules: dict | None = None) -> bool:
    """Whether a project with this budget and protection level meets the named condition."""
    rules = rules or load_rules()
    spec = rules["conditions"][name]
    if "budget_at_least" in spec:
        threshold = Decimal(str(current_app.config[spec["budget_at_least"]]))
        if budget_total is None or Decimal(budget_total) < threshold:
            return False
    if "protection_level_at_least" in spec:
        if (protection_level or 0) < spec["protection_level_at_least"]:
            return False
    return True


def requires(project, condition: str) -> bool:
    """Does the project need what the condition stands for ('supervision',
    'security_assessment')?"""
    return condition_holds(condition, project.budget_total, project.protection_level)


def _anchor(rule_at, start: dt.date, end: dt.date) -> dt.date:
    if rule_at == "start":
        return start
    if rule_at == "end":
        return end
    fraction = float(rule_at)
    return start + dt.timedelta(days=round((end - start).days * fraction))


def _dated(rule: dict, key: str, start: dt.date, end: dt.date) -> dt.date:
    day = _anchor(rule.get(key, "start"), start, end)
    if key == "at":
        day = add_months(day, rule.get("offset_months", 0))
        day += dt.timedelta(days=rule.get("offset_days", 0))
    return day


def plan_milestones(start: dt.date, end: dt.date, budget_total, protection_level,
                    rules: dict | None = None) -> list[PlannedMilestone]:
    """The milestones a project with this period, budget and protection level gets, by date."""
    rules = rules or load_rules()
    planned = []
    for rule in rules["milestones"]:
        if rule.get("when") and not condition_holds(rule["when"], budget_total, protection_level,
                                                    rules):
            continue
        first = _dated(rule, "at", start, end)
        if rule.get("repeat") != "monthly":
            planned.append(PlannedMilestone(rule["type"], 1, first))
            continue
        until = _dated(rule, "until", start, end)
        sequence, day = 1, first
        while day <= until:
            planned.append(PlannedMilestone(rule["type"], sequence, day))
            sequence += 1
            day = add_months(first, sequence - 1)
    return sorted(planned, key=lambda m: (m.date, list(MILESTONE_TYPES).index(m.type),
                                          m.sequence))
