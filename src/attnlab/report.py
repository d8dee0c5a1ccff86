"""The tutorial's printout, labelled in Japanese or English, and the explanation of its numbers.

The default format (`.4f`) prints the same digits as the tutorial's `print(tensor)` (torch prints 4
decimals); `fmt` changes it (the tutorial suggests `.2f`). Matrices get token labels on rows and
columns; wide matrices are cut to `MAX_COLS` columns with a note saying so.
"""

from __future__ import annotations

import unicodedata

import torch

from .analysis.explain import explain_weights
from .i18n import t
from .toy import ToyTrace

MAX_COLS = 12  # columns printed per matrix; JSON has all of them


def display_width(s: str) -> int:
    """Display width in a terminal: East Asian wide characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _pad(s: str, w: int, right: bool = True) -> str:
    fill = " " * max(0, w - display_width(s))
    return fill + s if right else s + fill


def format_matrix(
    m: torch.Tensor, rows: list[str], cols: list[str], fmt: str = ".4f", lang: str = "ja"
) -> str:
    """m: [row, col] as a labelled table; -inf (masked) prints as -inf."""
    shown = min(m.shape[1], MAX_COLS)
    cells = [[format(float(v), fmt) for v in row[:shown]] for row in m]
    heads = [c for c in cols[:shown]]
    colw = [max(display_width(heads[j]), *(display_width(r[j]) for r in cells)) for j in range(shown)]
    roww = max(display_width(r) for r in rows)
    lines = [_pad("", roww, False) + "  " + "  ".join(_pad(h, w) for h, w in zip(heads, colw))]
    for label, r in zip(rows, cells):
        lines.append(_pad(label, roww, False) + "  " + "  ".join(_pad(c, w) for c, w in zip(r, colw)))
    if shown < m.shape[1]:
        lines.append(t("truncated", lang, shown=shown, total=m.shape[1]))
    return "\n".join(lines)


def printout(trace: ToyTrace, lang: str = "ja", fmt: str = ".4f") -> str:
    """Input shape, scores, weights and output, as the tutorial prints them (per head when heads > 1)."""
    labels = trace.token_labels
    dims = [f"d{i + 1}" for i in range(trace.spec.d_model)]
    parts = [f"{t('shape', lang)} {trace.x.shape}"]
    for h in range(trace.n_heads):
        tag = "" if trace.n_heads == 1 else f" [{t('head', lang, h=h)}]"
        parts.append(f"{t('scores', lang)}{tag}\n{format_matrix(trace.scores[h], labels, labels, fmt, lang)}")
        parts.append(f"{t('weights', lang)}{tag}\n{format_matrix(trace.weights[h], labels, labels, fmt, lang)}")
    if trace.n_heads > 1:
        mean = format_matrix(trace.weights_mean, labels, labels, fmt, lang)
        parts.append(f"{t('weights', lang)} [{t('mean_of_heads', lang)}]\n{mean}")
    parts.append(f"{t('output', lang)}\n{format_matrix(trace.output, labels, dims, fmt, lang)}")
    return "\n\n".join(parts)


def explain(trace: ToyTrace, lang: str = "ja") -> str:
    """What the weights show, computed from them (per head, then the mean when heads > 1)."""
    labels = trace.token_labels
    title = {"ja": "読み取れること:", "en": "What the numbers show:"}[lang]
    blocks = []
    for h in range(trace.n_heads):
        text = explain_weights(
            trace.weights[h], labels, lang=lang, scores=trace.scores[h], temperature=trace.temperature,
            random_weights=True, d_head=trace.spec.d_head,
        )
        blocks.append(text if trace.n_heads == 1 else f"[{t('head', lang, h=h)}]\n{text}")
    return title + "\n" + "\n\n".join(blocks)


def report(trace: ToyTrace, lang: str = "ja", fmt: str = ".4f") -> str:
    """The printout followed by the explanation."""
    return printout(trace, lang, fmt) + "\n\n" + explain(trace, lang)
