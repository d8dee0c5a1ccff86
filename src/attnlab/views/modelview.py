"""The model view: every layer x head as a small map (and each layer's head mean).

Figures (models with several layers): the layer x head grid and the head mean per layer.
Page tab: thumbnails that open in the heatmap (assets/views/modelview.js).
"""

from __future__ import annotations

from ..trace import AttentionTrace
from .base import FigureJob, FigureOptions, View


def figures(trace: AttentionTrace, opts: FigureOptions) -> dict[str, FigureJob]:
    if trace.stages is not None:  # the toy's one layer: the heatmap view's per-head grid shows it
        return {}
    from ..plot import layers

    return {
        f"{opts.stem}-grid": FigureJob(lambda: layers.plot_grid(trace, lang=opts.lang, scale=opts.scale), dpi=70),
        f"{opts.stem}-layer-means": FigureJob(
            lambda: layers.plot_layer_means(trace, lang=opts.lang, scale=opts.scale), dpi=110),
    }


VIEW = View(name="modelview", applies=lambda trace: True, figures=figures)
