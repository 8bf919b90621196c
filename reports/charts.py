"""Dashboard charts as PNG (matplotlib with the CJK font of core.charts)."""
import datetime as dt
from collections import Counter

from flask_babel import gettext as _

from core.charts import plt, png_bytes

RED, GREEN, GREY, BLUE, ORANGE = "#c0392b", "#27ae60", "#bdc3c7", "#2e75b6", "#f39c12"


def failures_png(result, title) -> bytes:
    """Pass and fail per rule, stacked."""
    from reports.rules import FAIL, PASS
    rules = result.rules
    passed = [result.counts(r.id)[PASS] for r in rules]
    failed = [result.counts(r.id)[FAIL] for r in rules]
    figure, axes = plt.subplots(figsize=(7.5, 3.2))
    labels = [r.id for r in rules]
    axes.bar(labels, passed, color=GREEN, label=_("Pass"))
    axes.bar(labels, failed, bottom=passed, color=RED, label=_("Fail"))
    for x, (p, f) in enumerate(zip(passed, failed)):
        if f:
            axes.text(x, p + f, str(f), ha="center", va="bottom", fontsize=8, color=RED)
    axes.set_title(title)
    axes.legend(fontsize=8, loc="upper right")
    axes.spines[["top", "right"]].set_visible(False)
    return png_bytes(figure)


def coverage_legend(counts, flagged) -> list:
    """(colour, label) of each colour the coverage chart draws: red only where a task has no
    project, orange only where one has a possible duplicate."""
    drawn = [(BLUE, _("Projects"), any(counts)), (ORANGE, _("Possible duplicates"), any(flagged)),
             (RED, _("No project yet"), not all(counts))]
    return [(colour, label) for colour, label, shown in drawn if shown]


def coverage_png(coverage, title) -> bytes:
    """Projects per main task (sub-tasks rolled up), red where none; the legend names only
    the colours drawn."""
    from matplotlib.patches import Patch

    from reports.coverage import coverable
    top = [row for row in coverage if row.task.level == 1 and coverable(row)]
    counts = [row.projects + sum(c.projects for c in row.children) for row in top]
    flagged = [row.flagged + sum(c.flagged for c in row.children) for row in top]
    figure, axes = plt.subplots(figsize=(7.5, 3.2))
    labels = [row.code for row in top]
    axes.bar(labels, counts, color=[BLUE if c else RED for c in counts], label=_("Projects"))
    axes.bar(labels, flagged, color=ORANGE, label=_("Possible duplicates"))
    axes.set_title(title)
    axes.legend(handles=[Patch(color=colour, label=label)
                         for colour, label in coverage_legend(counts, flagged)], fontsize=8)
    axes.tick_params(axis="x", labelsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    return png_bytes(figure)


def deadlines_png(dates, today: dt.date, title) -> bytes:
    """Open milestones per week: overdue ones in the first bar, then the next eight weeks."""
    weeks = Counter()
    for day in dates:
        weeks[max(-1, (day - today).days // 7)] += 1
    keys = list(range(-1, 9))
    labels = [_("Overdue")] + [(today + dt.timedelta(weeks=k)).strftime("%m-%d") for k in keys[1:]]
    figure, axes = plt.subplots(figsize=(7.5, 2.8))
    axes.bar(labels, [weeks.get(k, 0) for k in keys],
             color=[RED] + [BLUE] * (len(keys) - 1))
    axes.set_title(title)
    axes.tick_params(axis="x", labelsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    return png_bytes(figure)
