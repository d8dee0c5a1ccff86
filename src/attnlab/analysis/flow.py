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
DEFAULT_THRESHOLD = 0.04  # tau: the LLM Transparency Tool's default (its slider: 0.01 to 0.1)
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
    m, f = st.ffn_in(rows), st.ffn_out[rows].float()  # [rows, d_model]
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
    values = head_values(trace, layer, keys)
    rows_per_block = max(1, min(64, BLOCK_FLOATS // values.pt.shape[1]))
    biases = [_bias(trace, layer, [ref], _weights(trace, layer, [ref], keys), values)]  # a row beside the graph
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


@dataclass(frozen=True, eq=False)
class HeadValues:
    """What each head carries from each key of one layer, laid out for the importances' matrix products."""

    pt: torch.Tensor  # [d_model, head * keys] fp32: column h * keys + j is v_h[j] W_O^h
    top: torch.Tensor  # [head * keys] max_d |pt[d, column]|
    keys: int  # keys 0 .. keys - 1


def head_values(trace: AttentionTrace, layer: int, keys: int) -> HeadValues:
    """v_h[j] W_O^h for every head and the first `keys` keys (O(head x keys x d_model), once per layer)."""
    v = trace.qkv(layer).v[:, :keys].float()  # [kv_head, keys, d_head]
    w_o = trace.output_projection(layer).detach().float()  # [d_model, head * d_head]
    n_heads, d_head = trace.n_heads, v.shape[-1]
    if w_o.shape[1] != n_heads * d_head:
        raise AttnlabError(f"{trace.model}: layer {layer}'s output projection takes {w_o.shape[1]} inputs, "
                           f"not {n_heads} heads x {d_head}")
    w = w_o.view(w_o.shape[0], n_heads, d_head).permute(1, 0, 2)  # [head, d_model, d_head]
    pt = torch.bmm(w, v.repeat_interleave(n_heads // v.shape[0], dim=0).transpose(1, 2))  # [head, d_model, keys]
    pt = pt.permute(1, 0, 2).reshape(w_o.shape[0], -1).contiguous()  # [d_model, head * keys]
    return HeadValues(pt=pt, top=pt.abs().amax(0), keys=keys)


def attention_importances(trace: AttentionTrace, layer: int, rows: list[int],
                          values: HeadValues) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """([rows, head, keys] importance of each z_hij, [rows] importance of the residual x_i, [rows, d_model]
    what the block added beyond the heads' parts: W_O's bias) for the attention block of `layer` at tokens
    `rows`; values: `head_values` of at least max(rows) + 1 keys.

    With s = sign(y) (0 counted as +) and u = z_hij, per dimension |y| - |y - u| = s u - 2 relu(s u - |y|)
    (the three cases: u against y's sign, u with it and |u| <= |y|, u with it and past y). So a part's
    numerator is a (s . W_O^h v_h[j]) - 2 sum_d relu(s_d u_d - |y_d|): the first term one matrix product
    for a block of rows, the second non-zero only where u_d passes y_d, which `_crossings` finds without
    touching most parts. Exact: no term is dropped, only terms that are 0 are skipped.
    """
    st = trace.streams(layer)
    n_heads, keys = trace.n_heads, values.keys
    a = _weights(trace, layer, rows, keys)  # [rows, head * keys]
    whole = st.attn_sum(torch.tensor(rows))  # [rows, d_model]
    sign = torch.where(whole >= 0, 1.0, -1.0)  # [rows, d_model]
    num = (a * (sign @ values.pt) - 2 * _crossings(a, whole, sign, values)).clamp_min_(0)  # [rows, head * keys]
    norm = whole.abs().sum(-1)  # [rows]
    resid = (norm - (whole - st.resid_in[torch.tensor(rows)].float()).abs().sum(-1)).clamp_min(0)  # [rows]
    den = num.sum(1) + resid
    safe = torch.where(den > 0, den, torch.ones_like(den))
    imp = (num / safe[:, None]).view(len(rows), n_heads, keys)
    return imp, resid / safe, _bias(trace, layer, rows, a, values)


def _bias(trace: AttentionTrace, layer: int, rows: list[int], a: torch.Tensor, values: HeadValues) -> torch.Tensor:
    """[rows, d_model]: what the block added to these rows minus the heads' parts (a: [rows, head * keys])."""
    return trace.streams(layer).attn_out[torch.tensor(rows)].float() - a @ values.pt.T


def _crossings(a: torch.Tensor, whole: torch.Tensor, sign: torch.Tensor, values: HeadValues) -> torch.Tensor:
    """[rows, head * keys]: sum_d relu(s_d u_d - |y_d|), u = a * column of pt, for every part of every row.

    Per row, the k dimensions with the smallest |y_d| are summed for every part (u passes a small y_d
    easily; k = d_model / 32, the fastest of d_model / 8, 16, 32, 64 measured at 1,024 tokens); in the
    others u_d <= a * max|pt column| <= the (k+1)-th smallest |y_d| <= |y_d| for every part but the few
    with a * max|pt column| above it (0.2 to 2 % of them in SmolLM2 at k = 16, measured), summed in full."""
    absy = whole.abs()  # [rows, d_model]
    d_model = absy.shape[1]
    k = max(1, min(d_model - 1, d_model // 32))
    out = torch.zeros_like(a)
    for r in range(a.shape[0]):
        low = absy[r].topk(k + 1, largest=False)
        small, theta = low.indices[:k], low.values[k]
        u = a[r] * (sign[r, small, None] * values.pt[small])  # [k, parts]
        out[r] = (u - absy[r, small, None]).clamp_min_(0).sum(0)
        cand = torch.nonzero(a[r] * values.top > theta).flatten()
        if cand.numel():
            u = a[r, cand] * (sign[r, :, None] * values.pt[:, cand])  # [d_model, candidates]
            over = (u - absy[r, :, None]).clamp_min_(0)
            over[small] = 0  # counted above
            out[r, cand] += over.sum(0)
    return out


def _weights(trace: AttentionTrace, layer: int, rows: list[int], keys: int) -> torch.Tensor:
    """[rows, head * keys] fp32 attention weights of the given query rows over keys 0..keys-1 (column
    h * keys + j: head h, key j)."""
    idx = torch.tensor(rows)
    logits = trace.row_scores(layer, idx, keys).float().cpu()  # [head, rows, keys]
    w = torch.exp(logits - trace.lse(layer).float().cpu()[:, idx, None])
    return w.permute(1, 0, 2).reshape(len(rows), -1)


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
