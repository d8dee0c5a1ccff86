"""The heatmap: one head's weights (or the head mean), rows = Query (attending), columns = Key.

Figures: a toy's weights (the tutorial's listing 1 heatmap, the head mean when there are several
heads) and its per-head grid; a model's chosen head with position labels. Page tab: the zoomable
map with hover readout (tab.js), drawn from the core weight maps every page has.

The weight / value-weighted switch (Kobayashi et al. 2020; valueweighted.js): where the trace
has an output projection attnlab understands (`analysis.value_weighted.value_norms`), the page also
carries, for its layers, ||v_k W_O^h|| [layer, head, k_pos] and each row's exact total
sum_k w[q, k] ||v_k W_O^h|| [layer, head, q_pos] (`data.value_weighted_page_data`), and
the heatmap can show each cell's share of what the head moves. Traces without one (the toy, the eager
fallback, a model whose output projection is not recognised) carry nothing and show no switch.

The "why this score" panel (whypanel.js, whychart.js): a selected cell's score as its per-dimension
terms, its row's context, RoPE's content / position split, the toy's x W_Q / x W_K (analysis.why); the
cells a page file carries and the server's answer are `why.py`'s (its page_meta is this view's).
"""

from __future__ import annotations

import numpy as np

from ...errors import AttnlabError
from ...trace import AttentionTrace
from ..base import DataModule, FigureJob, FigureOptions, PageOptions, View
from . import why


def figure_jobs(trace: AttentionTrace, opts: FigureOptions) -> dict[str, FigureJob]:
    from ...plot import toy
    from . import figures

    if trace.stages is not None:
        jobs = {"weights": FigureJob(lambda: figures.plot_weights(trace, None, lang=opts.lang, fmt=opts.fmt,
                                                                  scale=opts.scale))}
        if trace.n_heads > 1:
            jobs["heads"] = FigureJob(lambda: toy.plot_heads(trace, lang=opts.lang, fmt=opts.fmt, scale=opts.scale))
        return jobs
    which = "mean" if opts.head is None else f"H{opts.head}"
    make = lambda: figures.plot_head(trace, opts.layer, opts.head, lang=opts.lang, scale=opts.scale)  # noqa: E731
    return {f"{opts.stem}-L{opts.layer}-{which}": FigureJob(make, dpi=110)}


def page_arrays(trace: AttentionTrace, page: PageOptions) -> dict[str, np.ndarray]:
    """vw_norms fp32 [layer, head, k_pos] and vw_totals fp32 [layer, head, q_pos] for the page's layers, or
    nothing when the trace has no output projection attnlab understands (the switch is then absent); and
    the why panel's carried cells (`why.page_arrays`)."""
    cells = why.page_arrays(trace, page)
    if trace.stages is not None or not trace.keeps_values or page.remote:  # remote: no switch (every layer's sums)
        return cells
    from .data import value_weighted_page_data

    try:
        data = value_weighted_page_data(trace, page.layers)
    except AttnlabError:  # no output projection, or one of another shape: no switch, nothing to say
        return cells
    return {"vw_norms": data["value_norms"], "vw_totals": data["row_totals"], **cells}


WHY_LABELS = ("computing", "head", "key", "layer", "query", "score", "temperature", "weight", "why_absent",
              "why_absent_py", "why_absent_toy", "why_added", "why_band_col", "why_band_name", "why_bands",
              "why_close", "why_dot",
              "why_formula", "why_hint", "why_lse", "why_masked", "why_mean", "why_panel", "why_rank",
              "why_rope_content", "why_rope_position", "why_scale", "why_terms", "why_top_dims", "why_top_keys",
              "why_toy_terms")  # the why panel's words (whypanel.js, whychart.js)

VIEW = View(name="heatmap", applies=lambda trace: True, figures=figure_jobs, page_arrays=page_arrays, paired=True,
            page_meta=why.page_meta,
            labels=("head", "hover_hint", "key", "layer", "legend_max", "masked", "no_scores", "precision",
                    "query", "reset", "scale", "score", "weight", "zoom_in", "zoom_out"),
            data_modules=(DataModule("valueweighted", "vw_norms",
                                     labels=("value_weighted", "vw_hint", "vw_mean", "vw_norm", "vw_option", "vw_share",
                                             "vw_show", "weight")),
                          DataModule("whypanel", "why", labels=WHY_LABELS)))
