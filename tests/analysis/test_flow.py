"""analysis.flow against a dense brute force: every part of every sum built from the full attention maps
(synthetic traces: the trace's own dense weights; the bundled models: q, k, v, the maps and the residual
stream recomputed from the model's weights and hidden states, not from the capture), importances and
the top-down graph computed again with plain loops. Importances agree within 1e-4 (other fp32 paths);
edges whose importance lies within 1e-4 of tau may fall either side and are left out of the comparison."""

from __future__ import annotations

import dataclasses
import math
import re

import pytest
import torch

import attnlab
from attnlab.analysis.flow import flow, flow_text, flow_to_dict, proportions
from attnlab.errors import AttnlabError, NotKeptError
from attnlab.models.api import encode, load
from attnlab.trace import Streams
from tests.analysis.conftest import CASES, synthetic_trace

TOL = 1e-4
QUOTED = r'(?:"[^"]*"|「[^」]*」)'
EDGE = rf"(\d+) ?{QUOTED} ?(?:->|→) ?(\d+) ?{QUOTED} (\d\.\d{{3}})"  # one printed attention edge, en or ja


def l1_share(parts: torch.Tensor, whole: torch.Tensor) -> torch.Tensor:
    """parts [k, d], whole [d] -> [k]: the paper's proportion, written out again in float64."""
    parts, whole = parts.double(), whole.double()
    num = torch.clamp(whole.abs().sum() - (whole[None] - parts).abs().sum(1), min=0.0)  # [k]
    return num / num.sum() if num.sum() > 0 else num


def dense_graph(layers: list[dict], token: int, tau: float) -> dict[tuple, tuple[float, tuple]]:
    """{(layer, from, to, kind): (importance, heads)} by brute force; layers[l]: A [H, N, N], P [H, N, d]
    (what head h carries from key j), x (resid_in), y (x + attention), m (ffn_in), o (m + ffn) [N, d]."""
    edges: dict[tuple, tuple[float, tuple]] = {}
    active = {token}
    for layer in reversed(range(len(layers))):
        L = layers[layer]
        n_heads, n, _ = L["A"].shape
        mids = set()
        for i in sorted(active):
            ffn, res = l1_share(torch.stack([L["o"][i] - L["m"][i], L["m"][i]]), L["o"][i]).tolist()
            for kind, v in (("ffn", ffn), ("ffn_residual", res)):
                if v > tau:
                    edges[(layer, i, i, kind)] = (v, ())
                    mids.add(i)
        active = set()
        for i in sorted(mids):
            z = L["A"][:, i, :, None].double() * L["P"].double()  # [H, N, d]
            shares = l1_share(torch.cat([z.reshape(n_heads * n, -1), L["x"][i][None]]), L["y"][i])
            per_head = shares[:-1].view(n_heads, n)
            for j in range(n):
                if per_head[:, j].sum() > tau:
                    edges[(layer, j, i, "attention")] = (float(per_head[:, j].sum()), tuple(per_head[:, j].tolist()))
                    active.add(j)
            if shares[-1] > tau:
                edges[(layer, i, i, "attn_residual")] = (float(shares[-1]), ())
                active.add(i)
    return edges


def assert_same_graph(graph, dense: dict, tau: float) -> None:
    ours = {(e.layer, e.source, e.target, e.kind): (e.importance, e.heads) for e in graph.edges}
    near = {key for key, (v, _) in dense.items() if abs(v - tau) < TOL}
    assert set(ours) - near == set(dense) - near, (set(ours) ^ set(dense))
    for key in set(dense) - near:
        assert abs(ours[key][0] - dense[key][0]) < TOL, (key, ours[key][0], dense[key][0])
        assert all(abs(a - b) < TOL for a, b in zip(ours[key][1], dense[key][1], strict=True))
    assert len(dense) > 5  # the comparison covers a real graph


# synthetic traces: every mask kind, streams made to add up --------------------------------------

def with_streams(trace, seed: int = 0, bias: bool = True):
    """The trace with a residual stream whose attention part is exactly the heads' sum (plus a bias)."""
    g = torch.Generator().manual_seed(seed)
    layers = []
    for layer, lq in enumerate(trace.layers_qkv):
        d_model, n = lq.out_proj.shape[0], trace.n_tokens
        P = head_values(trace, layer)
        attn = torch.einsum("hqk,hkd->qd", trace.head_weights(layer), P)
        attn = attn + (torch.randn(d_model, generator=g) if bias else 0)
        st = Streams(resid_in=torch.randn(n, d_model, generator=g), attn_out=attn,
                     ffn_out=torch.randn(n, d_model, generator=g))
        layers.append(dataclasses.replace(lq, streams=st))
    trace.layers_qkv = layers
    return trace


def head_values(trace, layer: int) -> torch.Tensor:
    qkv, w_o = trace.qkv(layer), trace.output_projection(layer).float()
    d = qkv.v.shape[-1]
    group = trace.n_heads // trace.n_kv_heads
    return torch.stack([qkv.v[h // group].float() @ w_o[:, h * d : (h + 1) * d].T for h in range(trace.n_heads)])


def synthetic_layers(trace) -> list[dict]:
    out = []
    for layer in range(trace.n_layers):
        st = trace.streams(layer)
        out.append({"A": trace.head_weights(layer), "P": head_values(trace, layer), "x": st.resid_in,
                    "y": st.resid_in + st.attn_out, "m": st.resid_in + st.attn_out,
                    "o": st.resid_in + st.attn_out + st.ffn_out})
    return out


@pytest.mark.parametrize("case", ["causal-gqa", "encoder", "causal-padded", "sliding-window", "softcap"])
def test_synthetic_traces_match_the_brute_force(case):
    trace = with_streams(synthetic_trace(**CASES[case]))
    for token, tau in ((trace.n_tokens - 1, 0.02), (3, 0.05)):
        assert_same_graph(flow(trace, token, tau), dense_graph(synthetic_layers(trace), token, tau), tau)


def test_a_block_that_is_not_the_heads_sum_is_refused():
    trace = with_streams(synthetic_trace(**CASES["causal-gqa"]))
    lq = trace.layers_qkv[2]
    bent = lq.streams.attn_out.clone()
    bent[5:] *= 1.5  # rows differ by more than one bias vector
    trace.layers_qkv[2] = dataclasses.replace(lq, streams=dataclasses.replace(lq.streams, attn_out=bent))
    with pytest.raises(AttnlabError, match="do not add up to what the attention block added"):
        flow(trace, trace.n_tokens - 1, 0.001)


def test_proportions_by_hand():
    whole = torch.tensor([1.0, 1.0])
    parts = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])  # ||y||=2; ||y-z|| = 1, 1, 3
    assert proportions(parts, whole).tolist() == [0.5, 0.5, 0.0]
    assert proportions(torch.zeros(2, 2), whole).tolist() == [0.0, 0.0]  # nothing carried: all 0, no NaN


def test_a_higher_threshold_keeps_a_subset():
    trace = with_streams(synthetic_trace(**CASES["causal-gqa"]))
    kept = [{(e.layer, e.source, e.target, e.kind) for e in flow(trace, 20, tau).edges} for tau in (0.01, 0.05, 0.2)]
    assert kept[2] <= kept[1] <= kept[0] and len(kept[2]) < len(kept[0])
    assert not flow(trace, 20, 1.0).edges  # no part exceeds the whole sum


def test_bad_input_is_one_clear_error():
    trace = with_streams(synthetic_trace(**CASES["causal-gqa"]))
    with pytest.raises(AttnlabError, match=r"token 23 is out of range: the text has tokens 0\.\.22"):
        flow(trace, 23)
    for tau in (0, -0.1, 1.5, math.nan):
        with pytest.raises(AttnlabError, match=r"is outside \(0, 1\]"):
            flow(trace, 0, tau)
    with pytest.raises(NotKeptError, match="streams=True"):
        flow(synthetic_trace(**CASES["causal-gqa"]), 0)


def test_printout_and_json_state_the_graph():
    for case, token in (("causal-gqa", 22), ("encoder", 4)):
        trace = with_streams(synthetic_trace(**CASES[case]))
        graph = flow(trace, token, 0.05)
        for lang in ("ja", "en"):
            text = flow_text(graph, lang, per_layer=100)
            shown = re.findall(EDGE, text)
            pairs = sorted((int(a), int(b), float(c)) for a, b, c in shown)
            want = sorted((e.source, e.target, round(e.importance, 3)) for e in graph.edges if e.kind == "attention")
            assert pairs == want and str(len(graph.edges)) in text.splitlines()[0]
        data = flow_to_dict(graph)
        assert data["edges"][0].keys() >= {"layer", "from", "to", "head", "importance"}
        assert len(data["edges"]) == len(graph.edges)


# the bundled models: the maps and streams recomputed from their weights ------------------------

def rope(t: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    half = t.shape[-1] // 2
    return t * cos + torch.cat((-t[..., half:], t[..., :half]), -1) * sin


def llama_layers(lm, ids: list[int]) -> list[dict]:
    base, n = lm.model.model, len(ids)
    with torch.no_grad():
        hs = base(input_ids=torch.tensor([ids]), output_hidden_states=True, use_cache=False).hidden_states
        x, out = hs[0][0], []
        cos, sin = base.rotary_emb(x[None], torch.arange(n)[None])
        for layer, block in enumerate(base.layers):
            att, xn = block.self_attn, block.input_layernorm(x)
            d = att.head_dim
            q = (xn @ att.q_proj.weight.T).view(n, -1, d).transpose(0, 1)
            k = (xn @ att.k_proj.weight.T).view(n, -1, d).transpose(0, 1)
            v = (xn @ att.v_proj.weight.T).view(n, -1, d).transpose(0, 1)
            group = q.shape[0] // k.shape[0]
            s = rope(q, cos[0], sin[0]) @ rope(k, cos[0], sin[0]).repeat_interleave(group, 0).transpose(1, 2)
            s = s * att.scaling
            A = s.masked_fill(torch.ones(n, n, dtype=torch.bool).triu(1), -math.inf).softmax(-1)
            w_o = att.o_proj.weight
            P = torch.stack([v[h // group] @ w_o[:, h * d : (h + 1) * d].T for h in range(q.shape[0])])
            y = x + torch.einsum("hqk,hkd->qd", A, P)
            o = y + block.mlp(block.post_attention_layernorm(y))
            if layer + 1 < len(base.layers):
                assert torch.allclose(o, hs[layer + 1][0], rtol=1e-4, atol=1e-3)  # the model's forward, recomputed
            out.append({"A": A, "P": P, "x": x, "y": y, "m": y, "o": o})
            x = o
    return out


def bert_layers(lm, text: str) -> list[dict]:
    model = lm.model
    with torch.no_grad():
        hs = model(**lm.tokenizer(text, return_tensors="pt"), output_hidden_states=True).hidden_states
        out = []
        for layer, block in enumerate(model.encoder.layer):
            x, sa = hs[layer][0], block.attention.self
            n, d = x.shape[0], sa.attention_head_size
            q, k, v = (lin(x).view(n, -1, d).transpose(0, 1) for lin in (sa.query, sa.key, sa.value))
            A = (q @ k.transpose(1, 2) / math.sqrt(d)).softmax(-1)
            dense = block.attention.output.dense
            P = torch.stack([v[h] @ dense.weight[:, h * d : (h + 1) * d].T for h in range(q.shape[0])])
            y = x + torch.einsum("hqk,hkd->qd", A, P) + dense.bias
            m = block.attention.output.LayerNorm(y)
            o = m + block.output.dense(block.intermediate(m))
            assert torch.allclose(block.output.LayerNorm(o), hs[layer + 1][0], rtol=1e-4, atol=1e-3)
            out.append({"A": A, "P": P, "x": x, "y": y, "m": m, "o": o})
    return out


@pytest.mark.model
@pytest.mark.parametrize("model", ["smollm2", "minilm"])
def test_bundled_models_match_the_brute_force(model):
    lm = load(model)
    text = "The capital of Japan is Tokyo, and the capital of France is Paris."
    trace = attnlab.run_text(text, model, streams=True)
    layers = llama_layers(lm, encode(lm, text).ids) if model == "smollm2" else bert_layers(lm, text)
    for token, tau in ((trace.n_tokens - 1, 0.04), (5, 0.1)):
        assert_same_graph(flow(trace, token, tau), dense_graph(layers, token, tau), tau)
