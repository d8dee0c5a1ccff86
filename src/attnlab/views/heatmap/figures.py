"""The heatmap's figures: a toy's weights (the tutorial's listing 1), one head of a real model.

`plot_weights`: rows are queries (attending), columns keys (attended), numbers in cells, on a fixed
0-1 colour scale unless `scale="auto"` (named on the figure: `plot.matrix.weight_scale`); masked
(causal) cells grey, and the temperature named where it acts. `plot_head`: one head (or the head
mean) of a real model with position labels ("3 is"), max-pooled past `HEAD_FIGURE_CELLS` tokens.
Both return a `Figure` built without pyplot (the drawing helpers are the library's, in `plot/`).
"""

from __future__ import annotations

import torch
from matplotlib.figure import Figure

from ...i18n import t
from ...plot._style import figure_style
from ...plot.matrix import head_map, heatmap, weight_scale
from ...plot.toy import grow, masked, notes
from ...trace import AttentionTrace

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


def plot_weights(trace: AttentionTrace, head: int | None = None, *, lang: str = "ja", fmt: str = ".2f",
                 scale: str = "fixed") -> Figure:
    """The weights heatmap: rows are queries (attending), columns keys (attended); head None = mean."""
    w = trace.pattern(0, head if trace.n_heads > 1 else 0)
    n = trace.n_tokens
    vmin, vmax, named = weight_scale([w], scale, lang, masked(trace))
    with figure_style():
        fig = Figure(figsize=(grow(5.0, 0.4 * n + 2.5, 14), grow(4.0, 0.35 * n + 1.8, 12)), layout="constrained")
        ax = fig.subplots()
        title = t("title_weights", lang)
        if trace.n_heads > 1:
            title += " — " + (t("mean_of_heads", lang) if head is None else t("head_n", lang, h=head))
        title = "\n".join([title, *notes(trace, lang)])
        labels = trace.token_labels
        img = heatmap(ax, w, labels, labels, kind="weights", title=title, fmt=fmt, mask=masked(trace), cbar=False,
                      vmin=vmin, vmax=vmax)
        fig.colorbar(img, ax=ax, label=t("colorbar_weight", lang, scale=named))
        ax.set_xlabel(t("key", lang))
        ax.set_ylabel(t("query", lang))
    return fig



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
    if trace.causal:
        title += "\n" + t("masked_legend", lang)
    with figure_style():
        fig = Figure(figsize=(side + 1.2, side))
        head_map(fig, w, labels, labels, title=title, lang=lang, scale_name=named, mask=hidden, vmin=vmin, vmax=vmax,
                 axes=(t("key_pos_axis", lang), t("query_pos_axis", lang)))
    return fig
