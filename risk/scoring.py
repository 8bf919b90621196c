"""Scoring and the rating rules, read from data/risk_rules.json (data the Office may change).

- A risk's score is likelihood x impact, 1-25. Its band is the first band in the file whose
  `max` the score does not exceed: 1-4 low, 5-9 medium, 10-14 high, 15-25 critical.
- A project's rating starts at 5 and loses the points of each contribution, never below 1
  (1 high risk, 5 low, as on the US federal IT Dashboard):
  cost variance and schedule variance by band of the absolute percent (within 10%: 0,
  10-30%: 1, over 30%: 2); open high and critical risks (1 or more: 1, 3 or more: 2);
  overdue milestones (1 or more: 1, 3 or more: 2); open audit findings (1 or more: 1).
  A contribution without evidence (no milestones, no cost figures) counts 0 and says so.
"""
import json
import os
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from functools import lru_cache

from flask import current_app

from core.errors import ValidationFailed

LEVELS = range(1, 6)


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> dict:
    with open(path, encoding="utf-8") as handle:
        rules = json.load(handle)
    tops = [b["max"] for b in rules["bands"]]
    if tops != sorted(tops) or tops[-1] < 25:
        raise ValueError(f"{path}: bands must rise and reach 25")
    return rules


def load_rules(path: str | None = None) -> dict:
    """The rules file (cached until it changes on disk)."""
    path = path or current_app.config["RISK_RULES_FILE"]
    return _load(path, os.path.getmtime(path))


def score_of(likelihood: int, impact: int) -> int:
    """Likelihood (1-5) times impact (1-5)."""
    errors = {}
    for name, value in (("likelihood", likelihood), ("impact", impact)):
        if isinstance(value, bool) or not isinstance(value, int) or value not in LEVELS:
            errors[name] = "1-5"
    if errors:
        from flask_babel import gettext as _
        raise ValidationFailed(_("Likelihood and impact are whole numbers from 1 to 5."),
                               {k: _("Give a whole number from 1 to 5.") for k in errors})
    return likelihood * impact


def band_of(score: int) -> str:
    for band in load_rules()["bands"]:
        if score <= band["max"]:
            return band["key"]
    return load_rules()["bands"][-1]["key"]


def band_ranges() -> list[tuple[str, int, int]]:
    """(band, lowest score, highest score) for the legend."""
    out, low = [], 1
    for band in load_rules()["bands"]:
        out.append((band["key"], low, band["max"]))
        low = band["max"] + 1
    return out


def high_bands() -> set[str]:
    return set(load_rules()["high_bands"])


def is_high(score) -> bool:
    """A score in a band that counts as high (data/risk_rules.json)."""
    return score is not None and band_of(score) in high_bands()


def variance_css(percent) -> str:
    """The page's emphasis of a slip behind plan (positive percent) by its variance band."""
    if percent is None or percent <= 0:
        return ""
    css = {"over": "text-danger", "moderate": "text-warning"}
    return css.get(variance_band(percent)["key"], "")


def high_score_floor() -> int:
    """The lowest score whose band counts as high."""
    return min(low for key, low, _top in band_ranges() if key in high_bands())


def variance_band(percent) -> dict | None:
    """The band of an absolute variance in percent, or None without a figure."""
    if percent is None:
        return None
    value = abs(Decimal(str(percent)))
    for band in load_rules()["rating"]["variance_bands"]:
        if band["max_percent"] is None or value <= Decimal(str(band["max_percent"])):
            return band
    return None  # pragma: no cover - the last band is open-ended


def count_points(rule: str, count: int) -> int:
    points = 0
    for step in load_rules()["rating"]["counts"][rule]:
        if count >= step["at_least"]:
            points = max(points, step["points"])
    return points


@dataclass
class Evidence:
    """What the rating of one project in one window is computed from."""

    cost_percent: Decimal | None = None
    cost_available: bool = False  # False: no cost figures (the funding rule is not installed)
    schedule_percent: float | None = None
    schedule_days: int | None = None
    open_high_risks: int = 0
    overdue_milestones: int = 0
    open_audit_findings: int = 0


@dataclass
class Contribution:
    key: str  # cost_variance, schedule_variance, open_high_risks, ...
    value: object  # the percent or the count, None without evidence
    band: str | None
    points: int
    note: str = ""  # "unavailable", "no milestones"


@dataclass
class Rating:
    rating: int
    contributions: list[Contribution] = field(default_factory=list)

    def as_json(self) -> list[dict]:
        return [{**asdict(c), "value": None if c.value is None else str(c.value)}
                for c in self.contributions]


def _variance(key: str, percent, note_if_none: str) -> Contribution:
    band = variance_band(percent)
    if band is None:
        return Contribution(key, None, None, 0, note_if_none)
    return Contribution(key, percent, band["key"], band["points"])


def rate(evidence: Evidence) -> Rating:
    """The rating the rules give, with every contribution (see the module docstring)."""
    rules = load_rules()["rating"]
    parts = [
        _variance("cost_variance", evidence.cost_percent if evidence.cost_available else None,
                  "no_cost_data" if evidence.cost_available else "cost_rule_inactive"),
        _variance("schedule_variance", evidence.schedule_percent, "no_milestones"),
    ]
    for key in ("open_high_risks", "overdue_milestones", "open_audit_findings"):
        count = getattr(evidence, key)
        parts.append(Contribution(key, count, None, count_points(key, count)))
    total = sum(p.points for p in parts)
    return Rating(max(1, rules["start"] - total), parts)
