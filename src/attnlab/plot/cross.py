"""An encoder-decoder's cross-attention as a figure: one head's [target x source] weights.

Rows are the decoder's tokens (queries, attending), columns the encoder's (keys, attended), labelled
as their parts label them ('3 is'; generated target tokens marked '*'). Weights on the colour scale
every weight figure uses (`matrix.weight_scale`: fixed 0-1, or "auto"); no cell is masked (every target
token sees every source token). Past `CROSS_FIGURE_CELLS` tokens on a side the map is max-pooled, as
`views.heatmap.figures.plot_head` pools a long head, so a thin line stays visible.
"""

from __future__ import annotations

import torch
from matplotlib.figure import Figure

from ..i18n import t
from ..models.parts import EncoderDecoderTraces
from ._style import figure_style
from .matrix import head_map, weight_scale

CROSS_FIGURE_CELLS = 1024  # cells a side at most (see views/heatmap/figures.HEAD_FIGURE_CELLS for why)


def plot_cross(pair: EncoderDecoderTraces, layer: int = 0, head: int | None = 0, *, lang: str = "ja",
               scale: str = "fixed") -> Figure:
    """One head's cross-attention weights [q_pos (target), k_pos (source)]; head=None: the mean over heads."""
    w = pair.cross.pattern(layer, head)  # [target, source]; checks layer and head
    rows, cols = pair.cross_labels()
    block = max(1, -(-max(w.shape) // CROSS_FIGURE_CELLS))
    if block > 1:
        w = torch.nn.functional.max_pool2d(w[None, None], block, ceil_mode=True)[0, 0]
        rows, cols = rows[::block], cols[::block]
    vmin, vmax, named = weight_scale([w], scale, lang)
    which = t("mean_of_heads", lang) if head is None else t("head_n", lang, h=head)
    title = t("title_cross_map", lang, model=pair.model, layer=t("layer_n", lang, layer=layer), which=which)
    if block > 1:
        title += "\n" + t("pooled_cells", lang, b=block)
    n_q, n_k = w.shape
    with figure_style():
        fig = Figure(figsize=(min(max(4.0, 0.32 * n_k + 3.0), 24.0), min(max(3.5, 0.32 * n_q + 2.5), 24.0)))
        head_map(fig, w, rows, cols, title=title, lang=lang, scale_name=named, vmin=vmin, vmax=vmax,
                 axes=(t("cross_source_axis", lang), t("cross_target_axis", lang)))
    return fig
