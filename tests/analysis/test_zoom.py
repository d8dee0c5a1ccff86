"""Deep zoom over traces: tiles and pooled maps equal the trace's own `pattern`, for real models
(streamed from q, k and lse: an encoder, a grouped-query decoder) and for traces read whole."""

from __future__ import annotations

import pytest
import torch

from attnlab.analysis.zoom import HeadMaps, pool_dense
from attnlab.errors import AttnlabError, LayerHeadError
from attnlab.toy import run_toy

from ..html.fakes import FakeTrace, words

TOL = 1e-5  # fp32 exp(s - lse) against the trace's fp32 softmax


def check_head(maps: HeadMaps, layer: int, head: int, cell: int) -> None:
    w = maps.trace.pattern(layer, head)
    n = w.shape[0]
    got, scores = maps.tile(layer, head, (0, n), (0, n))
    assert (got - w).abs().max() <= TOL
    ref_scores = maps.trace.scores(layer, head)
    if ref_scores is not None:
        torch.testing.assert_close(scores, ref_scores, atol=1e-4, rtol=1e-5)
    part, _ = maps.tile(layer, head, (n // 3, n), (1, n // 2 + 1))
    assert (part - w[n // 3 :, 1 : n // 2 + 1]).abs().max() <= TOL
    for mode in ("max", "mean"):
        pooled = maps.pooled(layer, head, cell, mode=mode)
        assert (pooled - pool_dense(w, cell, mode)).abs().max() <= TOL


@pytest.mark.model
@pytest.mark.parametrize("model,text", [
    ("minilm", "The temples of Kyoto are old, and Tokyo is a beautiful city."),
    ("smollm2", "The temples of Kyoto are old, and Tokyo is a beautiful city."),
])
def test_model_tiles_equal_the_pattern(model, text):
    from attnlab.models.api import run_text

    trace = run_text(text, model)
    maps = HeadMaps(trace)
    assert maps.streamed(0)
    for layer, head in ((0, 0), (trace.n_layers - 1, trace.n_heads - 1), (1, trace.n_heads // 2)):
        check_head(maps, layer, head, cell=4)
    assert maps.nbytes == 0  # the trace keeps the lse (the kernel's, from the capture); nothing more here
    torch.testing.assert_close(maps.lse(2, 1), torch.logsumexp(trace.scores(2, 1), -1), atol=1e-4, rtol=1e-5)


def test_traces_without_q_and_k_are_read_whole():
    fake = FakeTrace(words(23), n_layers=2, n_heads=3, causal=True, scores=True)
    maps = HeadMaps(fake)
    assert not maps.streamed(0)
    check_head(maps, 1, 2, cell=5)
    toy = run_toy(tokens=tuple("abcdefg"), d_model=4, heads=2, causal=True)
    check_head(HeadMaps(toy), 0, 1, cell=3)
    torch.testing.assert_close(HeadMaps(toy).lse(0, 1), torch.logsumexp(toy.scores(0, 1), -1))


def test_bad_heads_and_ranges_are_clear_errors():
    maps = HeadMaps(FakeTrace(words(10), n_layers=2, n_heads=3))
    with pytest.raises(LayerHeadError, match=r"head 3 is out of range: this trace has heads 0\.\.2"):
        maps.tile(0, 3, (0, 2), (0, 2))
    with pytest.raises(AttnlabError, match="outside the map"):
        maps.tile(0, 0, (0, 20), (0, 2))
    with pytest.raises(AttnlabError, match="pooling 'median' is not available"):
        maps.pooled(0, 0, 2, mode="median")
