"""The model view's figures: a layer x head grid of small maps, and each layer's head mean.

Rows are queries, columns keys, as everywhere; each small map is block-averaged to at most
`GRID_PIXELS` a side. Weights on a fixed 0-1 scale unless `scale="auto"` (then each map its own,
said in the title).
"""

from __future__ import annotations

import torch
from matplotlib.figure import Figure

from ...i18n import t
from ...plot._style import WEIGHTS_CMAP, figure_style
from ...plot.matrix import weight_scale
from ...trace import AttentionTrace

GRID_PIXELS = 96  # small heatmaps in grids are block-averaged down to at most this many rows/columns


def _shrink(w: torch.Tensor, size: int = GRID_PIXELS) -> torch.Tensor:
    """Block-average [q_pos, k_pos] down to at most size x size (rows still sum to ~1 per block)."""
    n = w.shape[0]
    if n <= size:
        return w
    return torch.nn.functional.adaptive_avg_pool2d(w[None, None], (size, size))[0, 0]


def plot_grid(trace: AttentionTrace, *, layers: list[int] | None = None, lang: str = "ja",
              scale: str = "fixed") -> Figure:
    """A layer x head grid of small heatmaps (rows: layers, columns: heads); scale "auto": each cell its own."""
    layers = list(range(trace.n_layers)) if layers is None else layers
    rows, cols = len(layers), trace.n_heads
    limits, named = _limits(scale, lang)
    with figure_style():
        fig = Figure(figsize=(1.2 * cols + 0.8, 1.2 * rows + 0.8))
        axes = fig.subplots(rows, cols, squeeze=False)
        for r, layer in enumerate(layers):
            for h in range(cols):
                ax = axes[r][h]
                w = _shrink(trace.pattern(layer, h)).numpy()
                ax.imshow(w, cmap=WEIGHTS_CMAP, interpolation="nearest", **limits)
                ax.set_xticks([])
                ax.set_yticks([])
                if r == 0:
                    ax.set_title(f"H{h}", fontsize=8)
                if h == 0:
                    ax.set_ylabel(f"L{layer}", fontsize=8)
        fig.suptitle(f"{t('title_grid', lang, model=trace.model, n=trace.n_tokens)}\n{named}", fontsize=10)
        fig.tight_layout(rect=(0, 0, 1, 1 - 0.5 / fig.get_figheight()))
    return fig


def _limits(scale: str, lang: str) -> tuple[dict[str, float], str]:
    """Small maps' colour limits and their name: 0-1 (fixed), or each map its own range (auto)."""
    vmin, vmax, named = weight_scale([torch.zeros(1), torch.ones(1)], scale, lang)  # checks the name too
    return ({"vmin": vmin, "vmax": vmax}, named) if scale == "fixed" else ({}, t("scale_each", lang))


def plot_layer_means(trace: AttentionTrace, *, per_row: int = 6, lang: str = "ja", scale: str = "fixed") -> Figure:
    """The mean over heads of each layer, side by side (how attention changes with depth)."""
    n = trace.n_layers
    limits, named = _limits(scale, lang)
    rows = -(-n // per_row)
    cols = min(n, per_row)
    with figure_style():
        fig = Figure(figsize=(2.0 * cols + 0.5, 2.1 * rows + 0.6))
        axes = fig.subplots(rows, cols, squeeze=False)
        for i, ax in enumerate(axes.flat):
            ax.set_xticks([])
            ax.set_yticks([])
            if i >= n:
                ax.set_axis_off()
                continue
            ax.imshow(_shrink(trace.pattern(i, None)).numpy(), cmap=WEIGHTS_CMAP, interpolation="nearest", **limits)
            ax.set_title(t("layer_n", lang, layer=i), fontsize=8)
        fig.suptitle(f"{t('title_layer_means', lang, model=trace.model)}\n{named}", fontsize=10)
        fig.tight_layout(rect=(0, 0, 1, 1 - 0.4 / fig.get_figheight()))
    return fig
