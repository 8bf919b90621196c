"""The portfolio heat map (matplotlib via core.charts, Chinese labels): likelihood x impact,
5 x 5, the number of open risks in each cell, cells coloured by band."""
from flask_babel import gettext as _
from matplotlib import pyplot as plt
from matplotlib.patches import Patch

from core.charts import png_bytes
from risk.enums import BANDS
from risk.scoring import band_of

BAND_COLORS = {"low": "#a5d6a7", "medium": "#fff59d", "high": "#ffb74d", "critical": "#e57373"}


def heatmap_png(counts: dict[tuple[int, int], int], title: str) -> bytes:
    """counts: (likelihood, impact) -> number of risks."""
    fig, ax = plt.subplots(figsize=(7.2, 6.4))
    for likelihood in range(1, 6):
        for impact in range(1, 6):
            band = band_of(likelihood * impact)
            n = counts.get((likelihood, impact), 0)
            ax.add_patch(plt.Rectangle((impact - 0.5, likelihood - 0.5), 1, 1,
                                       facecolor=BAND_COLORS.get(band, "#eeeeee"),
                                       edgecolor="white", linewidth=2))
            ax.text(impact, likelihood + 0.12, str(n), ha="center", va="center",
                    fontsize=18 if n else 13, fontweight="bold" if n else "normal",
                    color="#212121" if n else "#9e9e9e")
            ax.text(impact, likelihood - 0.3, f"{likelihood}×{impact}={likelihood * impact}",
                    ha="center", va="center", fontsize=7, color="#616161")
    ax.set_xlim(0.5, 5.5)
    ax.set_ylim(0.5, 5.5)
    ax.set_xticks(range(1, 6))
    ax.set_yticks(range(1, 6))
    ax.set_xlabel(_("Impact"))
    ax.set_ylabel(_("Likelihood"))
    ax.set_title(title)
    ax.set_aspect("equal")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(handles=[Patch(facecolor=BAND_COLORS[k], label=str(v)) for k, v in BANDS.items()],
              loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=4, frameon=False)
    return png_bytes(fig)
