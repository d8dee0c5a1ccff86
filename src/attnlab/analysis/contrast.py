"""Contrastive explanations of the toy: what a temperature, a mask, a seed or a head changed, against
the plain run, with the numbers before -> after, and what did not change.

Every plain run is recomputed from the trace's own stages, never guessed:

- temperature T: the weights at T = 1 are softmax(scores) of the kept scores (scores are stored
  before the temperature). softmax(s / T) multiplies every score difference by 1/T and keeps the
  order of the keys in each row (e^(s/T) is increasing in s): the ranking is checked, not assumed.
  In float32 a weight below ~1e-45 is 0 and one within ~6e-8 of 1 is 1, so at a small T keys ranked
  apart at T = 1 may tie: such ties are counted and said, never called a change of order.
- causal mask: the unmasked scores are Q K^T / sqrt(d_head) from the kept Q and K (the same
  operation as the toy's, on the same shapes). For a row q, softmax over the visible keys only is
  the unmasked row restricted to k <= q and divided by its sum: ratios among visible keys are kept.
- heads: each head's top key per row against the head mean's; max is convex, so in every row the
  mean map's maximum is never above the heads' average row maximum, and so for the averages over
  rows. That is all that holds: the mean can be sharper than some heads (a flat head averaged with a
  sharp one), and the text names them instead of saying "averaging flattens".
- seeds: the same x under other W_Q, W_K, W_V (`toy.run_seeds`): which key each row favours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from ..i18n import t
from ..numtext import exp_parts, num, printed
from ..trace import AttentionTrace

MAX_ROWS_LISTED = 8  # rows named in a contrast line; the rest are counted
RATIO_TOL = 1e-5  # |renormalised unmasked - masked| below this: "ratios kept" (fp32 rounding)


def _fmt_rows(items: list[str], lang: str) -> str:
    """Items joined, cut after MAX_ROWS_LISTED with a count of the rest."""
    shown = items[:MAX_ROWS_LISTED]
    more = len(items) - len(shown)
    return t("list_sep", lang).join(shown) + (t("and_more", lang, n=more) if more else "")


@dataclass(frozen=True)
class TemperatureContrast:
    """One head at temperature T against the same scores at T = 1."""

    temperature: float  # T
    top: list[tuple[int, int, float, float]]  # per row with 2+ visible keys: (q, k, weight at 1, weight at T)
    order_kept: bool  # no row puts a key below another at T that it put above it at T = 1
    tied: int  # pairs of keys apart at T = 1 that tie at T (weights rounded to 0 or 1 in float32)


def _order_changes(plain: torch.Tensor, hot: torch.Tensor) -> tuple[int, int]:
    """(pairs ranked the other way, pairs tied) at T among keys ranked apart at T = 1. plain, hot: [keys]."""
    above = plain[:, None] > plain[None, :]  # [key, key]: a above b at T = 1
    return int((above & (hot[:, None] < hot[None, :])).sum()), int((above & (hot[:, None] == hot[None, :])).sum())


def temperature_contrast(trace: AttentionTrace, head: int = 0) -> TemperatureContrast:
    st = trace.stages
    scores = st.scores[head].double()  # [q_pos, k_pos], before the temperature, -inf where masked
    plain = torch.softmax(scores, dim=-1)  # T = 1
    hot = st.weights[head].double()
    top, flipped, tied = [], 0, 0
    for q in range(scores.shape[0]):
        seen = torch.isfinite(scores[q])
        if int(seen.sum()) < 2:
            continue
        k = int(hot[q].argmax())
        top.append((q, k, float(plain[q, k]), float(hot[q, k])))
        f, ties = _order_changes(plain[q][seen], hot[q][seen])
        flipped, tied = flipped + f, tied + ties
    return TemperatureContrast(trace.temperature, top, flipped == 0, tied)


def explain_temperature(trace: AttentionTrace, head: int, lang: str) -> str:
    c = temperature_contrast(trace, head)
    labels = trace.token_labels
    items = [t("from_to", lang, q=labels[q], k=labels[k], a=a, b=b) for q, k, a, b in c.top]
    text = t("temp_effect", lang, T=c.temperature, f=1 / c.temperature, rows=_fmt_rows(items, lang))
    text += t("temp_kept" if c.order_kept else "temp_not_kept", lang)
    return text + (t("temp_tied", lang, n=c.tied) if c.tied else "")


@dataclass(frozen=True)
class MaskContrast:
    """One head with the causal mask against the same scores without it."""

    hidden: int  # cells hidden (k_pos > q_pos)
    # the row that lost the most weight to the mask: (q, its visible keys, unmasked w, masked w), keys by
    # masked weight, largest first; None when no row has both hidden and two visible keys
    example: tuple[int, list[int], list[float], list[float]] | None
    # (s[k0] - s[k1]) / T of the example's first two keys: their weight ratio is e^this, masked or not
    example_gap: float | None
    ratios_kept: bool  # every row's masked weights = its unmasked weights over k <= q, renormalised


def mask_contrast(trace: AttentionTrace, head: int = 0) -> MaskContrast:
    st = trace.stages
    d_head = st.Q.shape[-1]
    full = (st.Q[head] @ st.K[head].transpose(-2, -1)) / (d_head**0.5)  # [q_pos, k_pos], unmasked
    plain = torch.softmax(full.double() / trace.temperature, dim=-1)
    masked = st.weights[head].double()
    seen = torch.isfinite(st.scores[head])
    kept, example, gap, lost = True, None, None, -1.0
    for q in range(full.shape[0]):
        vis = seen[q]
        renorm = plain[q][vis] / plain[q][vis].sum()
        kept &= bool((renorm - masked[q][vis]).abs().max() < RATIO_TOL)
        hidden_mass = 1.0 - float(plain[q][vis].sum())
        if int(vis.sum()) >= 2 and not bool(vis.all()) and hidden_mass > lost:
            keys = sorted(vis.nonzero().flatten().tolist(), key=lambda k: -float(masked[q, k]))
            example, lost = (q, keys, plain[q][keys].tolist(), masked[q][keys].tolist()), hidden_mass
            gap = float(full[q, keys[0]].double() - full[q, keys[1]].double()) / trace.temperature
    return MaskContrast(int((~seen).sum()), example, gap, bool(kept))


def explain_mask(trace: AttentionTrace, head: int, lang: str) -> str:
    c = mask_contrast(trace, head)
    labels = trace.token_labels
    text = t("mask_effect", lang, n=c.hidden)
    if c.example is not None and c.example_gap is not None:
        q, keys, before, after = c.example
        arrow = t("arrow", lang)
        pairs = t("list_sep", lang).join(f"{labels[k]} {num(b, '.4f')} {arrow} {num(a, '.4f')}"
                                         for k, b, a in zip(keys[:4], before, after))
        gap, ratio = exp_parts(c.example_gap)
        text += t("mask_example", lang, q=labels[q], pairs=pairs, k0=labels[keys[0]], k1=labels[keys[1]],
                  gap=gap, ratio=ratio)
    return text + t("mask_kept" if c.ratios_kept else "mask_not_kept", lang)


@dataclass(frozen=True)
class HeadsContrast:
    """Every head's favourite key per row, against the head mean's."""

    tops: list[list[tuple[int, float]]]  # [head][q_pos] -> (k, weight); the mean last
    agree: int  # rows where every head's top key is the same
    mean_max: list[float]  # per head, then the mean: the average over rows of the row maximum


def heads_contrast(trace: AttentionTrace) -> HeadsContrast:
    maps = [trace.pattern(0, h).double() for h in range(trace.n_heads)] + [trace.pattern(0, None).double()]
    tops = [[(int(r.argmax()), float(r.max())) for r in w] for w in maps]
    n = maps[0].shape[0]
    agree = sum(len({tops[h][q][0] for h in range(trace.n_heads)}) == 1 for q in range(n))
    mean_max = [float(w.max(dim=-1).values.mean()) for w in maps]
    return HeadsContrast(tops, agree, mean_max)


def explain_heads(trace: AttentionTrace, lang: str) -> str:
    c = heads_contrast(trace)
    labels = trace.token_labels
    lines = [t("heads_title", lang)]
    for q, label in enumerate(labels[:MAX_ROWS_LISTED]):
        parts = [t("head_top", lang, h=h, k=labels[c.tops[h][q][0]], w=c.tops[h][q][1]) for h in range(trace.n_heads)]
        k, w = c.tops[-1][q]
        parts.append(t("mean_top", lang, k=labels[k], w=w))
        lines.append(f"- {label}: " + t("list_sep", lang).join(parts))
    if len(labels) > MAX_ROWS_LISTED:
        lines.append(t("and_more_rows", lang, n=len(labels) - MAX_ROWS_LISTED))
    sep = t("list_sep", lang)
    heads = sep.join(num(m, ".2f") for m in c.mean_max[:-1])
    average = sum(c.mean_max[:-1]) / trace.n_heads
    lines.append(t("heads_summary", lang, agree=c.agree, n=len(labels), heads=heads, mean=c.mean_max[-1],
                   avg=average))
    flatter = [h for h, m in enumerate(c.mean_max[:-1]) if printed(m) < printed(c.mean_max[-1])]
    if flatter:
        lines[-1] += t("heads_mean_sharper", lang, heads=sep.join(str(h) for h in flatter))
    return "\n".join(lines)


@dataclass(frozen=True)
class SeedsContrast:
    """The same x under several seeds: each row's favourite key and how sharp the rows are."""

    seeds: list[int | None]  # in the order given
    tops: list[list[tuple[int, float]]]  # [seed][q_pos] -> (k, weight), of the head mean when heads > 1
    changed: int  # rows whose top key is not the same under every seed
    mean_max: list[float]  # per seed: the average over rows of the row maximum


def seeds_contrast(traces: Sequence[AttentionTrace]) -> SeedsContrast:
    maps = [tr.pattern(0, None if tr.n_heads > 1 else 0).double() for tr in traces]
    tops = [[(int(r.argmax()), float(r.max())) for r in w] for w in maps]
    n = maps[0].shape[0]
    changed = sum(len({tops[s][q][0] for s in range(len(traces))}) > 1 for q in range(n))
    return SeedsContrast([tr.spec.seed for tr in traces], tops, changed,  # type: ignore[attr-defined]
                         [float(w.max(dim=-1).values.mean()) for w in maps])


def explain_seeds(traces: Sequence[AttentionTrace], lang: str) -> str:
    """What changed between seeds on the same x (and what did not)."""
    c = seeds_contrast(traces)
    labels = traces[0].token_labels
    lines = [t("seeds_title", lang)]
    for seed, tops, mm in zip(c.seeds, c.tops, c.mean_max):
        items = [t("row_top", lang, q=labels[q], k=labels[k], w=w) for q, (k, w) in enumerate(tops)]
        lines.append(t("seed_line", lang, seed=seed, rows=_fmt_rows(items, lang), m=mm))
    lo, hi = min(c.mean_max), max(c.mean_max)
    lines.append(t("seeds_summary", lang, changed=c.changed, n=len(labels), lo=lo, hi=hi))
    return "\n".join(lines)
