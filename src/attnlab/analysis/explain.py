"""What one weights matrix shows, row by row, computed from its numbers (Japanese or English).

Two measures per query row, defined once (the printout states them too):

    max weight   the largest weight in the row (against 1/n, the weight of a uniform row)
    evenness     H / log n, H = -sum w log w over the n keys the row may see (Pielou's evenness):
                 1 = exactly uniform, 0 = all weight on one key

and one label, decided by the measure it names as printed (2 decimals: a row printed "0.50" is
never "shared", one printed "0.95" never both), in this order:

    only      the row sees one key (the causal mask's first row): its weight is 1
    uniform   evenness >= 0.95        "nearly uniform"
    half      max weight >= 0.5       "at least half on <key>"
    shared    otherwise               "shared among several keys"

Why a row is flat or sharp: softmax turns scores into weights with w_i / w_j = e^((s_i - s_j) / T),
so the largest weight of a row is at most e^r times its smallest, where r is the range (max - min)
of that row's visible scores divided by the temperature T. A small r gives a flat row, a large r a
sharp one, whatever made the scores. Every row line states its r and e^r (`numtext.exp_text`: e^(r
as printed), in short scientific form when large, so any r prints); `explain_weights` says which
scores r is about (the printed ones are before the temperature).

For the toy the projections W_Q, W_K, W_V are random draws, not trained; that is true for every
seed and every row, so the caveat goes with every toy explanation (`random_caveat`), flat or sharp.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ..i18n import t
from ..numtext import exp_parts, printed

UNIFORM_AT = 0.95  # evenness at or above this: nearly uniform
HALF_AT = 0.5  # max weight at or above this (and not nearly uniform): at least half on one key


@dataclass(frozen=True)
class RowSummary:
    """What one query row of a weights matrix shows."""

    q_pos: int  # the attending token's position
    top_k_pos: int  # the key with the most weight
    top_weight: float  # its weight
    n_visible: int  # keys this row may attend to (q_pos + 1 when causal)
    evenness: float  # H / log n_visible (1 = uniform); 0 when only one key is visible
    kind: str  # "only", "uniform", "half" or "shared" (see the module docstring)
    score_range: float | None  # max - min of the visible scores / temperature, when scores are known


def _visible(weights: torch.Tensor, scores: torch.Tensor | None, q: int) -> torch.Tensor:
    """[k_pos] bool: the keys row q may see (finite scores; without scores, causal zeros count as hidden)."""
    if scores is not None:
        return torch.isfinite(scores[q])
    w = weights[q]
    seen = torch.ones_like(w, dtype=torch.bool)
    if weights.shape[0] == weights.shape[1] and bool((w[q + 1 :] == 0).all()):
        seen[q + 1 :] = False
    return seen


def kind_of(n_visible: int, evenness: float, top_weight: float) -> str:
    """The row's label, decided in the module docstring's order on the values as printed."""
    if n_visible == 1:
        return "only"
    if printed(evenness) >= UNIFORM_AT:
        return "uniform"
    return "half" if printed(top_weight) >= HALF_AT else "shared"


def summarize_rows(
    weights: torch.Tensor, scores: torch.Tensor | None = None, temperature: float = 1.0
) -> list[RowSummary]:
    """weights: [q_pos, k_pos] rows summing to 1; scores: [q_pos, k_pos] before the temperature, -inf
    where masked (None: no score range is given)."""
    rows = []
    for q, w in enumerate(weights.double()):
        seen = _visible(weights, scores, q)
        n = int(seen.sum())
        p = w[seen]
        h = float(-(p * p.clamp_min(1e-300).log()).sum())
        even = h / math.log(n) if n > 1 else 0.0
        top = int(w.argmax())
        spread = None
        if scores is not None and n > 1:
            s = scores[q][seen].double() / temperature
            spread = float(s.max() - s.min())
        rows.append(RowSummary(q, top, float(w[top]), n, even, kind_of(n, even, float(w[top])), spread))
    return rows


def _which_scores(temperature: float, lang: str) -> str:
    """The scores a range is about: the printed ones at T = 1, else the printed ones divided by T."""
    return t("range_of_scores", lang) if temperature == 1.0 else t("range_of_scaled", lang, T=temperature)


def _row_line(r: RowSummary, labels: list[str], lang: str, temperature: float) -> str:
    q, k = labels[r.q_pos], labels[r.top_k_pos]
    if r.kind == "only":
        return t("row_only_line", lang, q=q)
    kind = t(f"row_{r.kind}", lang, k=k)
    line = t("row_line", lang, q=q, k=k, w=r.top_weight, u=1 / r.n_visible, e=r.evenness, kind=kind)
    if r.score_range is not None:
        shown, ratio = exp_parts(r.score_range)
        line += t("row_range", lang, which=_which_scores(temperature, lang), r=shown, ratio=ratio)
    return line


def _summary(rows: list[RowSummary], lang: str, temperature: float) -> str:
    seen = [r for r in rows if r.kind != "only"]
    counts = {k: sum(r.kind == k for r in seen) for k in ("uniform", "half", "shared")}
    text = t("row_counts" if len(seen) == len(rows) else "row_counts_seen", lang, n=len(seen), **counts)
    ranges = [r.score_range for r in seen if r.score_range is not None]
    if ranges:
        lo, (hi, ratio) = min(ranges), exp_parts(max(ranges))
        key = "why_flat" if counts["uniform"] == len(seen) else "why_rows"
        text += t(key, lang, lo=lo, hi=hi, ratio=ratio, which=_which_scores(temperature, lang))
    return text


def explain_weights(
    weights: torch.Tensor,
    labels: list[str],
    *,
    lang: str = "ja",
    scores: torch.Tensor | None = None,
    temperature: float = 1.0,
) -> str:
    """One line per query row, then a summary computed from the rows (see the module docstring)."""
    rows = summarize_rows(weights, scores, temperature)
    lines = [_row_line(r, labels, lang, temperature) for r in rows]
    if any(r.kind != "only" for r in rows):
        lines.append(_summary(rows, lang, temperature))
    return "\n".join(lines)


def measures_line(lang: str) -> str:
    """The definitions of max weight and evenness, stated once above the rows."""
    return t("measures", lang, u=UNIFORM_AT, half=HALF_AT)


def random_caveat(seed: int | None, lang: str) -> str:
    """The caveat every toy explanation carries: the projections are random draws, not trained."""
    which = t("seed_none", lang) if seed is None else t("seed_n", lang, seed=seed)
    return t("random_caveat", lang, which=which)
