"""Budget-execution charts as PNG (matplotlib with the CJK font of core.charts)."""
from decimal import Decimal

from flask_babel import gettext as _
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from core.charts import png_bytes, setup_matplotlib

setup_matplotlib()
COLORS = ("#5B8FF9", "#F6BD16", "#5AD8A6")


def _yuan(amount) -> float:
    """An amount as a bar's length, in yuan like every amount on the page (never stored)."""
    return float(Decimal(amount))


def _yuan_ticks(value, _position) -> str:
    return f"{value:,.0f}"


def grouped_bars(groups: dict, title: str, horizontal=False, limit=15) -> bytes:
    """Planned vs disbursed vs spent per group (source, department or year), in yuan (the
    page's tables are in yuan: one unit per page)."""
    items = list(groups.items())[:limit]
    labels = [str(k) for k, _v in items]
    series = ((_("Planned amount"), [_yuan(v.planned) for _k, v in items]),
              (_("Disbursed"), [_yuan(v.disbursed) for _k, v in items]),
              (_("Spent"), [_yuan(v.spent) for _k, v in items]))
    height = max(3.6, 0.42 * len(labels) + 1.2) if horizontal else 4.2
    figure = Figure(figsize=(8.8, height))
    axes = figure.subplots()
    width = 0.27
    positions = range(len(labels))
    for n, ((name, values), color) in enumerate(zip(series, COLORS)):
        offsets = [p + (n - 1) * width for p in positions]
        if horizontal:
            axes.barh(offsets, values, height=width, label=name, color=color)
        else:
            axes.bar(offsets, values, width=width, label=name, color=color)
    if horizontal:
        axes.set_yticks(list(positions), labels)
        axes.invert_yaxis()
        axes.set_xlabel(_("Yuan"))
        axes.xaxis.set_major_formatter(FuncFormatter(_yuan_ticks))
    else:
        axes.set_xticks(list(positions), labels, rotation=0)
        axes.set_ylabel(_("Yuan"))
        axes.yaxis.set_major_formatter(FuncFormatter(_yuan_ticks))
    axes.set_title(title)
    axes.legend(loc="best", fontsize=9)
    axes.grid(axis="x" if horizontal else "y", alpha=0.3)
    if not labels:
        axes.text(0.5, 0.5, _("No funding recorded"), ha="center", va="center",
                  transform=axes.transAxes)
    return png_bytes(figure)


def social_share(by_source: dict, social_names: set, share) -> bytes:
    """Planned money by source as a pie, social capital pulled out; its share in the title."""
    items = [(name, _yuan(t.planned)) for name, t in by_source.items() if t.planned > 0]
    figure = Figure(figsize=(6.4, 4.4))
    axes = figure.subplots()
    if items:
        names, values = zip(*items)
        explode = [0.12 if n in social_names else 0 for n in names]
        axes.pie(values, labels=names, explode=explode, autopct="%1.1f%%", startangle=90,
                 counterclock=False, textprops={"fontsize": 9})
        axes.axis("equal")
    else:
        axes.text(0.5, 0.5, _("No funding recorded"), ha="center", va="center")
        axes.axis("off")
    percent = f"{float(share) * 100:.1f}%" if share is not None else "—"
    axes.set_title(_("Share of social capital in the funding plans: %(share)s", share=percent))
    return png_bytes(figure)
