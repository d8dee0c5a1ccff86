"""The page data: 8-bit per-row weights decode to within 0.002, scores and stages travel exactly,
and a trace too large for one page is refused before anything heavy is computed."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from attnlab.errors import AttnlabError
from attnlab.html.encode import PRECISION, decode_arrays, decoded_weights, encode_trace, quantise_rows
from attnlab.html.layers import MAX_CELLS, PageTooLargeError
from attnlab.toy import run_toy
from attnlab.trace import AttentionTrace, Token

from .fakes import FakeTrace, words


def true_maps(trace: AttentionTrace) -> np.ndarray:
    """[layer, map, q_pos, k_pos]: heads then (when heads > 1) the mean, from pattern()."""
    heads = list(range(trace.n_heads)) + ([None] if trace.n_heads > 1 else [])
    layers = range(trace.n_layers)
    return np.stack([np.stack([trace.pattern(li, h).numpy() for h in heads]) for li in layers])


@pytest.mark.parametrize("causal", [False, True])
def test_weights_round_trip_within_precision(causal):
    trace = FakeTrace(words(37), n_layers=3, n_heads=4, causal=causal, spread=3.0)
    got = decoded_weights(encode_trace(trace))
    want = true_maps(trace)
    assert got.shape == want.shape == (3, 5, 37, 37)
    err = np.abs(got - want)
    assert err.max() <= PRECISION  # the bound the page states
    # the sharper bound: half a step, step = min(1/255, rowmax/32)
    step = np.minimum(1 / 255, want.max(axis=-1, keepdims=True) / 32)
    assert np.all(err <= step / 2 + 1e-7)


def test_long_rows_keep_their_shape():
    """A near-uniform row over many keys (weights ~1/n) must not quantise to zeros."""
    w = torch.full((1, 3000), 1 / 3000) + torch.linspace(0, 1e-4, 3000)
    codes, _ = quantise_rows((w / w.sum()).numpy())
    # row max 4.3e-4, min 3.3e-4: 32 levels up to the max give codes 25..32 (a 0..1 scale: all 0)
    assert codes.min() >= 24 and codes.max() == 32
    assert len(np.unique(codes)) >= 8  # the row keeps its gradient


def test_toy_trace_carries_scores_and_stages_exactly():
    trace = run_toy(heads=2, d_model=4, causal=True)
    data = encode_trace(trace)
    arrays = decode_arrays(data)
    assert data.meta["has_scores"] and data.meta["has_stages"]
    np.testing.assert_array_equal(arrays["scores"][0], trace.stages.scores.numpy())  # -inf kept for masked cells
    for name in ("x", "W_Q", "Q", "K", "V", "weights", "head_outputs", "output"):
        np.testing.assert_array_equal(arrays[f"stage_{name}"], getattr(trace.stages, name).numpy())


def test_model_trace_scores_only_when_offered():
    assert not encode_trace(FakeTrace(words(5))).meta["has_scores"]
    trace = FakeTrace(words(5), scores=True, causal=True)
    data = encode_trace(trace)
    assert data.meta["has_scores"] and not data.meta["has_stages"]
    np.testing.assert_array_equal(decode_arrays(data)["scores"], trace._logits.numpy())


def test_layer_subset():
    trace = FakeTrace(words(6), n_layers=4)
    data = encode_trace(trace, layers=[3, 1])
    assert data.meta["layers"] == [1, 3]
    np.testing.assert_allclose(decoded_weights(data)[1], true_maps(trace)[3], atol=PRECISION)
    with pytest.raises(AttnlabError, match="layer 4 is out of range"):
        encode_trace(trace, layers=[4])


class HugeTrace(AttentionTrace):
    """Claims many tokens; computing a pattern would be a bug (the size check comes first)."""

    def __init__(self, n):
        self.tokens = tuple(Token(str(i)) for i in range(n))
        self.model, self.n_layers, self.n_heads, self.n_kv_heads = "huge", 6, 12, 12
        self.causal, self.temperature = False, 1.0

    def _weights(self, layer, heads):
        raise AssertionError("weights computed before the size check")


def test_too_large_is_refused_with_the_layers_that_fit():
    with pytest.raises(PageTooLargeError) as e:
        encode_trace(HugeTrace(1000))  # every layer: 6 x 13 maps x 1000^2 cells
    msg = str(e.value)
    assert f"{MAX_CELLS:,}" in msg and "1,000 tokens" in msg
    assert "at most 2 layers fit" in msg and e.value.fits == (0, 1)  # 2**25 // (13 * 1000**2) = 2
    assert isinstance(e.value, AttnlabError)


def test_size_at_limit_edge():
    # 6 layers x 13 maps x n^2 <= MAX_CELLS  <=>  n <= 655
    from attnlab.html.encode import check_size

    assert check_size(HugeTrace(655), list(range(6))) == list(range(6))
    with pytest.raises(PageTooLargeError):
        check_size(HugeTrace(656), list(range(6)))
