"""Charts (matplotlib via core.charts, Chinese labels): a Gantt chart of one project's
milestones against its baseline, and a portfolio timeline grouped by plan task."""
import datetime as dt

from flask_babel import gettext as _
from matplotlib import dates as mdates
from matplotlib import pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from core.charts import png_bytes
from projects import enums as s
from projects.schedule.enums import CANCELLED, DONE

COLORS = {"done": "#2e7d32", "late": "#c62828", "open": "#1565c0", "baseline": "#9e9e9e"}
STATUS_COLORS = {
    s.APPROVED: "#90caf9", s.IN_CONSTRUCTION: "#1e88e5", s.TRIAL_OPERATION: "#7e57c2",
    s.ACCEPTED: "#43a047", s.IN_OPERATION: "#2e7d32", s.EVALUATED: "#00897b",
    s.CLOSED: "#757575",
}


def _rows(milestones):
    """One row per milestone, the monthly supervision reports folded into one row."""
    rows, reports = [], []
    for m in milestones:
        if m.status == CANCELLED:
            continue
        (reports if m.type == "supervision_report" else rows).append(m)
    rows.sort(key=lambda m: m.baseline_date)
    return rows, reports


def _mark(ax, y, m, is_overdue, on):
    ax.plot([m.baseline_date], [y], marker="D", color=COLORS["baseline"], markersize=7,
            fillstyle="none", zorder=3)
    if m.status == DONE and m.actual_date:
        when, color = m.actual_date, COLORS["done"]
    else:
        when, color = max(m.planned_date, on) if is_overdue else m.planned_date, \
            COLORS["late"] if is_overdue else COLORS["open"]
    if when != m.baseline_date:
        ax.plot([m.baseline_date, when], [y, y], color=color, linewidth=1.5, alpha=0.6)
    ax.plot([when], [y], marker="D", color=color, markersize=8, zorder=4)


def gantt_png(project, variance, is_overdue, on: dt.date) -> bytes:
    """The project's period and phases as bars, each milestone as a diamond where it was
    reached (green) or is planned (blue; red when overdue), the baseline as a hollow grey
    diamond, today as a dashed line."""
    rows, reports = _rows(project.milestones)
    labels = [str(m.type_label()) for m in rows]
    height = 1.6 + 0.38 * (len(rows) + 2)
    fig, ax = plt.subplots(figsize=(11, height))
    ax.barh(0, (project.end_date - project.start_date).days, left=project.start_date,
            height=0.5, color="#bbdefb", edgecolor="#1565c0")
    names = [_("Construction period")]
    for y, m in enumerate(rows, start=1):
        _mark(ax, y, m, is_overdue(m), on)
    names += labels
    if reports:
        y = len(rows) + 1
        names.append(_("Supervision reports (%(n)d)", n=len(reports)))
        for m in reports:
            color = COLORS["done"] if m.status == DONE else (
                COLORS["late"] if is_overdue(m) else COLORS["open"])
            ax.plot([m.actual_date or m.planned_date], [y], marker="|", markersize=14,
                    color=color, markeredgewidth=2)
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.axvline(on, color="#c62828", linestyle="--", linewidth=1)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    ax.grid(axis="x", alpha=0.3)
    title = f"{project.code} {project.name}"
    if variance.days is not None:
        title += "\n" + _("Schedule variance %(days)d days (%(percent)s%%), re-baselined %(n)d "
                          "times", days=variance.days, percent=variance.percent,
                          n=variance.rebaselines)
    ax.set_title(title, fontsize=11)
    ax.legend(handles=[
        Line2D([], [], marker="D", linestyle="", color=COLORS["done"], label=_("Done")),
        Line2D([], [], marker="D", linestyle="", color=COLORS["open"], label=_("Planned")),
        Line2D([], [], marker="D", linestyle="", color=COLORS["late"], label=_("Overdue")),
        Line2D([], [], marker="D", linestyle="", color=COLORS["baseline"], fillstyle="none",
               label=_("Baseline")),
        Line2D([], [], color="#c62828", linestyle="--", label=_("Today")),
    ], loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=5, frameon=False, fontsize=9)
    fig.autofmt_xdate()
    return png_bytes(fig)


def timeline_png(groups, on: dt.date, hidden: int = 0) -> bytes:
    """Projects as bars from planned start to end, coloured by status, grouped by plan task:
    groups is [(task label, [project, ...]), ...]."""
    labels, count = [], sum(len(projects) for _t, projects in groups) or 1
    fig, ax = plt.subplots(figsize=(12, 1.8 + 0.24 * (count + len(groups))))
    y = 0
    for task_label, projects in groups:
        ax.text(0.0, y, task_label, transform=ax.get_yaxis_transform(), fontsize=10,
                fontweight="bold", va="center", ha="left", color="#0d47a1")
        labels.append("")
        y += 1
        for project in projects:
            ax.barh(y, (project.end_date - project.start_date).days or 1,
                    left=project.start_date, height=0.7,
                    color=STATUS_COLORS.get(project.status, "#bdbdbd"))
            labels.append(f"{project.code} {project.name[:18]}")
            y += 1
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.set_ylim(y - 0.5, -0.8)
    last = max((p.end_date for _t, projects in groups for p in projects), default=on)
    if on <= last + dt.timedelta(days=365):  # today, unless it would squash the bars
        ax.axvline(on, color="#c62828", linestyle="--", linewidth=1)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.grid(axis="x", alpha=0.3)
    title = _("Portfolio timeline by plan task")
    if hidden:
        title += " " + _("(%(n)d more projects not shown: narrow the filter)", n=hidden)
    ax.set_title(title, fontsize=12)
    used = sorted({p.status for _t, projects in groups for p in projects},
                  key=list(s.STATUSES).index)
    ax.legend(handles=[Patch(color=STATUS_COLORS.get(st, "#bdbdbd"), label=str(s.STATUSES[st]))
                       for st in used], loc="upper center", bbox_to_anchor=(0.5, -0.03),
              ncol=min(len(used), 7) or 1, frameon=False, fontsize=9)
    return png_bytes(fig)
