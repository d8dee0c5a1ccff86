"""Figures of a real model's attention: one head's heatmap, a layer x head grid, the head mean per layer.

Rows are queries (q_pos, the attending token), columns keys (k_pos, the attended token), as in the
tutorial's heatmap. Tick labels carry the position and the token ("3 is"), so repeated tokens stay
apart. Causal models show the cells their mask hides (k_pos > q_pos) in grey, not as computed zeros that
look like a result; encoders show the full matrix.
Figures are built without pyplot (returned `Figure`s, nothing left registered with a GUI backend),
with IPAexGothic (from matplotlib-fontja, via `_style`) so Japanese tokens render.
"""

from __future__ import annotations

from collections.abc import Iterator

import matplotlib
import numpy as np
import torch
from matplotlib.figure import Figure

from ..trace import AttentionTrace
from ._style import figure_style, tick_step
from .toy import MASK_COLOR

ANNOTATE_MAX = 12  # at most this many tokens: print the weights in the cells
GRID_PIXELS = 96  # small heatmaps in grids are block-averaged down to at most this many rows/columns


def token_labels(trace: AttentionTrace) -> list[str]:
    """'position token' per position; generated tokens (decoders with --generate) get a '*'."""
    start = getattr(trace, "prompt_len", None)
    return [
        f"{i} {t.text}{'*' if start is not None and i >= start else ''}" for i, t in enumerate(trace.tokens)
    ]


def plot_head(trace: AttentionTrace, layer: int = 0, head: int | None = 0) -> Figure:
    """One head's weights [q_pos, k_pos] (head=None: the mean over heads) with token labels."""
    w = trace.pattern(layer, head).numpy()  # [q_pos, k_pos]
    n = w.shape[0]
    hidden = np.triu(np.ones_like(w, dtype=bool), 1) if trace.causal else np.zeros_like(w, dtype=bool)
    labels = token_labels(trace)
    side = min(max(4.0, 0.32 * n + 2.5), 24.0)
    with figure_style():
        fig = Figure(figsize=(side + 1.2, side))
        ax = fig.add_subplot()
        cmap = matplotlib.colormaps["Blues"].with_extremes(bad=MASK_COLOR)  # masked (future) cells: grey
        im = ax.imshow(np.ma.masked_array(w, hidden), cmap=cmap, vmin=0.0, vmax=max(float(w.max()), 1e-9),
                       interpolation="nearest")
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="weight")
        ticks = list(range(0, n, tick_step(n)))
        ax.set_xticks(ticks, [labels[i] for i in ticks], rotation=90, fontsize=8)
        ax.set_yticks(ticks, [labels[i] for i in ticks], fontsize=8)
        if n <= ANNOTATE_MAX:
            for (i, j), v in _cells(w):
                if hidden[i, j]:
                    continue
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7,
                        color="white" if v > 0.6 * w.max() else "black")
        which = "mean over heads" if head is None else f"head {head}"
        ax.set_title(f"{trace.model}: layer {layer}, {which}")
        ax.set_xlabel("Key (参照される側) k_pos")
        ax.set_ylabel("Query (注目する側) q_pos")
        fig.tight_layout()
    return fig


def _cells(w) -> Iterator[tuple[tuple[int, int], float]]:
    for i in range(w.shape[0]):
        for j in range(w.shape[1]):
            yield (i, j), float(w[i, j])


def _shrink(w: torch.Tensor, size: int = GRID_PIXELS) -> torch.Tensor:
    """Block-average [q_pos, k_pos] down to at most size x size (rows still sum to ~1 per block)."""
    n = w.shape[0]
    if n <= size:
        return w
    return torch.nn.functional.adaptive_avg_pool2d(w[None, None], (size, size))[0, 0]


def plot_grid(trace: AttentionTrace, *, layers: list[int] | None = None) -> Figure:
    """A layer x head grid of small heatmaps (rows: layers, columns: heads), one colour scale per cell."""
    layers = list(range(trace.n_layers)) if layers is None else layers
    rows, cols = len(layers), trace.n_heads
    with figure_style():
        fig = Figure(figsize=(1.2 * cols + 0.8, 1.2 * rows + 0.8))
        axes = fig.subplots(rows, cols, squeeze=False)
        for r, layer in enumerate(layers):
            for h in range(cols):
                ax = axes[r][h]
                ax.imshow(_shrink(trace.pattern(layer, h)).numpy(), cmap="Blues", interpolation="nearest")
                ax.set_xticks([])
                ax.set_yticks([])
                if r == 0:
                    ax.set_title(f"H{h}", fontsize=8)
                if h == 0:
                    ax.set_ylabel(f"L{layer}", fontsize=8)
        fig.suptitle(f"{trace.model}: every layer and head ({trace.n_tokens} tokens)", fontsize=10)
        fig.tight_layout(rect=(0, 0, 1, 1 - 0.5 / fig.get_figheight()))
    return fig


def plot_layer_means(trace: AttentionTrace, *, per_row: int = 6) -> Figure:
    """The mean over heads of each layer, side by side (how attention changes with depth)."""
    n = trace.n_layers
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
            ax.imshow(_shrink(trace.pattern(i, None)).numpy(), cmap="Blues", interpolation="nearest")
            ax.set_title(f"layer {i}", fontsize=8)
        fig.suptitle(f"{trace.model}: mean over heads, per layer", fontsize=10)
        fig.tight_layout(rect=(0, 0, 1, 1 - 0.4 / fig.get_figheight()))
    return fig
