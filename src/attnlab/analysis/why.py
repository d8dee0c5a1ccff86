"""Why one cell's score is what it is: the dot product term by term, RoPE's share, the row around it.

For query i, key j of one head (k's head is h // (n_heads / n_kv_heads) under grouped-query attention):

    terms[d] = scale * q_i[d] * k_j[d]          d = 0 .. d_head - 1 (q, k as the attention received them)
    dot      = sum_d terms[d]
    score    = dot, then what the model applies after the dot product (`score_additions`: a soft cap,
               a position bias, an additive mask), i.e. the number its softmax took (before the toy's
               temperature T)
    weight   = exp(score / T - lse_i)               lse_i: the row's log-sum-exp (`trace.lse`)
    rank     = 1 + the number of keys in the row with a larger score (1: the row's largest)

RoPE (SmolLM2 and other Llama-style models): the captured q and k are rotated. Un-rotated with the
model's own cos / sin (`trace.extras.Rotary.unrotate`, exact), they are what the projections made of
the vectors' content, so

    content_score  = scale * unrot(q_i) . unrot(k_j)     what the score would be without positions
    position_score = dot - content_score                 what the rotation adds (or takes away)

Pair p (dimensions p and p + d_head/2) turns by (i - j) * inv_freq[p]: fast pairs (short wavelength
2 pi / inv_freq, in tokens) swing with every position, slow pairs barely move, so a band of fast pairs
carries position and a band of slow pairs mostly content. `bands` sums content and rotated terms over
consecutive pairs, fastest band first.

The toy keeps x, W_Q and W_K, so its dot goes back to the input: with A = W_Q^h (W_K^h)^T (the head's
columns), dot = scale * sum_{m, n} x_i[m] A[m, n] x_j[n]; `toy.pairs[m][n]` is each of those terms.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import torch

from ..errors import AttnlabError, NotKeptError
from ..i18n import t
from ..trace import AttentionTrace


@dataclass(frozen=True)
class Band:
    """Consecutive rotation pairs of one head, and their part of the content and rotated scores."""

    first_pair: int  # pairs first_pair .. last_pair (pair p: dimensions p and p + d_head / 2)
    last_pair: int
    wavelength: tuple[float, float]  # tokens per full turn of the band's fastest and slowest pair
    content: float  # the band's part of content_score (un-rotated q, k)
    rotated: float  # its part of dot (rotated q, k: content + position)


@dataclass(frozen=True)
class ToyTerms:
    """The toy's score traced back to x, W_Q and W_K (one head's columns)."""

    x_query: tuple[float, ...]  # x_i [d_model]
    x_key: tuple[float, ...]  # x_j [d_model]
    q: tuple[tuple[float, ...], ...]  # [d_model][d_head]: x_i[m] * W_Q[m, d]; column d sums to q_i[d]
    k: tuple[tuple[float, ...], ...]  # [d_model][d_head]: x_j[n] * W_K[n, d]; column d sums to k_j[d]
    pairs: tuple[tuple[float, ...], ...]  # [d_model][d_model]: scale * x_i[m] A[m, n] x_j[n]; they sum to dot


@dataclass(frozen=True)
class Why:
    """One cell of one head explained (see the module docstring for every definition)."""

    layer: int
    head: int
    query: int  # q_pos i
    key: int  # k_pos j
    query_text: str  # the tokens' texts
    key_text: str
    scale: float  # the score scale (usually 1 / sqrt(d_head))
    temperature: float  # the toy's softmax temperature (1 for models)
    terms: tuple[float, ...]  # [d_head] scale * q_i[d] * k_j[d]
    dot: float  # sum of the terms
    additions: tuple[str, ...]  # what the model applies after the dot product, in order
    score: float  # the score the softmax took (before the temperature)
    weight: float  # exp(score / T - lse)
    lse: float  # the row's log-sum-exp of score / T
    rank: int  # 1 + keys of the row with a larger score
    visible: int  # keys the row sees
    top_keys: tuple[tuple[int, float], ...]  # (k_pos, weight) of the row's largest weights
    content_score: float | None  # RoPE models: scale * unrot(q_i) . unrot(k_j); None without RoPE
    position_score: float | None  # dot - content_score
    bands: tuple[Band, ...]  # RoPE models: pairs grouped by frequency, fastest first
    toy: ToyTerms | None  # the toy: the score back to x, W_Q, W_K

    def top_dims(self, n: int = 5) -> list[int]:
        """The n dimensions with the largest |term|, largest first."""
        return sorted(range(len(self.terms)), key=lambda d: -abs(self.terms[d]))[:n]


def why(trace: AttentionTrace, layer: int, head: int, query: int, key: int, *, bands: int = 8,
        top: int = 5) -> Why:
    """Explain cell (query, key) of one head (see the module docstring). Needs q and k (`trace.qkv`)."""
    trace.check_layer_head(layer, head)
    n = trace.n_tokens
    for name, pos in (("query", query), ("key", key)):
        if isinstance(pos, bool) or not isinstance(pos, int) or not 0 <= pos < n:
            raise AttnlabError(f"{name} {pos!r} is out of range: the text has tokens 0..{n - 1}")
    if not isinstance(bands, int) or bands < 1:
        raise AttnlabError(f"bands must be a whole number of 1 or more, got {bands!r}")
    if not trace.keeps_qkv:
        raise NotKeptError(f"{trace.model}: this trace keeps no queries and keys, so a score cannot be split "
                           "into its terms (the eager fallback keeps only weights)")
    qkv = trace.qkv(layer)
    q = qkv.q[head, query].float()  # [d_head]
    k = qkv.k[head // (trace.n_heads // trace.n_kv_heads), key].float()  # [d_head]
    terms = q * k * qkv.scale  # [d_head]
    row = _row(trace, layer, head, query)
    score = float(row["logits"][key]) * trace.temperature
    if not math.isfinite(score):
        raise AttnlabError(_hidden_message(trace, query, key))
    rotary = _rotary_split(trace, layer, head, query, key, qkv.scale, bands)
    return Why(
        layer=layer, head=head, query=query, key=key,
        query_text=trace.tokens[query].text, key_text=trace.tokens[key].text,
        scale=float(qkv.scale), temperature=float(trace.temperature),
        terms=tuple(float(x) for x in terms), dot=float(terms.double().sum()),
        additions=trace.score_additions(layer), score=score,
        weight=float(row["weights"][key]), lse=float(row["lse"]),
        rank=1 + int((row["logits"] > row["logits"][key]).sum()), visible=int(torch.isfinite(row["logits"]).sum()),
        top_keys=_top_keys(row["weights"], top),
        content_score=None if rotary is None else rotary[0],
        position_score=None if rotary is None else rotary[1],
        bands=() if rotary is None else rotary[2],
        toy=_toy_terms(trace, head, query, key, float(qkv.scale)),
    )


def _row(trace: AttentionTrace, layer: int, head: int, query: int) -> dict[str, torch.Tensor]:
    """The query's whole row of one head: logits [k_pos] (hidden -inf), weights [k_pos], lse []."""
    logits = trace.row_scores(layer, torch.tensor([query]))[head, 0].float().cpu()  # [k_pos]
    lse = trace.lse(layer)[head, query].float().cpu()
    return {"logits": logits, "weights": torch.exp(logits - lse), "lse": lse}


def _top_keys(weights: torch.Tensor, top: int) -> tuple[tuple[int, float], ...]:
    values, keys = weights.topk(min(top, weights.numel()))
    return tuple((int(k), float(v)) for k, v in zip(keys, values, strict=True))


def _hidden_message(trace: AttentionTrace, query: int, key: int) -> str:
    if trace.causal and key > query:
        return (f"key {key} comes after query {query}: under the causal mask query {query} sees keys "
                f"0..{query} only (choose a key of 0..{query})")
    return f"the mask hides key {key} from query {query} (its score is -inf): choose a key the query sees"


def _rotary_split(trace: AttentionTrace, layer: int, head: int, query: int, key: int, scale: float,
                  n_bands: int) -> tuple[float, float, tuple[Band, ...]] | None:
    """(content_score, position_score, bands) from the un-rotated q and k; None without RoPE."""
    rotary = trace.rotary(layer)
    if rotary is None:
        return None
    qkv = trace.qkv(layer)
    group = trace.n_heads // trace.n_kv_heads
    q = qkv.q[head, query].float()  # [d_head] rotated
    k = qkv.k[head // group, key].float()
    qu = rotary.unrotate(q.unsqueeze(0), torch.tensor([query]))[0]  # [d_head] un-rotated
    ku = rotary.unrotate(k.unsqueeze(0), torch.tensor([key]))[0]
    half = q.shape[0] // 2
    content = (qu * ku * scale).double()  # [d_head]
    rotated = (q * k * scale).double()
    per_pair_c = content[:half] + content[half:]  # [pairs]
    per_pair_r = rotated[:half] + rotated[half:]
    wavelength = (2 * math.pi / rotary.inv_freq.double().cpu()).tolist()  # [pairs] tokens per turn
    bands = []
    for lo, hi in _band_edges(half, n_bands):
        bands.append(Band(first_pair=lo, last_pair=hi - 1, wavelength=(wavelength[lo], wavelength[hi - 1]),
                          content=float(per_pair_c[lo:hi].sum()), rotated=float(per_pair_r[lo:hi].sum())))
    content_score = float(content.sum())
    return content_score, float(rotated.sum()) - content_score, tuple(bands)


def _band_edges(pairs: int, n_bands: int) -> list[tuple[int, int]]:
    """[lo, hi) of n_bands consecutive groups of pairs, as equal as they can be (fewer when pairs < n_bands)."""
    n_bands = min(n_bands, pairs)
    edges = [round(b * pairs / n_bands) for b in range(n_bands + 1)]
    return list(itertools.pairwise(edges))


def _toy_terms(trace: AttentionTrace, head: int, query: int, key: int, scale: float) -> ToyTerms | None:
    stages = trace.stages
    if stages is None:
        return None
    d_head = stages.W_Q.shape[1] // trace.n_heads
    cols = slice(head * d_head, (head + 1) * d_head)
    w_q, w_k = stages.W_Q[:, cols].double(), stages.W_K[:, cols].double()  # [d_model, d_head]
    x_i, x_j = stages.x[query].double(), stages.x[key].double()  # [d_model]
    pairs = scale * x_i[:, None] * (w_q @ w_k.T) * x_j[None, :]  # [d_model, d_model]
    return ToyTerms(x_query=_floats(x_i), x_key=_floats(x_j), q=_rows(x_i[:, None] * w_q),
                    k=_rows(x_j[:, None] * w_k), pairs=_rows(pairs))


def _floats(t: torch.Tensor) -> tuple[float, ...]:
    return tuple(float(x) for x in t)


def _rows(t: torch.Tensor) -> tuple[tuple[float, ...], ...]:
    return tuple(_floats(r) for r in t)


# JSON and text ---------------------------------------------------------------------------------

def why_to_dict(w: Why, top_dims: int = 5) -> dict[str, Any]:
    """The JSON form (`attnlab why --format json`, the views' data): every field, bands as objects."""
    out: dict[str, Any] = {
        "layer": w.layer, "head": w.head, "query": w.query, "key": w.key,
        "query_token": w.query_text, "key_token": w.key_text,
        "score": w.score, "weight": w.weight, "rank": w.rank, "visible": w.visible, "lse": w.lse,
        "scale": w.scale, "temperature": w.temperature, "dot": w.dot, "additions": list(w.additions),
        "terms": list(w.terms), "top_dims": w.top_dims(top_dims),
        "top_keys": [{"key": k, "weight": v} for k, v in w.top_keys],
        "content_score": w.content_score, "position_score": w.position_score,
        "bands": [{"pairs": [b.first_pair, b.last_pair], "wavelength": list(b.wavelength), "content": b.content,
                   "rotated": b.rotated, "position": b.rotated - b.content} for b in w.bands],
    }
    if w.toy is not None:
        out["toy"] = {"x_query": list(w.toy.x_query), "x_key": list(w.toy.x_key),
                      "q_parts": [list(r) for r in w.toy.q], "k_parts": [list(r) for r in w.toy.k],
                      "pairs": [list(r) for r in w.toy.pairs]}
    return out


def why_text(w: Why, lang: str = "ja", top_dims: int = 5) -> str:
    """The printout of `attnlab why`: the cell, its score and weight in the row, the top terms, RoPE's split."""
    lines = [t("why_cell", lang, layer=w.layer, head=w.head, q=w.query, qt=w.query_text, k=w.key, kt=w.key_text),
             t("why_score", lang, score=w.score, dot=w.dot, d=len(w.terms), scale=w.scale)]
    if w.additions:
        lines.append(t("why_additions", lang, what=", ".join(w.additions), added=w.score - w.dot))
    lines.append(t("why_row", lang, weight=w.weight, rank=w.rank, visible=w.visible, lse=w.lse))
    if w.temperature != 1:
        lines.append(t("why_temperature", lang, T=w.temperature))
    lines.append(t("why_top_terms", lang) + " " + ", ".join(f"d{d} {w.terms[d]:+.4f}" for d in w.top_dims(top_dims)))
    if w.content_score is not None and w.position_score is not None:
        lines.append(t("why_rope", lang, content=w.content_score, position=w.position_score, dot=w.dot))
        for b in w.bands:
            lines.append(t("why_band", lang, lo=b.first_pair, hi=b.last_pair, w0=b.wavelength[0], w1=b.wavelength[1],
                           content=b.content, position=b.rotated - b.content))
    if w.toy is not None:
        lines.append(t("why_toy", lang, n=len(w.toy.pairs), dot=w.dot))
        lines += ["  " + " ".join(f"{v:+.4f}" for v in row) for row in w.toy.pairs]
    return "\n".join(lines)
