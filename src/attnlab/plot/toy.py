"""The tutorial's figures for toy traces, and their extensions.

- `plot_weights`: listing 1's heatmap (Blues, numbers in cells, "Key (参照側)" / "Query (注目側)").
- `plot_pipeline`: listing 2's four panels x (YlGnBu) | scores (OrRd) | weights (Blues) | output (Greens).
- `plot_pipeline_qkv`: the same with the Q, K, V panels between x and the scores.
- `plot_heads`: one panel per head and their mean (the tutorial's step 3).
- `plot_seeds`: the same x under several seeds (its "change the seed and compare"; traces from
  `attnlab.run_seeds`).

What the figures promise: weights on a fixed 0-1 colour scale unless `scale="auto"` (named on the
figure either way; see `matrix.weight_scale`); masked (causal) cells grey, never a weight of 0 that
looks like a result, and said so where the mask acts (the scores panel); a temperature shown where
it acts (a "scores / T" panel before the softmax, and in the weights' title); every string in the
figure's one language (`lang`), the tutorial's English titles in English figures.
"""

from __future__ import annotations

import numpy as np
import torch
from matplotlib.figure import Figure

from ..i18n import t
from ..trace import AttentionTrace
from ._style import figure_style
from .matrix import heatmap, weight_scale


def _grow(low: float, want: float, high: float) -> float:
    """Figure inches: grow with the matrix, within bounds (cells shrink once the cap is reached)."""
    return min(high, max(low, want))


def _masked(trace: AttentionTrace) -> torch.Tensor | None:
    return ~torch.isfinite(trace.stages.scores[0]) if trace.causal else None


def _notes(trace: AttentionTrace, lang: str) -> list[str]:
    """Lines saying what acted on the weights: the temperature, the mask."""
    notes = []
    if trace.temperature != 1.0:
        notes.append(t("temperature_legend", lang, T=trace.temperature))
    if trace.causal:
        notes.append(t("masked_legend", lang))
    return notes


def plot_weights(trace: AttentionTrace, head: int | None = None, *, lang: str = "ja", fmt: str = ".2f",
                 scale: str = "fixed") -> Figure:
    """The weights heatmap: rows are queries (attending), columns keys (attended); head None = mean."""
    w = trace.pattern(0, head if trace.n_heads > 1 else 0)
    n = trace.n_tokens
    vmin, vmax, named = weight_scale([w], scale, lang, _masked(trace))
    with figure_style():
        fig = Figure(figsize=(_grow(5.0, 0.4 * n + 2.5, 14), _grow(4.0, 0.35 * n + 1.8, 12)), layout="constrained")
        ax = fig.subplots()
        title = t("title_weights", lang)
        if trace.n_heads > 1:
            title += " — " + (t("mean_of_heads", lang) if head is None else t("head_n", lang, h=head))
        title = "\n".join([title, *_notes(trace, lang)])
        labels = trace.token_labels
        img = heatmap(ax, w, labels, labels, cmap="Blues", title=title, fmt=fmt, mask=_masked(trace), cbar=False,
                      vmin=vmin, vmax=vmax)
        fig.colorbar(img, ax=ax, label=t("colorbar_weight", lang, scale=named))
        ax.set_xlabel(t("key", lang))
        ax.set_ylabel(t("query", lang))
    return fig


def _panels(trace: AttentionTrace, head: int, qkv: bool, lang: str) -> list[tuple]:
    """(matrix, column labels, cmap, title) for each panel of the pipeline, left to right."""
    st, labels = trace.stages, trace.token_labels
    d_cols = [f"d{i + 1}" for i in range(st.x.shape[1])]
    h_cols = [f"d{i + 1}" for i in range(st.Q.shape[-1])] if trace.n_heads > 1 else d_cols
    one = trace.n_heads == 1
    T = trace.temperature
    panels = [(st.x, d_cols, "YlGnBu", t("title_x", lang))]
    if qkv:
        panels += [(getattr(st, n)[head], h_cols, "PuOr", t(f"title_{n.lower()}", lang)) for n in "QKV"]
    out = st.output if one else st.head_outputs[head]
    panels.append((st.scores[head], labels, "OrRd", t("title_scores_masked" if trace.causal else "title_scores", lang)))
    if T != 1.0:  # the temperature acts between the scores and the softmax: show it there
        panels.append((st.scores[head] / T, labels, "OrRd", t("title_scaled", lang, T=T)))
    panels += [
        (st.weights[head], labels, "Blues", t("title_norm", lang) if T == 1.0 else t("title_norm_t", lang, T=T)),
        (out, h_cols, "Greens", t("title_out", lang)),
    ]
    return panels


def _plot_pipeline(trace: AttentionTrace, head: int, qkv: bool, lang: str, fmt: str, scale: str) -> Figure:
    panels = _panels(trace, head, qkv, lang)
    n = trace.n_tokens
    widths = [_grow(3.0, 0.45 * len(p[1]) + 1.5, 9) for p in panels]
    vmin, vmax, named = weight_scale([trace.stages.weights[head]], scale, lang, _masked(trace))
    with figure_style():
        fig = Figure(figsize=(sum(widths), _grow(4.0, 0.35 * n + 2.2, 9)), layout="constrained")
        axes = fig.subplots(1, len(panels), width_ratios=widths)
        for ax, (m, cols, cmap, title) in zip(axes, panels):
            mask = _masked(trace) if cmap in ("OrRd", "Blues") else None
            weights = cmap == "Blues"
            img = heatmap(ax, m, trace.token_labels, cols, cmap=cmap, title=title, fmt=fmt, mask=mask,
                          centered=cmap == "PuOr", cbar=not weights, vmin=vmin if weights else None,
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


def plot_heads(trace: AttentionTrace, *, lang: str = "ja", fmt: str = ".2f", scale: str = "fixed") -> Figure:
    """One weights panel per head plus their mean (the tutorial's "split into heads and average")."""
    mats = [(trace.pattern(0, h), t("head_n", lang, h=h)) for h in range(trace.n_heads)]
    mats.append((trace.pattern(0, None), t("mean_of_heads", lang)))
    return _grid(trace, mats, t("title_heads", lang, heads=trace.n_heads), lang, fmt, scale)


def plot_seeds(traces: list[AttentionTrace], *, lang: str = "ja", fmt: str = ".2f", scale: str = "fixed") -> Figure:
    """Toy traces of the same x under different seeds (`attnlab.run_seeds`): their weights side by side."""
    mats = [(tr.pattern(0, None if tr.n_heads > 1 else 0), t("title_seed", lang, seed=tr.spec.seed))
            for tr in traces]
    return _grid(traces[0], mats, t("title_seeds", lang), lang, fmt, scale)


def _grid(trace: AttentionTrace, mats: list[tuple[torch.Tensor, str]], suptitle: str, lang: str, fmt: str,
          scale: str) -> Figure:
    n, k = trace.n_tokens, len(mats)
    cols = min(k, 4)
    rows = -(-k // cols)
    side = _grow(3.2, 0.35 * n + 1.6, 7)
    labels = trace.token_labels
    vmin, vmax, named = weight_scale([m for m, _ in mats], scale, lang, _masked(trace))  # one for all panels
    with figure_style():
        fig = Figure(figsize=(cols * side + 0.6, rows * side + 0.8), layout="constrained")
        axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
        for ax, (m, title) in zip(axes, mats):
            heatmap(ax, m, labels, labels, cmap="Blues", title=title, fmt=fmt, mask=_masked(trace), cbar=False,
                    vmin=vmin, vmax=vmax)
            ax.set_xlabel(t("key", lang))
            ax.set_ylabel(t("query", lang))
        for ax in axes[k:]:
            ax.set_visible(False)
        fig.colorbar(axes[0].images[0], ax=list(axes[:k]), shrink=0.8, label=t("colorbar_weight", lang, scale=named))
        fig.suptitle("\n".join([suptitle, *_notes(trace, lang)]))
    return fig
