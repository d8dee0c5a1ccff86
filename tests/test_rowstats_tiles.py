"""Tiles and pooled maps from q, k and the row log-sum-exp, against the dense softmax they stand for."""

import math

import pytest
import torch

from attnlab.errors import AttnlabError
from attnlab.rowstats.tiles import pooled_weights, score_tile, weight_tile

TOL = 1e-5  # fp32 exp(s - lse) against fp32 softmax: both round at ~1e-7 relative


def qk(n=70, heads=4, kv=2, d=8, seed=0, spread=2.0):
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(heads, n, d, generator=g) * spread  # [head, q_pos, d_head]
    k = torch.randn(kv, n, d, generator=g) * spread  # [kv_head, k_pos, d_head]
    return q, k


def dense(q, k, scale, causal):
    """[head, q_pos, k_pos] scores (hidden -inf) and weights, the way ModelTrace.pattern computes them."""
    group = q.shape[0] // k.shape[0]
    s = (q @ k.repeat_interleave(group, 0).transpose(1, 2)) * scale
    if causal:
        n = q.shape[1]
        s = s.masked_fill(~torch.ones(n, n, dtype=torch.bool).tril(), -math.inf)
    return s, s.softmax(-1)


def row_lse(q, k, scale, causal):
    """[head, q_pos] the rows' log-sum-exp from the dense scores (traces give theirs: ModelTrace.lse)."""
    return torch.logsumexp(dense(q, k, scale, causal)[0], -1)


@pytest.mark.parametrize("causal", [False, True])
def test_tiles_equal_the_dense_weights(causal):
    q, k = qk(n=90)
    s, w = dense(q, k, 0.25, causal)
    lse = row_lse(q, k, 0.25, causal)
    for h in range(q.shape[0]):
        qh, kh = q[h], k[h // 2]
        for rows, cols in (((0, 90), (0, 90)), ((10, 37), (5, 80)), ((60, 90), (0, 7))):
            t = weight_tile(qh, kh, lse[h], scale=0.25, causal=causal, rows=rows, cols=cols)
            assert (t - w[h, rows[0] : rows[1], cols[0] : cols[1]]).abs().max() <= TOL
            sc = score_tile(qh, kh, scale=0.25, causal=causal, rows=rows, cols=cols)
            torch.testing.assert_close(sc, s[h, rows[0] : rows[1], cols[0] : cols[1]], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("mode", ["max", "mean"])
def test_pooled_maps_equal_pooling_the_dense_map(causal, mode):
    n, cell = 75, 8  # 75 is not a multiple of 8: the last row and column of cells are partial
    q, k = qk(n=n)
    _, w = dense(q, k, 0.3, causal)
    lse = row_lse(q, k, 0.3, causal)
    for rows, cols in ((None, None), ((9, 70), (3, 75))):
        r0, r1 = rows or (0, n)
        c0, c1 = cols or (0, n)
        got = pooled_weights(q[1], k[0], lse[1], scale=0.3, causal=causal, cell=cell, rows=rows, cols=cols,
                             mode=mode, q_block=16)
        sub = w[1, r0:r1, c0:c1]
        ref = torch.empty(got.shape)
        for i in range(got.shape[0]):
            for j in range(got.shape[1]):
                block = sub[i * cell : (i + 1) * cell, j * cell : (j + 1) * cell]
                ref[i, j] = block.max() if mode == "max" else block.mean()
        assert (got - ref).abs().max() <= TOL


def test_max_pooling_keeps_a_sparse_diagonal_that_mean_pooling_washes_out():
    """A previous-token head: row i's query matches only key i - 1 (one-hot codes, large scale)."""
    n = 64
    codes = torch.eye(n)  # key j's code: one-hot j
    q = codes.roll(-1, dims=1)[None] * 20  # q_i = 20 * one-hot(i - 1) (row 0 matches nothing visible)
    k = codes[None]
    lse = row_lse(q, k, 1.0, True)
    mx = pooled_weights(q[0], k[0], lse[0], scale=1.0, causal=True, cell=8, mode="max")
    mean = pooled_weights(q[0], k[0], lse[0], scale=1.0, causal=True, cell=8, mode="mean")
    assert mx.diagonal().min() > 0.99  # the diagonal stays visible under max
    assert mean.diagonal().max() < 0.2  # and fades to about 1/cell under a mean


def test_bad_ranges_are_clear_errors():
    q, k = qk(n=10)
    lse = row_lse(q, k, 1.0, False)
    with pytest.raises(AttnlabError, match=r"q_pos range 5\.\.20 is outside 0\.\.10"):
        weight_tile(q[0], k[0], lse[0], scale=1.0, causal=False, rows=(5, 20), cols=(0, 4))
    with pytest.raises(AttnlabError, match="pooling 'median' is not available: choose one of max, mean"):
        pooled_weights(q[0], k[0], lse[0], scale=1.0, causal=False, cell=2, mode="median")
