"""The tutorial's figures for toy traces, and their extensions.

- `plot_weights`: listing 1's heatmap (Blues, numbers in cells, "Key (参照側)" / "Query (注目側)").
- `plot_pipeline`: listing 2's four panels x (YlGnBu) | scores (OrRd) | weights (Blues) | output (Greens).
- `plot_pipeline_qkv`: the same with the Q, K, V panels between x and the scores.
- `plot_heads`: one panel per head and their mean (the tutorial's step 3).
- `plot_seeds`: the same x under several seeds (its "change the seed and compare"; traces from
  `attnlab.run_seeds`).
Masked (causal) cells are drawn grey, never as a weight of 0 that looks like a result.
"""

from __future__ import annotations

import numpy as np
import torch
from matplotlib.figure import Figure

from ..i18n import t
from ..trace import AttentionTrace
from ._style import figure_style
from .matrix import heatmap


def _grow(low: float, want: float, high: float) -> float:
    """Figure inches: grow with the matrix, within bounds (cells shrink once the cap is reached)."""
    return min(high, max(low, want))


def _title(key: str, lang: str, **kw: object) -> str:
    """ja: the Japanese title over the tutorial's English one; en: the English one."""
    return t(key, lang, **kw) if lang == "en" else f"{t(key, 'ja', **kw)}\n{t(key, 'en', **kw)}"


def _masked(trace: AttentionTrace) -> torch.Tensor | None:
    return ~torch.isfinite(trace.stages.scores[0]) if trace.causal else None


def plot_weights(trace: AttentionTrace, head: int | None = None, *, lang: str = "ja", fmt: str = ".2f") -> Figure:
    """The weights heatmap: rows are queries (attending), columns keys (attended); head None = mean."""
    w = trace.pattern(0, head if trace.n_heads > 1 else 0)
    n = trace.n_tokens
    with figure_style():
        fig = Figure(figsize=(_grow(5.0, 0.4 * n + 2.5, 14), _grow(4.0, 0.35 * n + 1.8, 12)), layout="constrained")
        ax = fig.subplots()
        title = _title("title_weights", lang)
        if trace.n_heads > 1:
            title += " — " + (t("mean_of_heads", lang) if head is None else t("head_n", lang, h=head))
        labels = trace.token_labels
        heatmap(ax, w, labels, labels, cmap="Blues", title=title, fmt=fmt, mask=_masked(trace))
        ax.set_xlabel(t("key", lang))
        ax.set_ylabel(t("query", lang))
    return fig


def _panels(trace: AttentionTrace, head: int, qkv: bool, lang: str) -> list[tuple]:
    """(matrix, column labels, cmap, title) for each panel of the pipeline, left to right."""
    st, labels = trace.stages, trace.token_labels
    d_cols = [f"d{i + 1}" for i in range(st.x.shape[1])]
    h_cols = [f"d{i + 1}" for i in range(st.Q.shape[-1])] if trace.n_heads > 1 else d_cols
    one = trace.n_heads == 1
    panels = [(st.x, d_cols, "YlGnBu", _title("title_x", lang))]
    if qkv:
        panels += [(getattr(st, n)[head], h_cols, "PuOr", _title(f"title_{n.lower()}", lang)) for n in "QKV"]
    out = st.output if one else st.head_outputs[head]
    panels += [
        (st.scores[head], labels, "OrRd", _title("title_scores", lang)),
        (st.weights[head], labels, "Blues", _title("title_norm", lang)),
        (out, h_cols, "Greens", _title("title_out", lang)),
    ]
    return panels


def _plot_pipeline(trace: AttentionTrace, head: int, qkv: bool, lang: str, fmt: str) -> Figure:
    panels = _panels(trace, head, qkv, lang)
    n = trace.n_tokens
    widths = [_grow(3.0, 0.45 * len(p[1]) + 1.5, 9) for p in panels]
    with figure_style():
        fig = Figure(figsize=(sum(widths), _grow(4.0, 0.35 * n + 2.2, 9)), layout="constrained")
        axes = fig.subplots(1, len(panels), width_ratios=widths)
        for ax, (m, cols, cmap, title) in zip(axes, panels):
            mask = _masked(trace) if cmap in ("OrRd", "Blues") else None
            heatmap(ax, m, trace.token_labels, cols, cmap=cmap, title=title, fmt=fmt, mask=mask,
                    centered=cmap == "PuOr")
        if trace.n_heads > 1:
            fig.suptitle(t("head_n", lang, h=head))
    return fig


def plot_pipeline(trace: AttentionTrace, head: int = 0, *, lang: str = "ja", fmt: str = ".2f") -> Figure:
    """Listing 2's picture, x | scores | weights | output (one head's stages when heads > 1)."""
    trace.check_layer_head(0, head)
    return _plot_pipeline(trace, head, False, lang, fmt)


def plot_pipeline_qkv(trace: AttentionTrace, head: int = 0, *, lang: str = "ja", fmt: str = ".2f") -> Figure:
    """The pipeline with the Q, K, V panels: x | Q | K | V | scores | weights | output."""
    trace.check_layer_head(0, head)
    return _plot_pipeline(trace, head, True, lang, fmt)


def plot_heads(trace: AttentionTrace, *, lang: str = "ja", fmt: str = ".2f") -> Figure:
    """One weights panel per head plus their mean (the tutorial's "split into heads and average")."""
    mats = [(trace.pattern(0, h), t("head_n", lang, h=h)) for h in range(trace.n_heads)]
    mats.append((trace.pattern(0, None), t("mean_of_heads", lang)))
    return _grid(trace, mats, _title("title_heads", lang, heads=trace.n_heads), lang, fmt)


def plot_seeds(traces: list[AttentionTrace], *, lang: str = "ja", fmt: str = ".2f") -> Figure:
    """Toy traces of the same x under different seeds (`attnlab.run_seeds`): their weights side by side."""
    mats = [(tr.pattern(0, None if tr.n_heads > 1 else 0), t("title_seed", lang, seed=tr.spec.seed))
            for tr in traces]
    return _grid(traces[0], mats, _title("title_seeds", lang), lang, fmt)


def _grid(trace: AttentionTrace, mats: list[tuple[torch.Tensor, str]], suptitle: str, lang: str, fmt: str) -> Figure:
    n, k = trace.n_tokens, len(mats)
    cols = min(k, 4)
    rows = -(-k // cols)
    side = _grow(3.2, 0.35 * n + 1.6, 7)
    labels = trace.token_labels
    with figure_style():
        fig = Figure(figsize=(cols * side + 0.6, rows * side + 0.8), layout="constrained")
        axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
        vmax = max(float(m.max()) for m, _ in mats)  # one colour scale for every panel (one colorbar)
        for ax, (m, title) in zip(axes, mats):
            heatmap(ax, m, labels, labels, cmap="Blues", title=title, fmt=fmt, mask=_masked(trace), cbar=False,
                    vmax=vmax)
            ax.set_xlabel(t("key", lang))
            ax.set_ylabel(t("query", lang))
        for ax in axes[k:]:
            ax.set_visible(False)
        fig.colorbar(axes[0].images[0], ax=list(axes[:k]), shrink=0.8)
        fig.suptitle(suptitle)
    return fig
