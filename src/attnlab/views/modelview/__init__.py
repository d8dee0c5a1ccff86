"""The model view: every layer x head as a small map (and each layer's head mean).

Figures (models with several layers): the layer x head grid and the head mean per layer.
Page tab: thumbnails that open in the heatmap (tab.js); a remote page of the app (a trace too long for
one page) asks the server for each layer's maps max-pooled (html/remote.py).
"""

from __future__ import annotations

from ...i18n import t
from ...trace import AttentionTrace
from ..base import FigureJob, FigureOptions, View

# Beyond this many tokens the grid and the layer means are left out of the figures: they need every
# head's full map (SmolLM2 at 8,192 tokens: 270 maps of 8,192^2, measured 527 s and 426 s on this
# 2-core CPU). The page's model view and `attnlab serve` show them at any length.
FIGURE_MAX_TOKENS = 2048


def figure_jobs(trace: AttentionTrace, opts: FigureOptions) -> dict[str, FigureJob]:
    if trace.stages is not None or trace.n_tokens > FIGURE_MAX_TOKENS:  # the toy's one layer: see heatmap
        return {}
    from . import figures

    return {
        f"{opts.stem}-grid": FigureJob(lambda: figures.plot_grid(trace, lang=opts.lang, scale=opts.scale), dpi=70),
        f"{opts.stem}-layer-means": FigureJob(
            lambda: figures.plot_layer_means(trace, lang=opts.lang, scale=opts.scale), dpi=110),
    }


def notes(trace: AttentionTrace, opts: FigureOptions) -> list[str]:
    if trace.stages is not None or trace.n_tokens <= FIGURE_MAX_TOKENS:
        return []
    return [t("figures_left_out", opts.lang, n=trace.n_tokens, limit=FIGURE_MAX_TOKENS,
              maps=trace.n_layers * trace.n_heads)]


VIEW = View(name="modelview", applies=lambda trace: True, figures=figure_jobs, figure_notes=notes, paired=True,
            labels=("head", "mean", "model_hint", "scale"))
