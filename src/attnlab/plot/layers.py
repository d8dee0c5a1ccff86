"""Figures of a real model's attention: one head's heatmap, a layer x head grid, the head mean per layer.

Rows are queries (q_pos, the attending token), columns keys (k_pos, the attended token), as in the
tutorial's heatmap. Tick labels carry the position and the token ("3 is"), so repeated tokens stay
apart. Causal models show the cells their mask hides (k_pos > q_pos) in grey, not as computed zeros that
look like a result; encoders show the full matrix. Weights use a fixed 0-1 colour scale unless
`scale="auto"`, named on each figure (`matrix.weight_scale`); with many tokens every weight is small,
and "auto" (or the page's per-row and log scales) shows their shape.
Figures are built without pyplot (returned `Figure`s, nothing left registered with a GUI backend),
with IPAexGothic (from matplotlib-fontja, via `_style`) so Japanese tokens render.
"""

from __future__ import annotations

import torch
from matplotlib.figure import Figure

from ..i18n import t
from ..trace import AttentionTrace
from ._style import figure_style
from .matrix import heatmap, weight_scale

GRID_PIXELS = 96  # small heatmaps in grids are block-averaged down to at most this many rows/columns
# A head's figure with more tokens is max-pooled to at most this many cells a side: at 8,192 tokens
# drawing every cell took 74 s and 7.2 GB here; a max keeps a thin diagonal or column visible.
HEAD_FIGURE_CELLS = 1024


def _pool(w: torch.Tensor, hidden: torch.Tensor | None, labels: list[str], cells: int = HEAD_FIGURE_CELLS):
    """(map, hidden, labels, block): w [q_pos, k_pos] max-pooled in blocks of block x block tokens when
    larger than cells a side; a block is hidden only when all its cells are."""
    n = w.shape[0]
    if n <= cells:
        return w, hidden, labels, 1
    block = -(-n // cells)
    shown = w if hidden is None else w.masked_fill(hidden, -1.0)  # below every weight: a hidden cell
    pooled = torch.nn.functional.max_pool2d(shown[None, None], block, ceil_mode=True)[0, 0]
    return pooled.clamp_min(0.0), None if hidden is None else pooled < 0, labels[::block], block


def plot_head(trace: AttentionTrace, layer: int = 0, head: int | None = 0, *, lang: str = "ja",
              scale: str = "fixed") -> Figure:
    """One head's weights [q_pos, k_pos] (head=None: the mean over heads) with token labels."""
    w = trace.pattern(layer, head)  # [q_pos, k_pos]
    n = w.shape[0]
    hidden = torch.ones(n, n, dtype=torch.bool).triu(1) if trace.causal else None  # drawn grey
    w, hidden, labels, block = _pool(w, hidden, trace.position_labels())
    vmin, vmax, named = weight_scale([w], scale, lang, hidden)
    side = min(max(4.0, 0.32 * w.shape[0] + 2.5), 24.0)
    which = t("mean_of_heads", lang) if head is None else t("head_n", lang, h=head)
    title = t("title_head_map", lang, model=trace.model, layer=t("layer_n", lang, layer=layer), which=which)
    if block > 1:
        title += "\n" + t("pooled_cells", lang, b=block)
    with figure_style():
        fig = Figure(figsize=(side + 1.2, side))
        ax = fig.add_subplot()
        if trace.causal:
            title += "\n" + t("masked_legend", lang)
        img = heatmap(ax, w, labels, labels, cmap="Blues", title=title, mask=hidden, cbar=False, vmin=vmin, vmax=vmax)
        fig.colorbar(img, ax=ax, fraction=0.046, pad=0.04, label=t("colorbar_weight", lang, scale=named))
        ax.tick_params(labelsize=8)
        ax.set_xlabel(t("key_pos_axis", lang))
        ax.set_ylabel(t("query_pos_axis", lang))
        fig.tight_layout()
    return fig


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
                ax.imshow(w, cmap="Blues", interpolation="nearest", **limits)
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
            ax.imshow(_shrink(trace.pattern(i, None)).numpy(), cmap="Blues", interpolation="nearest", **limits)
            ax.set_title(t("layer_n", lang, layer=i), fontsize=8)
        fig.suptitle(f"{t('title_layer_means', lang, model=trace.model)}\n{named}", fontsize=10)
        fig.tight_layout(rect=(0, 0, 1, 1 - 0.4 / fig.get_figheight()))
    return fig
