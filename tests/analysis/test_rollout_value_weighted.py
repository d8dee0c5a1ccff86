"""Rollout and value-weighted attention against direct dense computations on synthetic captured traces.

Rollout reference: A_hat = 0.5 * mean over heads + 0.5 * I, rows renormalised, multiplied from the
first layer up, written out here in fp64. Value-weighted reference: ||w[q, k] v_k W_O^h|| built as
explicit vectors. Tolerance 1e-5 (shares and rollout entries lie in [0, 1]).
"""

from __future__ import annotations

import pytest
import torch

from attnlab.analysis.rollout import rollout, rollout_rows, top_sources
from attnlab.analysis.value_weighted import key_groups, key_mass, value_norms, value_weighted_pattern
from attnlab.errors import AttnlabError

from .conftest import synthetic_trace


def dense_rollout(trace):
    out = None
    for layer in range(trace.n_layers):
        mean = torch.stack([trace.pattern(layer, h) for h in range(trace.n_heads)]).double().mean(0)
        a = 0.5 * mean + 0.5 * torch.eye(trace.n_tokens, dtype=torch.float64)
        a = a / a.sum(-1, keepdim=True)
        out = a if out is None else a @ out
    return out


def test_rollout_equals_the_dense_product(trace_case):
    torch.testing.assert_close(rollout(trace_case).double(), dense_rollout(trace_case), rtol=0, atol=1e-6)


def test_streamed_rows_equal_dense_rows(trace_case):
    rows = [0, trace_case.n_tokens // 2, trace_case.n_tokens - 1]
    dense = rollout(trace_case)
    for block in (4, 128):  # several row blocks, and one
        torch.testing.assert_close(rollout_rows(trace_case, rows, block=block), dense[rows], rtol=0, atol=1e-5)


def test_rollout_rows_reject_positions_outside_the_text():
    trace = synthetic_trace(n=10)
    with pytest.raises(AttnlabError, match=r"rollout rows \[10\]: give positions in 0..9"):
        rollout_rows(trace, [3, 10])
    with pytest.raises(AttnlabError, match="use rollout_rows"):
        rollout(trace, max_tokens=5)
    assert top_sources(torch.tensor([0.1, 0.7, 0.2]), ["a", "b", "c"], k=2) == [
        (1, "b", pytest.approx(0.7)), (2, "c", pytest.approx(0.2))]


def explicit_norms(trace, layer):
    """||v_{kv(h), k} W_O^h|| with W_O^h the head's columns of the output projection, as vectors."""
    w_o = trace.layers[layer].out_proj
    v = trace.qkv(layer).v
    group = trace.n_heads // trace.n_kv_heads
    d = v.shape[-1]
    return torch.stack([
        torch.stack([torch.linalg.vector_norm(w_o[:, h * d:(h + 1) * d] @ v[h // group, k])
                     for k in range(trace.n_tokens)])
        for h in range(trace.n_heads)
    ])


def test_value_norms_and_shares_equal_explicit_vectors(trace_case):
    for layer in range(trace_case.n_layers):
        norms = explicit_norms(trace_case, layer)
        torch.testing.assert_close(value_norms(trace_case, layer), norms, rtol=1e-5, atol=1e-5)
        for head in (0, trace_case.n_heads - 1):
            w = trace_case.pattern(layer, head)
            vw = w * norms[head]
            torch.testing.assert_close(value_weighted_pattern(trace_case, layer, head, share=False), vw,
                                       rtol=1e-5, atol=1e-6)
            share = vw / vw.sum(-1, keepdim=True)
            torch.testing.assert_close(value_weighted_pattern(trace_case, layer, head), share, rtol=0, atol=1e-5)


def test_key_mass_equals_dense_shares(trace_case):
    groups = {"first": [0], "pair": [1, 2]}
    masses = {m.name: m for m in key_mass(trace_case, groups)}
    for layer in range(trace_case.n_layers):
        for head in range(trace_case.n_heads):
            w = trace_case.pattern(layer, head)[1:]
            share = value_weighted_pattern(trace_case, layer, head)[1:]
            for name, keys in groups.items():
                assert masses[name].weight[layer, head] == pytest.approx(float(w[:, keys].sum(-1).mean()), abs=1e-5)
                assert masses[name].value_weighted[layer, head] == pytest.approx(
                    float(share[:, keys].sum(-1).mean()), abs=1e-5)


def test_key_groups_take_first_and_a_special_last_token():
    trace = synthetic_trace(n=9)
    assert key_groups(trace) == {"first": [0]}  # the synthetic tokens: only position 0 is special


def test_a_model_without_an_output_projection_is_named():
    trace = synthetic_trace(n=8, out_proj=False)
    with pytest.raises(AttnlabError, match=r"layer 0's Identity has no output projection attnlab understands "
                                           r"\(looked for a Linear with 48 inputs named o_proj, out_proj"):
        value_norms(trace, 0)


def test_output_projection_search():
    from attnlab.models.capture import find_output_projection

    class Llama(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.o_proj = torch.nn.Linear(12, 5)

    class SelfAttention(torch.nn.Module):
        pass

    class Bert(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.self = SelfAttention()
            self.output = torch.nn.Module()
            self.output.dense = torch.nn.Linear(12, 5)

    llama, bert = Llama(), Bert()
    assert find_output_projection(llama, None, 12) is llama.o_proj.weight
    assert find_output_projection(bert.self, bert, 12) is bert.output.dense.weight
    assert find_output_projection(bert.self, None, 12) is None  # the parent is where BERT keeps it
    assert find_output_projection(llama, None, 10) is None  # a Linear of the wrong width is not W_O


def test_traces_without_values_are_refused_and_the_toys_values_are_its_v():
    from attnlab.toy import run_toy

    from ..html.fakes import FakeTrace, words

    with pytest.raises(AttnlabError, match="value-weighted attention needs the captured values"):
        value_norms(FakeTrace(words(5)), 0)
    toy = run_toy(heads=2)  # no W_O: the output is the heads' outputs concatenated, so ||f_h(k)|| = ||V_h[k]||
    torch.testing.assert_close(value_norms(toy, 0), toy.stages.V.norm(dim=-1))
