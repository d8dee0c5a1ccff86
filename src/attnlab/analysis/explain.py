"""Explanations computed from the numbers, in Japanese or English.

For each query row: the key with the most weight and how much, and how concentrated the row is,
measured by its entropy H = -sum w log w against the uniform row's log n (n = keys the row may see):

    H / log n >= 0.95        nearly uniform (the row barely prefers any key)
    max weight >= 0.5        focused (one key takes at least half)
    otherwise                spread

When every row is nearly uniform the summary says why, from the scores: softmax turns a score
spread r (max - min within a row, after the temperature) into weights that differ by at most a
factor e^r, so small spreads mean near-uniform rows. For the toy, the projections are random draws,
not trained, which is why the spreads are small.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ..i18n import t

UNIFORM_AT = 0.95  # H / log n at or above this: nearly uniform
FOCUSED_AT = 0.5  # max weight at or above this: focused
SMALL_D = 16  # d_head up to this is called tiny when explaining near-uniform rows


@dataclass(frozen=True)
class RowSummary:
    """What one query row of a weights matrix shows."""

    q_pos: int  # the attending token's position
    top_k_pos: int  # the key with the most weight
    top_weight: float  # its weight
    n_visible: int  # keys this row may attend to (q_pos + 1 when causal)
    entropy_ratio: float  # H / log n_visible (1 = uniform); 0 when only one key is visible
    kind: str  # "only" (one key visible), "uniform", "focused" or "spread"
    score_spread: float | None  # max - min visible score / temperature, when scores are known


def summarize_rows(
    weights: torch.Tensor, scores: torch.Tensor | None = None, temperature: float = 1.0
) -> list[RowSummary]:
    """weights: [q_pos, k_pos] rows summing to 1; scores: [q_pos, k_pos] with -inf where masked."""
    rows = []
    for q, w in enumerate(weights.double()):
        visible = torch.isfinite(scores[q]) if scores is not None else torch.ones_like(w, dtype=torch.bool)
        if scores is None and weights.shape[0] == weights.shape[1] and bool((w[q + 1 :] == 0).all()):
            visible[q + 1 :] = False  # causal rows without scores: zeros above the diagonal are masked
        n = int(visible.sum())
        top = int(w.argmax())
        p = w[visible]
        h = float(-(p * p.clamp_min(1e-300).log()).sum())
        ratio = h / math.log(n) if n > 1 else 0.0
        spread = None
        if scores is not None and n > 1:
            s = scores[q][visible].double() / temperature
            spread = float(s.max() - s.min())
        kind = "only" if n == 1 else "uniform" if ratio >= UNIFORM_AT else (
            "focused" if float(w[top]) >= FOCUSED_AT else "spread")
        rows.append(RowSummary(q, top, float(w[top]), n, ratio, kind, spread))
    return rows


def _row_line(r: RowSummary, labels: list[str], lang: str) -> str:
    q, k = labels[r.q_pos], labels[r.top_k_pos]
    kind = t(f"row_{r.kind}", lang)
    if r.kind == "only":
        return t("row_only_line", lang, q=q, kind=kind)
    return t("row_line", lang, q=q, k=k, w=r.top_weight, u=1 / r.n_visible, ratio=r.entropy_ratio, kind=kind)


def _why_uniform(rows: list[RowSummary], lang: str, random_weights: bool, d_head: int | None) -> str:
    spreads = [r.score_spread for r in rows if r.score_spread is not None]
    top = max(r.top_weight for r in rows if r.kind != "only")
    if not spreads:
        return t("all_uniform", lang, top=top)
    r = max(spreads)
    text = t("all_uniform_why", lang, top=top, r=r, ratio=math.exp(r))
    if random_weights:
        small = t("random_small_d", lang, d=d_head) if d_head is not None and d_head <= SMALL_D else ""
        text += t("random_weights_why", lang, small=small)
    return text


def explain_weights(
    weights: torch.Tensor,
    labels: list[str],
    *,
    lang: str = "ja",
    scores: torch.Tensor | None = None,
    temperature: float = 1.0,
    random_weights: bool = False,
    d_head: int | None = None,
) -> str:
    """A paragraph per matrix: one line per query row, then a summary computed from the rows."""
    rows = summarize_rows(weights, scores, temperature)
    lines = [_row_line(r, labels, lang) for r in rows]
    seen = [r for r in rows if r.kind != "only"]
    if seen and all(r.kind == "uniform" for r in seen):
        lines.append(_why_uniform(seen, lang, random_weights, d_head))
    else:
        counts = {k: sum(r.kind == k for r in seen) for k in ("focused", "spread", "uniform")}
        lines.append(t("row_counts", lang, **counts))
    if temperature != 1.0:
        lines.append(t("temperature_note", lang, T=temperature))
    return "\n".join(lines)
