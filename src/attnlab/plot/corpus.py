"""Figure of a corpus census: each score's mean over documents as a layers x heads grid.

Top row: the head census's text scores (docs/census.md); bottom row: the row statistics averaged
over every row. Heads that pass a role's rule on at least half of the documents are outlined in orange
(`CorpusSummary.shares`), so a head that is a sink on one text but not on most does not look like
one. Rows: layers (0 at the top), columns: heads, as in `plot.census.plot_atlas`.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..analysis.census import TEXT_SCORES
from ..analysis.census_text import score_label
from ..analysis.roles import ROLE_RULES
from ..corpus.document import ROW_SCORES
from ..corpus.summary import CorpusSummary
from ..i18n import t
from ._style import OUTLINE, WEIGHTS_CMAP, figure_style

OUTLINE_SHARE = 0.5  # outline heads past the role's rule on at least this share of documents
_DISTANCES = ("mean_distance", "rows_mean_distance")


def plot_corpus_means(summary: CorpusSummary, lang: str = "ja") -> Figure:
    """Two rows of layers x heads grids: census score means (top), row-statistic means (bottom)."""
    rows = [list(TEXT_SCORES), list(ROW_SCORES)]
    cols = max(len(r) for r in rows)
    with figure_style():
        cell_w = 0.17 * summary.n_heads + 1.0
        fig = Figure(figsize=(max(cell_w * cols, 7.0), 2 * (0.2 * summary.n_layers + 1.6) + 0.6))
        axes = fig.subplots(2, cols, squeeze=False)
        for r, names in enumerate(rows):
            for c in range(cols):
                ax = axes[r][c]
                if c >= len(names):
                    ax.set_axis_off()
                    continue
                _panel(fig, ax, summary, names[c], lang)
            axes[r][0].set_ylabel(t("layer", lang), fontsize=8)
        n = summary.totals["scored"]
        fig.suptitle(t("corpus_means_title", lang, model=summary.model, n=f"{n:,}"), fontsize=10)
        fig.tight_layout(rect=(0, 0, 1, 1 - 0.4 / fig.get_figheight()))
    return fig


def _panel(fig: Figure, ax, summary: CorpusSummary, name: str, lang: str) -> None:
    grid = summary.stats[name]["mean"]  # [layer, head]
    distance = name in _DISTANCES
    if name == "rows_entropy":
        top = max(float(np.nanmax(grid)), 1e-9)
    else:
        top = max(float(np.nanmax(grid)), 1e-9) if distance else 1.0
    img = ax.imshow(grid, cmap=WEIGHTS_CMAP, vmin=0.0, vmax=top, aspect="auto", interpolation="nearest")
    for rule in ROLE_RULES:
        if rule.score != name or rule.role not in summary.shares:
            continue
        for layer, head in np.argwhere(summary.shares[rule.role] >= OUTLINE_SHARE):
            ax.add_patch(Rectangle((head - 0.5, layer - 0.5), 1, 1, fill=False, lw=1.4, ec=OUTLINE))
    ax.set_title(score_label(name, lang), fontsize=8)
    step_h = max(1, summary.n_heads // 12)
    ax.set_xticks(range(0, summary.n_heads, step_h), [str(h) for h in range(0, summary.n_heads, step_h)], fontsize=6)
    step = max(1, summary.n_layers // 10)
    ax.set_yticks(range(0, summary.n_layers, step), [str(i) for i in range(0, summary.n_layers, step)], fontsize=7)
    ax.set_xlabel(t("head", lang), fontsize=8)
    fig.colorbar(img, ax=ax, fraction=0.08, pad=0.03).ax.tick_params(labelsize=6)
