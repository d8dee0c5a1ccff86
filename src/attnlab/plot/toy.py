"""Toy figures that more than one caller draws, and the helpers of every toy figure.

The view's own figures live with their view (`views/heatmap/figures.py`: listing 1's weights;
`views/pipeline/figures.py`: listing 2's panels); here:
- `plot_heads`: one panel per head and their mean (the tutorial's step 3).
- `plot_seeds`: the same x under several seeds (its "change the seed and compare"; traces from
  `attnlab.run_seeds`; the CLI's `toy --seeds` and `demo`).
- `grow`, `masked`, `notes`: a figure's size, its hidden cells and the lines saying what acted.

What the figures promise: weights on a fixed 0-1 colour scale unless `scale="auto"` (named on the
figure either way; see `matrix.weight_scale`); masked (causal) cells grey, never a weight of 0 that
looks like a result, and said so where the mask acts (the scores panel); a temperature shown where
it acts (a "scores / T" panel before the softmax, and in the weights' title); every string in the
figure's one language (`lang`), the tutorial's English titles in English figures.
"""

from __future__ import annotations

import numpy as np
import torch
from matplotlib.figure import Figure

from ..i18n import t
from ..trace import AttentionTrace
from ._style import figure_style
from .matrix import heatmap, weight_scale


def grow(low: float, want: float, high: float) -> float:
    """Figure inches: grow with the matrix, within bounds (cells shrink once the cap is reached)."""
    return min(high, max(low, want))


def masked(trace: AttentionTrace) -> torch.Tensor | None:
    """[q_pos, k_pos] True where the causal mask hides a cell (drawn grey), or None without a mask."""
    return ~torch.isfinite(trace.stages.scores[0]) if trace.causal else None


def notes(trace: AttentionTrace, lang: str) -> list[str]:
    """Lines saying what acted on the weights: the temperature, the mask."""
    out = []
    if trace.temperature != 1.0:
        out.append(t("temperature_legend", lang, T=trace.temperature))
    if trace.causal:
        out.append(t("masked_legend", lang))
    return out


def plot_heads(trace: AttentionTrace, *, lang: str = "ja", fmt: str = ".2f", scale: str = "fixed") -> Figure:
    """One weights panel per head plus their mean (the tutorial's "split into heads and average")."""
    mats = [(trace.pattern(0, h), t("head_n", lang, h=h)) for h in range(trace.n_heads)]
    mats.append((trace.pattern(0, None), t("mean_of_heads", lang)))
    return _grid(trace, mats, t("title_heads", lang, heads=trace.n_heads), lang, fmt, scale)


def plot_seeds(traces: list[AttentionTrace], *, lang: str = "ja", fmt: str = ".2f", scale: str = "fixed") -> Figure:
    """Toy traces of the same x under different seeds (`attnlab.run_seeds`): their weights side by side."""
    mats = [(tr.pattern(0, None if tr.n_heads > 1 else 0), t("title_seed", lang, seed=tr.spec.seed))
            for tr in traces]
    return _grid(traces[0], mats, t("title_seeds", lang), lang, fmt, scale)


def _grid(trace: AttentionTrace, mats: list[tuple[torch.Tensor, str]], suptitle: str, lang: str, fmt: str,
          scale: str) -> Figure:
    n, k = trace.n_tokens, len(mats)
    cols = min(k, 4)
    rows = -(-k // cols)
    side = grow(3.2, 0.35 * n + 1.6, 7)
    labels = trace.token_labels
    vmin, vmax, named = weight_scale([m for m, _ in mats], scale, lang, masked(trace))  # one for all panels
    with figure_style():
        fig = Figure(figsize=(cols * side + 0.6, rows * side + 0.8), layout="constrained")
        axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
        for ax, (m, title) in zip(axes, mats):
            heatmap(ax, m, labels, labels, kind="weights", title=title, fmt=fmt, mask=masked(trace), cbar=False,
                    vmin=vmin, vmax=vmax)
            ax.set_xlabel(t("key", lang))
            ax.set_ylabel(t("query", lang))
        for ax in axes[k:]:
            ax.set_visible(False)
        fig.colorbar(axes[0].images[0], ax=list(axes[:k]), shrink=0.8, label=t("colorbar_weight", lang, scale=named))
        fig.suptitle("\n".join([suptitle, *notes(trace, lang)]))
    return fig
