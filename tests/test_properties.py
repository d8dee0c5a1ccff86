"""Properties of attention weights that must hold for any input (hypothesis)."""

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from attnlab.attention import attend, causal_mask
from attnlab.toy import ToySpec, run_toy

specs = st.builds(
    lambda n, heads, per_head, seed, temp, causal: ToySpec(
        tokens=tuple(f"t{i}" for i in range(n)), d_model=heads * per_head, heads=heads, seed=seed,
        temperature=temp, causal=causal),
    n=st.integers(1, 12), heads=st.integers(1, 4), per_head=st.integers(1, 6),
    seed=st.integers(0, 2**31 - 1), temp=st.floats(0.05, 20.0), causal=st.booleans(),
)


@settings(max_examples=60, deadline=None)
@given(specs)
def test_rows_sum_to_one_and_masked_weights_are_zero(spec):
    tr = run_toy(spec)
    assert torch.allclose(tr.stages.weights.sum(-1), torch.ones(spec.heads, len(spec.tokens)), atol=1e-5)
    assert (tr.stages.weights >= 0).all()
    if spec.causal:
        assert (tr.stages.weights.triu(1) == 0).all()
        assert torch.isneginf(tr.stages.scores[:, ~causal_mask(len(spec.tokens))]).all()


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 10), d=st.integers(1, 8), seed=st.integers(0, 10_000), data=st.data())
def test_permuting_tokens_permutes_rows_and_columns(n, d, seed, data):
    g = torch.Generator().manual_seed(seed)
    q, k, v = (torch.randn(n, d, generator=g, dtype=torch.float64) for _ in range(3))
    perm = torch.tensor(data.draw(st.permutations(list(range(n)))))
    out, _, w = attend(q, k, v)
    out_p, _, w_p = attend(q[perm], k[perm], v[perm])
    assert torch.allclose(w_p, w[perm][:, perm], atol=1e-12)
    assert torch.allclose(out_p, out[perm], atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 8), seed=st.integers(0, 10_000))
def test_low_temperature_tends_to_one_hot_and_high_to_uniform(n, seed):
    tr = run_toy(ToySpec(tokens=tuple(f"t{i}" for i in range(n)), d_model=4, seed=seed, temperature=1.0))
    scores = tr.stages.scores[0].double()
    top2 = scores.topk(2, dim=-1).values
    if (top2[:, 0] - top2[:, 1]).min() < 1e-3:  # a tie has no single row max to tend to
        return
    cold = run_toy(ToySpec(tokens=tr.spec.tokens, d_model=4, seed=seed, temperature=1e-4)).stages.weights[0]
    assert torch.equal(cold.argmax(-1), scores.argmax(-1))
    assert torch.allclose(cold.max(-1).values, torch.ones(n), atol=1e-3)
    hot = run_toy(ToySpec(tokens=tr.spec.tokens, d_model=4, seed=seed, temperature=1e6)).stages.weights[0]
    assert torch.allclose(hot, torch.full((n, n), 1 / n), atol=1e-4)
