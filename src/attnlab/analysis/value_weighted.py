"""Value-weighted attention (Kobayashi et al. 2020, "Attention is Not Only a Weight").

A head adds sum_k w[q, k] f_h(k) to token q, with f_h(k) = v_k W_O^h: the key's value vector (its kv
head's, under grouped-query attention) times the head's slice of the output projection (columns
h*d_head .. (h+1)*d_head of W_O: `o_proj` in Llama, `attention.output.dense` in BERT). What reaches
token q from key k is therefore the vector w[q, k] f_h(k), of length

    ||w[q, k] f_h(k)|| = w[q, k] * ||f_h(k)||      (w >= 0)

A large weight on a key whose f_h(k) is short moves little. Its share per key,

    share[q, k] = w[q, k] ||f_h(k)|| / sum_k' w[q, k'] ||f_h(k')||,

is comparable with the weights themselves (both rows sum to 1). The known case: decoders' first
token and BERT's [CLS] / [SEP] take much of the weight, with short f_h: the "sink" carries little.
The output projection's bias is added once after the heads are summed, not per key, so it is left
out, as in the paper. The value bias is in v already.

N x N-free: ||f_h(k)|| is [head, k_pos] (O(N x d_head x d_model)); the row totals sum_k w ||f|| are
one pass over the score tiles (`trace.rows.weighted_row_sums`); the shares of a few keys are
gathers. Only the full map of one head (`value_weighted_pattern`) is N x N.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..errors import AttnlabError, NotKeptError
from ..i18n import Msg, tr_error
from ..trace import AttentionTrace
from ..trace.rows import weighted_row_sums


def _check(trace: AttentionTrace) -> None:
    if not trace.keeps_qkv:
        raise NotKeptError(
            f"value-weighted attention needs the captured values and the output projection; "
            f"this {type(trace).__name__} of {trace.model!r} keeps neither (the eager fallback keeps only weights)"
        )


def value_norms(trace: AttentionTrace, layer: int) -> torch.Tensor:
    """[head, k_pos] fp32: ||v_k W_O^h|| for every head and key."""
    _check(trace)
    w_o = trace.output_projection(layer).detach().float()  # [d_model, head * d_head]
    v = trace.qkv(layer).v.float()  # [kv_head, k_pos, d_head]
    n_heads, d_head = trace.n_heads, v.shape[-1]
    if w_o.shape[1] != n_heads * d_head:
        raise AttnlabError(
            f"{trace.model}: layer {layer}'s output projection takes {w_o.shape[1]} inputs, "
            f"not {n_heads} heads x {d_head} = {n_heads * d_head}"
        )
    group = n_heads // v.shape[0]
    out = torch.empty(n_heads, v.shape[1], device=v.device)
    for h in range(n_heads):  # one head at a time: [k_pos, d_model] at most
        out[h] = (v[h // group] @ w_o[:, h * d_head : (h + 1) * d_head].T).norm(dim=-1)
    return out


def value_weighted_pattern(trace: AttentionTrace, layer: int, head: int, *, share: bool = True) -> torch.Tensor:
    """[q_pos, k_pos] fp32 of one head: share[q, k] (rows sum to 1), or the norms w ||f|| (share=False)."""
    _check(trace)
    trace.check_layer_head(layer, head)
    vw = trace.pattern(layer, head) * value_norms(trace, layer)[head].to(torch.float32).cpu()
    if not share:
        return vw
    total = vw.sum(-1, keepdim=True)
    return torch.where(total > 0, vw / total.clamp_min(torch.finfo(torch.float32).tiny), torch.zeros_like(vw))


@dataclass(frozen=True)
class KeyMass:
    """How much of the attention goes to some keys, by weight and by value-weighted share."""

    name: str  # "first" (position 0: a decoder's first token, BERT's [CLS]) or "last" (a special last token: [SEP])
    positions: tuple[int, ...]  # the keys
    texts: tuple[str, ...]  # their tokens as shown
    weight: torch.Tensor  # [layer, head] mean over q = 1..N-1 of sum over the keys of w[q, k]
    value_weighted: torch.Tensor  # [layer, head] the same with share[q, k]


def key_groups(trace: AttentionTrace) -> dict[str, list[int]]:
    """{"first": [0], "last": [N-1] when the last token is a special one the tokenizer appended ([SEP])}."""
    last = trace.n_tokens - 1
    return {"first": [0], **({"last": [last]} if last > 0 and trace.tokens[last].special else {})}


def key_mass(trace: AttentionTrace, groups: dict[str, list[int]] | None = None) -> list[KeyMass]:
    """Weight mass vs value-weighted mass on each group of keys, per layer and head (N x N-free)."""
    _check(trace)
    groups = key_groups(trace) if groups is None else groups
    n = trace.n_tokens
    if n < 2:
        raise tr_error(AttnlabError, "err_too_few_tokens", what=Msg("what_key_mass"), needed=2, n=n)
    q = torch.arange(1, n)
    weight: dict[str, list[torch.Tensor]] = {g: [] for g in groups}  # per layer [head]
    valued: dict[str, list[torch.Tensor]] = {g: [] for g in groups}
    for layer in range(trace.n_layers):
        norms = value_norms(trace, layer)  # [head, k_pos]
        total = weighted_row_sums(trace, layer, norms)[:, q]  # [head, q] sum_k w ||f||
        lse = trace.lse(layer)[:, q]
        for g, keys in groups.items():
            w_sum = torch.zeros_like(total)
            vw_sum = torch.zeros_like(total)
            for k in keys:
                w = torch.exp(trace.pair_scores(layer, q, torch.full_like(q, k)) - lse)  # [head, q]
                w_sum += w
                vw_sum += w * norms[:, k : k + 1]
            weight[g].append(w_sum.mean(-1).cpu())
            valued[g].append((vw_sum / total.clamp_min(torch.finfo(torch.float32).tiny)).mean(-1).cpu())
    return [
        KeyMass(g, tuple(keys), tuple(trace.tokens[k].text for k in keys),
                torch.stack(weight[g]), torch.stack(valued[g]))
        for g, keys in groups.items()
    ]
