"""Properties of attention weights that must hold for any input (hypothesis)."""

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from attnlab.attention import attend, causal_mask
from attnlab.toy import ToyInputError, ToySpec, run_toy

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


def assert_finite_or_refused(spec_kwargs):
    """Either every stage is finite (masked scores -inf) and rows sum to 1, or a clear ToyInputError."""
    try:
        tr = run_toy(**spec_kwargs)
    except ToyInputError as e:
        assert "float32" in str(e), str(e)  # the cause (float32's range) is named
        return
    n = len(tr.spec.tokens)
    for name in ("x", "Q", "K", "V", "weights", "head_outputs", "output"):
        assert torch.isfinite(getattr(tr.stages, name)).all(), name
    visible = causal_mask(n) if tr.spec.causal else torch.ones(n, n, dtype=torch.bool)
    assert torch.isfinite(tr.stages.scores[:, visible]).all() and torch.isneginf(tr.stages.scores[:, ~visible]).all()
    assert torch.allclose(tr.stages.weights.sum(-1), torch.ones(tr.spec.heads, n), atol=1e-5)


log_uniform = st.floats(-60, 60).map(lambda e: 10.0**e)  # 1e-60 .. 1e60: well past float32 at both ends


@settings(max_examples=80, deadline=None)
@given(temp=log_uniform, seed=st.integers(0, 2**32 - 1), causal=st.booleans(), n=st.integers(1, 6))
def test_any_temperature_gives_a_finite_trace_or_a_clear_refusal(temp, seed, causal, n):
    assert_finite_or_refused(dict(tokens=[f"t{i}" for i in range(n)], d_model=4, heads=2, seed=seed,
                                  temperature=temp, causal=causal))


@settings(max_examples=80, deadline=None)
@given(
    rows=st.lists(st.lists(st.one_of(log_uniform, log_uniform.map(lambda v: -v), st.just(0.0)),
                           min_size=4, max_size=4), min_size=1, max_size=5),
    temp=st.one_of(st.just(1.0), log_uniform),
    causal=st.booleans(),
)
def test_any_x_gives_a_finite_trace_or_a_clear_refusal(rows, temp, causal):
    assert_finite_or_refused(dict(tokens=[f"t{i}" for i in range(len(rows))], d_model=4, x=rows,
                                  temperature=temp, causal=causal))
