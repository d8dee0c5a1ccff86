"""Information-flow routes (Ferrando & Voita 2024): the graph by which one token's representation was built.

Each block adds to the residual stream, so the stream after it is a sum of parts:

    attention block, token i:  y_i = x_i + sum_{h, j} z_hij (+ W_O's bias)     z_hij = A_h[i, j] W_O^h v_h[j]
    feed-forward block:        o_i = m_i + f_i                                   m_i = y_i (pre-norm) or LN(y_i)

(x_i: the stream entering the layer, `Streams.resid_in`; v_h[j] the value of key j for head h; f_i the
feed-forward output). A part's importance is its proportion of the whole (the paper's, after ALTI):

    importance(z, y) = max(0, ||y||_1 - ||y - z||_1) / sum over the parts z' of max(0, ||y||_1 - ||y - z'||_1)

so the importances of one sum add up to 1 (W_O's bias is in y but is no part: no token carries it).
The graph is built top-down from the chosen token's last representation: at each layer, from the
nodes already in the graph, keep every edge whose importance exceeds the threshold tau and add its
source. Edges (layer l, token i):

    ffn           mid(l, i) -> out(l, i)   through the feed-forward block
    ffn_residual  mid(l, i) -> out(l, i)   the stream passed on
    attention     in(l, j)  -> mid(l, i)   token j through the heads: the sum over heads of z_hij's
                                           importances (each head's part kept, `heads`; `head` the largest)
    attn_residual in(l, i)  -> mid(l, i)   the stream passed on

with in(l, i) = out(l - 1, i) (in(0, i): the embedding). N x N-free: a row's weights are gathered
from q, k and its lse (`trace.pair_scores`), its parts z_hij computed a block of keys at a time, so
memory is the kept streams (O(layers x N x d_model)) plus one [head, N, d_model] projection of the
values per layer and a bounded working block. Time grows with the nodes kept (each costs
O(head x N x d_model)), i.e. with 1 / tau. docs/flow.md states the definition, limits and tau's effect.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from ..errors import AttnlabError, NotKeptError
from ..i18n import t
from ..trace import AttentionTrace

KINDS = ("attention", "attn_residual", "ffn", "ffn_residual")  # edge kinds, in the order of the docstring
DEFAULT_THRESHOLD = 0.04  # tau: the LLM Transparency Tool's default, which the paper's graphs use
BLOCK_FLOATS = 1 << 23  # working block of [head, rows, keys, d_model] parts: 32 MiB of fp32
BIAS_TOLERANCE = 1e-3  # rows' "added minus the heads' parts" may differ by this (relative): rounding only


@dataclass(frozen=True)
class Edge:
    """One kept edge of the graph (see the module docstring for the kinds)."""

    layer: int
    source: int  # token the information comes from (j; i itself for the residual and ffn kinds)
    target: int  # token whose stream it goes into (i)
    kind: str  # one of KINDS
    importance: float  # its proportion of the sum it is part of (0..1)
    head: int | None  # attention: the head carrying the largest part of it; None otherwise
    heads: tuple[float, ...]  # attention: each head's part (they sum to importance); () otherwise


@dataclass(frozen=True)
class FlowGraph:
    """The routes to one token's last representation, pruned at `threshold`."""

    model: str
    tokens: tuple[str, ...]  # every token's text
    token: int  # the token whose representation the graph explains
    threshold: float  # tau: edges of importance above it are kept
    n_layers: int
    edges: tuple[Edge, ...]  # top layer first; within a layer, ffn edges first

    def sources(self, layer: int) -> list[int]:
        """Tokens whose stream entering `layer` is in the graph (sources of its attention-block edges)."""
        return sorted({e.source for e in self.edges if e.layer == layer and e.kind in ("attention", "attn_residual")})


def proportions(parts: torch.Tensor, whole: torch.Tensor) -> torch.Tensor:
    """[part, ...]: max(0, ||whole||_1 - ||whole - part||_1), normalised to sum to 1 over the parts.

    parts [part, ..., d], whole [..., d]. Where every part's value is 0, all proportions are 0."""
    norm = whole.abs().sum(-1)  # [...]
    num = (norm - (whole - parts).abs().sum(-1)).clamp_min(0)  # [part, ...]
    den = num.sum(0)
    return torch.where(den > 0, num / torch.where(den > 0, den, torch.ones_like(den)), torch.zeros_like(num))


def flow(trace: AttentionTrace, token: int, threshold: float = DEFAULT_THRESHOLD) -> FlowGraph:
    """The information-flow graph of `token` at threshold `threshold` (see the module docstring)."""
    _check(trace, token, threshold)
    edges: list[Edge] = []
    active = [token]  # tokens whose out(layer) node is in the graph
    for layer in reversed(range(trace.n_layers)):
        if not active:
            break
        mids = _ffn_edges(trace, layer, active, threshold, edges)
        active = _attention_edges(trace, layer, mids, threshold, edges)
    return FlowGraph(model=trace.model, tokens=tuple(trace.token_texts), token=token, threshold=float(threshold),
                     n_layers=trace.n_layers, edges=tuple(edges))


def check_threshold(threshold: object) -> float:
    """The threshold as a float, or AttnlabError unless it is a number in (0, 1]."""
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 < threshold <= 1:
        raise AttnlabError(f"threshold {threshold!r} is outside (0, 1]: edges of importance above it are kept "
                           f"(the importances of one sum add up to 1); try {DEFAULT_THRESHOLD}")
    return float(threshold)


def _check(trace: AttentionTrace, token: int, threshold: float) -> None:
    n = trace.n_tokens
    if isinstance(token, bool) or not isinstance(token, int) or not 0 <= token < n:
        raise AttnlabError(f"token {token!r} is out of range: the text has tokens 0..{n - 1}")
    check_threshold(threshold)
    if not trace.keeps_values:
        raise NotKeptError(f"{trace.model}: the flow graph needs each layer's values and output projection, "
                           f"which this {type(trace).__name__} does not keep")
    trace.streams(0)  # NotKeptError naming how to keep them


def _ffn_edges(trace: AttentionTrace, layer: int, active: list[int], tau: float, edges: list[Edge]) -> list[int]:
    """Add the feed-forward block's kept edges into the active tokens; return the tokens whose mid node is kept."""
    if not active:
        return []
    st = trace.streams(layer)
    rows = torch.tensor(active)
    m, f = st.ffn_in[rows].float(), st.ffn_out[rows].float()  # [rows, d_model]
    imp = proportions(torch.stack([f, m]), m + f)  # [2, rows]: ffn, residual
    mids = []
    for r, i in enumerate(active):
        kept = [(kind, float(imp[p, r])) for p, kind in enumerate(("ffn", "ffn_residual")) if imp[p, r] > tau]
        edges += [Edge(layer, i, i, kind, value, None, ()) for kind, value in kept]
        if kept:
            mids.append(i)
    return mids


def _attention_edges(trace: AttentionTrace, layer: int, mids: list[int], tau: float, edges: list[Edge]) -> list[int]:
    """Add the attention block's kept edges into the mid nodes; return the tokens whose in(layer) node is kept."""
    if not mids:
        return []
    reached: set[int] = set()
    ref = 1 if mids[0] == 0 and trace.n_tokens > 1 else 0  # a row outside the graph, for the bias check
    keys = max(mids[-1], ref) + 1 if trace.causal else trace.n_tokens  # later keys: hidden from these rows
    values = _head_values(trace, layer, keys)  # [head, keys, d_model]
    rows_per_block = max(1, BLOCK_FLOATS // (values.numel() or 1))
    weights = _weights(trace, layer, torch.tensor([ref]), keys)  # [head, 1, keys]
    biases = [trace.streams(layer).attn_out[ref : ref + 1].float() - torch.bmm(weights, values).sum(0)]
    for b in range(0, len(mids), rows_per_block):
        block = mids[b : b + rows_per_block]
        heads_imp, resid_imp, bias = attention_importances(trace, layer, block, values)
        biases.append(bias)
        for r, i in enumerate(block):
            per_key = heads_imp[r].sum(0)  # [keys]
            for j in torch.nonzero(per_key > tau).flatten().tolist():
                parts = heads_imp[r, :, j]
                edges.append(Edge(layer, j, i, "attention", float(per_key[j]), int(parts.argmax()),
                                  tuple(float(x) for x in parts)))
                reached.add(j)
            if resid_imp[r] > tau:
                edges.append(Edge(layer, i, i, "attn_residual", float(resid_imp[r]), None, ()))
                reached.add(i)
    _check_bias(trace, layer, torch.cat(biases))
    return sorted(reached)


def _check_bias(trace: AttentionTrace, layer: int, bias: torch.Tensor) -> None:
    """What the attention block added minus the heads' parts must be one vector (W_O's bias, or 0) for
    every row (the graph's and one more): otherwise the block's output is not the heads' sum (a layout
    flow cannot read)."""
    spread = float((bias - bias[:1]).abs().max())
    if spread > BIAS_TOLERANCE * max(1.0, float(trace.streams(layer).attn_out.abs().max())):
        raise AttnlabError(f"{trace.model}: in layer {layer} the heads' outputs through W_O do not add up to what "
                           f"the attention block added to the stream (rows differ by {spread:.3g} beyond a bias), "
                           "so its information flow cannot be read from the heads")


def _head_values(trace: AttentionTrace, layer: int, keys: int) -> torch.Tensor:
    """[head, keys, d_model] fp32: v_h[j] W_O^h for the first `keys` keys (what head h carries from key j)."""
    v = trace.qkv(layer).v[:, :keys].float()  # [kv_head, keys, d_head]
    w_o = trace.output_projection(layer).detach().float()  # [d_model, head * d_head]
    n_heads, d_head = trace.n_heads, v.shape[-1]
    if w_o.shape[1] != n_heads * d_head:
        raise AttnlabError(f"{trace.model}: layer {layer}'s output projection takes {w_o.shape[1]} inputs, "
                           f"not {n_heads} heads x {d_head}")
    group = n_heads // v.shape[0]
    w = w_o.view(w_o.shape[0], n_heads, d_head).permute(1, 2, 0)  # [head, d_head, d_model]
    return torch.bmm(v.repeat_interleave(group, dim=0), w)  # [head, keys, d_model]


def attention_importances(trace: AttentionTrace, layer: int, rows: list[int],
                          values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """([rows, head, keys] importance of each z_hij, [rows] importance of the residual x_i, [rows, d_model]
    what the block added beyond the heads' parts: W_O's bias) for the attention block of `layer` at tokens
    `rows`; values: `_head_values` of at least max(rows) + 1 keys."""
    st = trace.streams(layer)
    n_heads, keys, d_model = values.shape
    idx = torch.tensor(rows)
    weights = _weights(trace, layer, idx, keys)  # [head, rows, keys]
    whole = st.attn_sum[idx]  # [rows, d_model]
    norm = whole.abs().sum(-1)  # [rows]
    num = torch.zeros(len(rows), n_heads, keys)
    chunk = max(1, BLOCK_FLOATS // (n_heads * len(rows) * d_model))
    for k0 in range(0, keys, chunk):
        w = weights[:, :, k0 : k0 + chunk]  # [head, rows, c]
        z = w.unsqueeze(-1) * values[:, None, k0 : k0 + chunk]  # [head, rows, c, d_model]
        dist = (whole[None, :, None, :] - z).abs_().sum(-1)  # [head, rows, c]
        part = (norm[None, :, None] - dist).clamp_min_(0).masked_fill_(w == 0, 0.0)  # hidden keys carry nothing
        num[:, :, k0 : k0 + chunk] = part.transpose(0, 1)
    resid = (norm - (whole - st.resid_in[idx].float()).abs().sum(-1)).clamp_min(0)  # [rows]
    den = num.sum((1, 2)) + resid
    safe = torch.where(den > 0, den, torch.ones_like(den))
    bias = st.attn_out[idx].float() - torch.bmm(weights, values).sum(0)  # [rows, d_model]
    return num / safe[:, None, None], resid / safe, bias


def _weights(trace: AttentionTrace, layer: int, rows: torch.Tensor, keys: int) -> torch.Tensor:
    """[head, rows, keys] fp32 attention weights of the given query rows over keys 0..keys-1."""
    q_pos = rows.repeat_interleave(keys)
    k_pos = torch.arange(keys).repeat(len(rows))
    logits = trace.pair_scores(layer, q_pos, k_pos).float().cpu()  # [head, rows * keys]
    lse = trace.lse(layer).float().cpu()[:, q_pos]
    return torch.exp(logits - lse).view(trace.n_heads, len(rows), keys)


# JSON and text ---------------------------------------------------------------------------------

def flow_to_dict(graph: FlowGraph) -> dict[str, Any]:
    """The JSON form (`attnlab flow --format json`, the views' data)."""
    return {
        "model": graph.model, "tokens": list(graph.tokens), "token": graph.token, "threshold": graph.threshold,
        "n_layers": graph.n_layers,
        "edges": [{"layer": e.layer, "from": e.source, "to": e.target, "kind": e.kind, "head": e.head,
                   "heads": list(e.heads), "importance": e.importance} for e in graph.edges],
    }


def flow_text(graph: FlowGraph, lang: str = "ja", per_layer: int = 5) -> str:
    """The printout: per layer, the attention edges by importance (at most `per_layer`), then a summary."""
    tok = graph.tokens
    lines = [t("flow_title", lang, i=graph.token, text=tok[graph.token], tau=graph.threshold, n=len(graph.edges))]
    for layer in reversed(range(graph.n_layers)):
        att = sorted((e for e in graph.edges if e.layer == layer and e.kind == "attention"),
                     key=lambda e: -e.importance)
        if not att:
            continue
        shown = ", ".join(t("flow_edge", lang, j=e.source, src=tok[e.source], i=e.target, dst=tok[e.target],
                            v=e.importance, h=e.head) for e in att[:per_layer])
        more = t("flow_more", lang, n=len(att) - per_layer) if len(att) > per_layer else ""
        lines.append(t("flow_layer", lang, layer=layer) + " " + shown + more)
    first = graph.sources(0)
    lines.append(t("flow_reached", lang, n=len(first), which=", ".join(f"{j} {tok[j]}" for j in first)))
    return "\n".join(lines)
