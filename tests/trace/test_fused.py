"""The fused row sums (numba, `trace.fused`) against the torch path and the dense maps, on every mask case.

Both paths of `rows.row_entropy_distance` are run on the same traces: the torch ops over `score_tiles`
and the numba kernel (plain causal and unmasked layers from q and k directly, every other mask from
`score_tiles`), each held against `full_row_stats` of the trace's dense weights. The size threshold is
lowered so that the small synthetic traces take the fused path. Tolerances are those of
tests/analysis/test_census.py (fp32 sums in different orders, and a different exp: not bit-equal).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from attnlab.rowstats import full_row_stats
from attnlab.trace import fused, rows

from ..analysis.conftest import CASES, synthetic_trace

pytest.importorskip("numba")

ATOL = 1e-5


@pytest.fixture
def fused_on(monkeypatch):
    monkeypatch.setattr(fused, "MIN_CELLS", 0)


def torch_sums(trace, layer, n_rows, n_keys):
    return rows._torch_row_sums(trace, layer, n_rows, n_keys)


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("tile", [(5, 7), (128, 256), (16, 40)])
def test_fused_sums_equal_the_torch_path(fused_on, case, tile):
    trace = synthetic_trace(**CASES[case], n=45 if tile == (16, 40) else 23)
    for layer in range(trace.n_layers):
        got = fused.fused_row_sums(trace, layer, *tile)
        assert got is not None  # this path ran
        want = torch_sums(trace, layer, *tile)
        for name, g, w in zip(("den", "ent", "dist", "top"), got, want):
            torch.testing.assert_close(g, w, rtol=1e-5, atol=ATOL, msg=f"{case} layer {layer}: {name}")


@pytest.mark.parametrize("case", list(CASES))
def test_fused_row_stats_equal_full_maps(fused_on, case):
    trace = synthetic_trace(**CASES[case], n=40)
    for layer in range(trace.n_layers):
        w = torch.stack([trace.pattern(layer, h) for h in range(trace.n_heads)])
        ref = full_row_stats(w)
        got = rows.row_entropy_distance(trace, layer, rows=8, keys=16)
        torch.testing.assert_close(got["entropy"], ref["entropy"], rtol=0, atol=ATOL, equal_nan=True)
        torch.testing.assert_close(got["mean_distance"], ref["mean_distance"], rtol=1e-5, atol=1e-5, equal_nan=True)
        torch.testing.assert_close(got["max_weight"], ref["max_weight"], rtol=0, atol=ATOL, equal_nan=True)


def test_mask_kind_names_the_plain_layers():
    from attnlab.toy import run_toy

    kinds = {case: synthetic_trace(**CASES[case]).mask_kind(0) for case in CASES}
    assert kinds == {"causal-gqa": "causal", "encoder": "none", "causal-padded": "causal",  # the text's own span
                     "encoder-padded": "none", "additive-bias": "other", "kernel-lse": "causal",
                     "sliding-window": "other", "softcap": "other", "alibi": "other"}
    toy = run_toy(tokens="a b c".split(), d_model=4, heads=1, causal=True)
    assert toy.mask_kind(0) == "other"  # a source that keeps weights: its logits may carry a temperature


def test_small_traces_keep_the_torch_path():
    trace = synthetic_trace(causal=True)
    assert trace.n_layers * trace.n_heads * trace.n_tokens**2 // 2 < fused.MIN_CELLS
    assert fused.fused_row_sums(trace, 0, 128, 256) is None


def test_without_numba_the_torch_path_runs(fused_on, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "numba", None)  # import numba raises ImportError
    monkeypatch.delitem(sys.modules, "attnlab.rowstats._numba_fold", raising=False)
    fused._kernel.cache_clear()
    try:
        trace = synthetic_trace(causal=True)
        assert fused.fused_row_sums(trace, 0, 8, 8) is None
        got, want = rows.row_entropy_distance(trace, 0), rows._torch_row_sums(trace, 0, 128, 256)
        torch.testing.assert_close(got["den"], want[0], rtol=0, atol=0)
    finally:
        fused._kernel.cache_clear()


def test_non_finite_inputs_fall_back_to_the_torch_path(fused_on):
    trace = synthetic_trace(causal=True)
    trace.qkv(1).q[2, 5, 0] = math.nan  # a view of the captured tensor
    assert fused.fused_row_sums(trace, 1, 8, 8) is None
    got = rows.row_entropy_distance(trace, 1, rows=8, keys=8)
    assert bool(torch.isnan(got["entropy"][2, 5])) and bool(torch.isfinite(got["entropy"][0]).all())


def test_the_kernels_exp_is_within_two_ulp():
    from numba import njit

    from attnlab.rowstats._numba_fold import _exp

    @njit
    def apply(x, out):
        for i in range(x.shape[0]):
            out[i] = _exp(x[i])

    rng = np.random.default_rng(0)
    z = np.concatenate([np.maximum(-rng.exponential(8.0, 100_000), -87.0), rng.uniform(-1e-3, 1e-3, 1000),
                        np.linspace(-87.0, 1.0, 10_001)]).astype(np.float32)
    out = np.empty_like(z)
    apply(z, out)
    want = np.exp(z.astype(np.float64))
    assert np.max(np.abs(out - want) / want) < 2 * 2.0**-23
    edge = np.array([0.0, -0.0, -87.5, -200.0, -np.inf], np.float32)
    apply(edge, out[:5])
    assert out[:5].tolist() == [1.0, 1.0, 0.0, 0.0, 0.0]


def test_threaded_fold_equals_the_serial_one():
    from attnlab.rowstats._numba_fold import fold_tile

    g = torch.Generator().manual_seed(1)
    z = (-torch.rand(6, 70, 90, generator=g) * 20).numpy()
    z[:, :, 3] = -np.inf  # a hidden column
    outs = []
    for threads in (1, 2):
        out = [np.zeros((6, 200), np.float32) for _ in range(3)] + [np.full((6, 200), -np.inf, np.float32)]
        fold_tile(z, 30, 10, True, *out, threads=threads)
        outs.append(out)
    for a, b in zip(*outs):
        assert np.array_equal(a, b)
    assert (outs[0][0][:, :30] == 0).all() and (outs[0][0][:, 30:100] > 0).all()  # rows 30..99 were folded
