"""The pipeline's figures: listing 2's panels x | scores | (scores / T) | weights | output, and the
same with the Q, K, V panels (`plot_pipeline_qkv`). One head's stages when the toy has several.

Masked (causal) cells grey and said so where the mask acts (the scores panel); the temperature shown
where it acts (a "scores / T" panel before the softmax, and in the weights' title). Two colour maps
(plot._style): the weights' sequential one, and one diverging map, centred on 0, for every signed
panel (x, Q, K, V, the scores, the output), as the page's pipeline draws them.
"""

from __future__ import annotations

from matplotlib.figure import Figure

from ...i18n import t
from ...plot._style import figure_style
from ...plot.matrix import heatmap, weight_scale
from ...plot.toy import grow, masked
from ...trace import AttentionTrace


def _panels(trace: AttentionTrace, head: int, qkv: bool, lang: str) -> list[tuple]:
    """(matrix, column labels, kind, title) for each panel of the pipeline, left to right (kind: "weights"
    or "signed", plot.matrix.heatmap's)."""
    st, labels = trace.stages, trace.token_labels
    d_cols = [f"d{i + 1}" for i in range(st.x.shape[1])]
    h_cols = [f"d{i + 1}" for i in range(st.Q.shape[-1])] if trace.n_heads > 1 else d_cols
    one = trace.n_heads == 1
    T = trace.temperature
    panels = [(st.x, d_cols, "signed", t("title_x", lang))]
    if qkv:
        panels += [(getattr(st, n)[head], h_cols, "signed", t(f"title_{n.lower()}", lang)) for n in "QKV"]
    out = st.output if one else st.head_outputs[head]
    scores = t("title_scores_masked" if trace.causal else "title_scores", lang)
    panels.append((st.scores[head], labels, "scores", scores))
    if T != 1.0:  # the temperature acts between the scores and the softmax: show it there
        panels.append((st.scores[head] / T, labels, "scores", t("title_scaled", lang, T=T)))
    panels += [
        (st.weights[head], labels, "weights", t("title_norm", lang) if T == 1.0 else t("title_norm_t", lang, T=T)),
        (out, h_cols, "signed", t("title_out", lang)),
    ]
    return panels


def _plot_pipeline(trace: AttentionTrace, head: int, qkv: bool, lang: str, fmt: str, scale: str) -> Figure:
    panels = _panels(trace, head, qkv, lang)
    n = trace.n_tokens
    widths = [grow(3.0, 0.45 * len(p[1]) + 1.5, 9) for p in panels]
    vmin, vmax, named = weight_scale([trace.stages.weights[head]], scale, lang, masked(trace))
    with figure_style():
        fig = Figure(figsize=(sum(widths), grow(4.0, 0.35 * n + 2.2, 9)), layout="constrained")
        axes = fig.subplots(1, len(panels), width_ratios=widths)
        for ax, (m, cols, what, title) in zip(axes, panels):
            mask = masked(trace) if what in ("scores", "weights") else None  # the mask acts from the scores on
            weights = what == "weights"
            img = heatmap(ax, m, trace.token_labels, cols, kind="weights" if weights else "signed", title=title,
                          fmt=fmt, mask=mask, cbar=not weights, vmin=vmin if weights else None,
                          vmax=vmax if weights else None)
            if weights:
                fig.colorbar(img, ax=ax, label=named)
        if trace.n_heads > 1:
            fig.suptitle(t("head_n", lang, h=head))
    return fig


def plot_pipeline(trace: AttentionTrace, head: int = 0, *, lang: str = "ja", fmt: str = ".2f",
                  scale: str = "fixed") -> Figure:
    """Listing 2's picture, x | scores | (scores / T) | weights | output (one head's stages when heads > 1)."""
    trace.check_layer_head(0, head)
    return _plot_pipeline(trace, head, False, lang, fmt, scale)


def plot_pipeline_qkv(trace: AttentionTrace, head: int = 0, *, lang: str = "ja", fmt: str = ".2f",
                      scale: str = "fixed") -> Figure:
    """The pipeline with the Q, K, V panels: x | Q | K | V | scores | (scores / T) | weights | output."""
    trace.check_layer_head(0, head)
    return _plot_pipeline(trace, head, True, lang, fmt, scale)
