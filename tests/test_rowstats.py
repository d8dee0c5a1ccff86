"""Streaming row statistics equal those computed from the full matrices.

Reference: weights = torch.softmax of explicit scores (scale * q k^T, GQA heads repeated, masked
cells -inf), then `full_row_stats`. Tolerances: weights and entropies 1e-5 absolute; mean distances
1e-5 relative to the row length (they are measured in positions, up to N).
"""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from attnlab.errors import AttnlabError
from attnlab.rowstats import (
    STAT_NAMES,
    RowStats,
    full_row_stats,
    head_row_stats,
    layers_row_stats,
)

ATOL = 1e-5


def reference(q, k, *, scale, causal, key_mask=None):
    """Explicit scores -> torch.softmax -> full_row_stats, plus the weights for argmax checks."""
    group = q.shape[0] // k.shape[0]
    k_rep = k.float().repeat_interleave(group, dim=0)  # [head, k_pos, d_head]
    scores = scale * q.float() @ k_rep.transpose(1, 2)  # [head, q_pos, k_pos]
    n_q, n_k = q.shape[1], k.shape[1]
    visible = torch.ones(n_q, n_k, dtype=torch.bool)
    if causal:
        visible = torch.arange(n_k)[None, :] <= torch.arange(n_q)[:, None] + (n_k - n_q)
    if key_mask is not None:
        visible = visible & key_mask[None, :]
    weights = torch.softmax(scores.masked_fill(~visible, -math.inf), dim=-1)
    return full_row_stats(weights), weights


def assert_stats_close(got, want, weights, n_k):
    for name in ("max_weight", "entropy", "first_weight"):
        torch.testing.assert_close(got[name], want[name], atol=ATOL, rtol=0, equal_nan=True, msg=name)
    torch.testing.assert_close(
        got["mean_distance"], want["mean_distance"], atol=ATOL * max(n_k, 1), rtol=0, equal_nan=True
    )
    # argmax: the weight at the streamed argmax is the row's max (exact ties may pick either cell)
    seen = got["argmax"] >= 0
    assert torch.equal(seen, want["argmax"] >= 0)
    picked = weights.nan_to_num(0).gather(-1, got["argmax"].clamp_min(0).unsqueeze(-1)).squeeze(-1)
    torch.testing.assert_close(picked[seen], want["max_weight"][seen], atol=ATOL, rtol=0)


def make_qk(heads, kv_heads, n_q, n_k, d_head=16, seed=0, magnitude=1.0):
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(heads, n_q, d_head, generator=g) * magnitude
    k = torch.randn(kv_heads, n_k, d_head, generator=g) * magnitude
    return q, k


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize(
    ("heads", "kv_heads", "n", "tile", "q_block"),
    [
        (4, 4, 37, 8, 16),
        (9, 3, 50, 7, 13),
        (6, 2, 64, 64, 64),
        (3, 1, 1, 4, 4),
        (2, 2, 33, 1024, 512),
        (9, 3, 600, None, None),  # the defaults, over several blocks
    ],
)
def test_streaming_equals_full(causal, heads, kv_heads, n, tile, q_block):
    q, k = make_qk(heads, kv_heads, n, n, seed=n)
    scale = 1 / math.sqrt(q.shape[-1])
    got = head_row_stats(q, k, scale=scale, causal=causal, tile=tile, q_block=q_block)
    want, weights = reference(q, k, scale=scale, causal=causal)
    assert set(got) == set(STAT_NAMES)
    assert got["argmax"].dtype == torch.int64 and got["entropy"].dtype == torch.float32
    assert got["entropy"].shape == (heads, n)
    assert_stats_close(got, want, weights, n)


def test_argmax_matches_torch_exactly_on_random_input():
    """Exactly torch's argmax wherever the row's two largest weights differ by more than rounding.

    Tiled and full matmuls may round differently (CPU-dependent), so a near-tie may legitimately
    flip; such rows are covered by assert_stats_close (the picked weight is the row's max).
    """
    q, k = make_qk(9, 3, 70, 70, seed=3)
    got = head_row_stats(q, k, scale=0.25, causal=True, tile=9, q_block=11)
    want, weights = reference(q, k, scale=0.25, causal=True)
    top2 = weights.topk(2, dim=-1).values  # row 0 has one visible key: its second value is 0
    clear = (top2[..., 0] - top2[..., 1]) > 1e-4
    assert clear.float().mean() > 0.9  # the comparison covers nearly every row
    assert torch.equal(got["argmax"][clear], want["argmax"][clear])


@pytest.mark.parametrize("causal", [False, True])
def test_padding_mask_excludes_keys(causal):
    q, k = make_qk(4, 2, 40, 40, seed=5)
    key_mask = torch.ones(40, dtype=torch.bool)
    key_mask[:6] = False  # left padding: causal rows 0..5 see nothing
    key_mask[31:] = False  # and right padding
    got = head_row_stats(q, k, scale=0.3, causal=causal, key_mask=key_mask, tile=8, q_block=16)
    want, weights = reference(q, k, scale=0.3, causal=causal, key_mask=key_mask)
    assert_stats_close(got, want, weights, 40)
    if causal:
        assert torch.isnan(got["entropy"][:, :6]).all() and (got["argmax"][:, :6] == -1).all()
    assert (got["first_weight"][~torch.isnan(got["first_weight"])] == 0).all()  # key 0 is padding


def test_queries_fewer_than_keys_use_absolute_positions():
    q, k = make_qk(3, 3, 5, 23, seed=7)  # e.g. the last 5 queries against a cache of 23 keys
    for causal in (False, True):
        got = head_row_stats(q, k, scale=0.5, causal=causal, tile=4, q_block=2)
        want, weights = reference(q, k, scale=0.5, causal=causal)
        assert_stats_close(got, want, weights, 23)


@pytest.mark.parametrize("magnitude", [30.0, 300.0])
def test_extreme_scores_are_stable(magnitude):
    q, k = make_qk(4, 2, 45, 45, seed=11, magnitude=magnitude)  # scores of order 1e4 .. 1e6
    got = head_row_stats(q, k, scale=0.25, causal=True, tile=6, q_block=10)
    want, weights = reference(q, k, scale=0.25, causal=True)
    assert all(torch.isfinite(got[n]).all() for n in STAT_NAMES)
    assert_stats_close(got, want, weights, 45)


def test_uniform_rows_have_log_n_entropy():
    q = torch.zeros(2, 10, 8)  # every score 0: uniform over the visible keys
    k = torch.randn(1, 10, 8)
    got = head_row_stats(q, k, scale=1.0, causal=True, tile=3, q_block=4)
    visible = torch.arange(1, 11, dtype=torch.float32)  # row i sees i + 1 keys
    torch.testing.assert_close(got["entropy"][0], torch.log(visible), atol=ATOL, rtol=0)
    torch.testing.assert_close(got["max_weight"][1], 1 / visible, atol=ATOL, rtol=0)
    torch.testing.assert_close(got["mean_distance"][0], (visible - 1) / 2, atol=ATOL, rtol=0)
    assert (got["argmax"] == 0).all()  # ties: the first key, as torch.argmax


def test_half_precision_inputs_are_computed_in_fp32():
    q, k = make_qk(4, 2, 30, 30, seed=13)
    got = head_row_stats(q.bfloat16(), k.bfloat16(), scale=0.25, causal=False, tile=7)
    want, weights = reference(q.bfloat16(), k.bfloat16(), scale=0.25, causal=False)
    assert got["entropy"].dtype == torch.float32
    assert_stats_close(got, want, weights, 30)


@settings(max_examples=40, deadline=None)
@given(
    kv_heads=st.integers(1, 3),
    group=st.integers(1, 3),
    n_q=st.integers(1, 40),
    extra_keys=st.integers(0, 10),
    tile=st.integers(1, 50),
    q_block=st.integers(1, 50),
    causal=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_property_streaming_equals_full(kv_heads, group, n_q, extra_keys, tile, q_block, causal, seed):
    n_k = n_q + extra_keys
    q, k = make_qk(kv_heads * group, kv_heads, n_q, n_k, d_head=8, seed=seed, magnitude=2.0)
    key_mask = torch.rand(n_k, generator=torch.Generator().manual_seed(seed)) > 0.2
    key_mask[-1] = True
    got = head_row_stats(q, k, scale=0.4, causal=causal, key_mask=key_mask, tile=tile, q_block=q_block)
    want, weights = reference(q, k, scale=0.4, causal=causal, key_mask=key_mask)
    assert_stats_close(got, want, weights, n_k)


def test_bad_inputs_name_the_value():
    q, k = make_qk(4, 3, 5, 5)
    with pytest.raises(AttnlabError, match="not a multiple"):
        head_row_stats(q, k, scale=1.0, causal=False)
    q, k = make_qk(4, 2, 6, 5)
    with pytest.raises(AttnlabError, match="6 queries but 5 keys"):
        head_row_stats(q, k, scale=1.0, causal=True)
    q, k = make_qk(2, 2, 5, 5)
    with pytest.raises(AttnlabError, match="key_mask has shape"):
        head_row_stats(q, k, scale=1.0, causal=False, key_mask=torch.ones(4, dtype=torch.bool))
    with pytest.raises(AttnlabError, match="hides every key"):
        head_row_stats(q, k, scale=1.0, causal=False, key_mask=torch.zeros(5, dtype=torch.bool))


def test_row_stats_stack_and_json():
    per_layer = []
    for layer in range(3):
        q, k = make_qk(4, 2, 12, 12, seed=layer)
        per_layer.append(head_row_stats(q, k, scale=0.3, causal=True, tile=5))
    stats = RowStats.stack(per_layer)
    assert stats.shape == (3, 4, 12)
    assert torch.equal(stats.layer(2)["entropy"], per_layer[2]["entropy"])
    data = stats.to_dict()
    assert data["shape"] == [3, 4, 12]
    assert data["argmax"][1][2] == per_layer[1]["argmax"][2].tolist()
    assert data["entropy"][0][3][7] == pytest.approx(per_layer[0]["entropy"][3, 7].item(), rel=1e-7)
    with pytest.raises(AttnlabError):
        RowStats.stack([])


def test_dense_row_stats_on_the_toy_trace():
    from attnlab.toy import ToySpec, run_toy

    trace = run_toy(ToySpec(tokens=("a", "b", "c", "d", "e"), d_model=8, heads=2, causal=True))
    stats = trace.dense_row_stats()
    assert stats.shape == (1, 2, 5)
    w = trace.pattern(0, 1)
    torch.testing.assert_close(stats.max_weight[0, 1], w.max(-1).values)
    entropy = -(w * w.clamp_min(1e-30).log()).sum(-1)
    torch.testing.assert_close(stats.entropy[0, 1], entropy, atol=ATOL, rtol=0)


def test_layers_row_stats_streams_each_layer():
    qs, ks = zip(*(make_qk(6, 2, 20, 20, seed=10 + i) for i in range(3)), strict=True)
    stats = layers_row_stats(qs, ks, scale=0.3, causal=True)
    assert stats.shape == (3, 6, 20)
    want, _ = reference(qs[1], ks[1], scale=0.3, causal=True)
    torch.testing.assert_close(stats.entropy[1], want["entropy"], atol=ATOL, rtol=0)
    with pytest.raises(AttnlabError, match="3 layers of queries but 2"):
        layers_row_stats(qs, ks[:2], scale=0.3, causal=True)


@pytest.mark.parametrize("causal", [False, True])
def test_fused_tile_fold_equals_the_eager_path(causal):
    """The function `torch.compile` fuses on GPUs, run eagerly here on the CPU: same statistics."""
    import attnlab.rowstats as stats
    from attnlab.rowstats import _fused

    g = torch.Generator().manual_seed(3)
    q, k = torch.randn(6, 37, 16, generator=g) * 3, torch.randn(2, 41, 16, generator=g) * 3
    key_mask = torch.ones(41, dtype=torch.bool)
    key_mask[[0, 7, 8]] = False
    ref = stats.head_row_stats(q, k, scale=0.25, causal=causal, key_mask=key_mask, tile=8, q_block=16,
                               fused=False)
    orig = stats.compiled_fold
    stats.compiled_fold = lambda: _fused.fold_tile  # the uncompiled function, same code path
    try:
        got = stats.head_row_stats(q, k, scale=0.25, causal=causal, key_mask=key_mask, tile=8, q_block=16,
                                   fused=True)
    finally:
        stats.compiled_fold = orig
    for name in stats.STAT_NAMES:
        torch.testing.assert_close(got[name], ref[name], rtol=1e-5, atol=1e-5, equal_nan=True, msg=name)
