"""The heatmap: one head's weights (or the head mean), rows = Query (attending), columns = Key.

Figures: a toy's weights (the tutorial's listing 1 heatmap, the head mean when there are several
heads) and its per-head grid; a model's chosen head with position labels. Page tab: the zoomable
map with hover readout (assets/views/heatmap.js), drawn from the core weight maps every page has.
"""

from __future__ import annotations

from ..trace import AttentionTrace
from .base import FigureJob, FigureOptions, View


def figures(trace: AttentionTrace, opts: FigureOptions) -> dict[str, FigureJob]:
    from ..plot import layers, toy

    if trace.stages is not None:
        jobs = {"weights": FigureJob(lambda: toy.plot_weights(trace, None, lang=opts.lang, fmt=opts.fmt,
                                                                   scale=opts.scale))}
        if trace.n_heads > 1:
            jobs["heads"] = FigureJob(lambda: toy.plot_heads(trace, lang=opts.lang, fmt=opts.fmt, scale=opts.scale))
        return jobs
    which = "mean" if opts.head is None else f"H{opts.head}"
    make = lambda: layers.plot_head(trace, opts.layer, opts.head, lang=opts.lang, scale=opts.scale)  # noqa: E731
    return {f"{opts.stem}-L{opts.layer}-{which}": FigureJob(make, dpi=110)}


VIEW = View(name="heatmap", applies=lambda trace: True, figures=figures)
