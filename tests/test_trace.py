"""The trace contract: toy and model traces (and a fake source) answer the same calls the same way."""

from __future__ import annotations

import pytest
import torch

from attnlab.errors import LayerHeadError
from attnlab.export import shape_keys, trace_to_dict
from attnlab.models.capture import LayerCapture
from attnlab.models.trace import ModelTrace
from attnlab.rowstats import STAT_NAMES
from attnlab.toy import run_toy
from attnlab.trace import AttentionTrace, Token

from .html.fakes import FakeTrace, words


def synthetic_model_trace(n=12, *, mask=None, causal=True, bias=None, heads=4, kv_heads=2, seed=0) -> ModelTrace:
    """A ModelTrace over random q and k, with the mask and position bias a model could pass."""
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(1, heads, n, 8, generator=g)
    k, v = torch.randn(1, kv_heads, n, 8, generator=g), torch.randn(1, kv_heads, n, 8, generator=g)
    cap = LayerCapture(q=q, k=k, v=v, mask=mask, causal=causal and mask is None, scale=8**-0.5, position_bias=bias)
    tokens = tuple(Token(text=f"t{i}", id=i, word=i) for i in range(n))
    return ModelTrace(layers=[cap, cap], tokens=tokens, model="synthetic", kind="decoder" if causal else "encoder",
                      n_layers=2, n_heads=heads, n_kv_heads=kv_heads, span=(0, n), batch_index=0, prompt_len=None,
                      truncated=0)


def traces() -> list[AttentionTrace]:
    return [run_toy(heads=2, d_model=4, causal=True), FakeTrace(words(6), scores=True), synthetic_model_trace()]


@pytest.mark.parametrize("trace", traces(), ids=["toy", "fake", "model"])
def test_every_source_answers_the_contract(trace):
    w = trace.head_weights(0)
    assert w.shape == (trace.n_heads, trace.n_tokens, trace.n_tokens) and w.dtype == torch.float32
    torch.testing.assert_close(w.sum(-1), torch.ones(trace.n_heads, trace.n_tokens), rtol=0, atol=1e-5)
    torch.testing.assert_close(trace.pattern(0, 1), w[1], rtol=0, atol=0)
    torch.testing.assert_close(trace.pattern(0, None), w.mean(0), rtol=0, atol=1e-6)
    torch.testing.assert_close(trace.head_weights(0, [1]), w[1:2], rtol=0, atol=0)
    s = trace.scores(0, 1)
    assert s is not None and s.shape == w.shape[1:]
    torch.testing.assert_close(torch.softmax(s / trace.temperature, -1), w[1], rtol=0, atol=1e-6)
    stats = trace.row_stats()
    assert stats.shape == (trace.n_layers, trace.n_heads, trace.n_tokens)
    assert set(shape_keys(trace)) <= set(trace_to_dict(trace))


@pytest.mark.parametrize("trace", traces(), ids=["toy", "fake", "model"])
@pytest.mark.parametrize(("layer", "head"), [(5, 0), (0, 9), (-1, 0), (0, -1), (True, 0), (0.0, 0)])
def test_one_error_type_for_out_of_range(trace, layer, head):
    with pytest.raises(LayerHeadError, match="out of range: this trace has"):
        trace.pattern(layer, head)


def test_a_source_without_scores_says_none():
    assert FakeTrace(words(4)).scores(0, 0) is None


def _close_stats(a, b):
    for name in STAT_NAMES:
        torch.testing.assert_close(getattr(a, name), getattr(b, name), rtol=1e-5, atol=1e-5, equal_nan=True,
                                   msg=name)


def test_row_stats_stream_plain_causal_and_full_masks():
    for trace in (synthetic_model_trace(40), synthetic_model_trace(40, causal=False)):
        _close_stats(trace.row_stats(tile=8, q_block=8), trace.dense_row_stats())


def test_row_stats_honour_every_mask_pattern_applies():
    """A sliding window, an additive mask and a position bias: the statistics describe pattern()'s weights."""
    n = 30
    pos = torch.arange(n)
    window = (pos[None, :] <= pos[:, None]) & (pos[:, None] - pos[None, :] < 5)  # [q_pos, k_pos]
    additive = torch.zeros(n, n).masked_fill(~window, torch.finfo(torch.float32).min)
    bias = torch.randn(1, 4, n, n, generator=torch.Generator().manual_seed(1))
    for trace in (
        synthetic_model_trace(n, mask=window[None, None]),
        synthetic_model_trace(n, mask=additive[None, None]),
        synthetic_model_trace(n, bias=bias),
    ):
        dense = trace.dense_row_stats()  # from the weights pattern() gives
        _close_stats(trace.row_stats(tile=8, q_block=8), dense)
    # and the window really changes them (the streamed causal statistics would be wrong here)
    plain = synthetic_model_trace(n).row_stats()
    windowed = synthetic_model_trace(n, mask=window[None, None]).row_stats()
    assert not torch.allclose(plain.entropy, windowed.entropy)
