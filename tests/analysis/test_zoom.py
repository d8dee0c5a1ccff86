"""Deep zoom: its tile geometry, and tiles and pooled maps of real models equal their own `pattern`
(the contract's tile access on every trace kind is checked in tests/trace/test_contract.py)."""

from __future__ import annotations

import pytest
import torch

from attnlab.analysis.zoom import TILE, overview, tile_span, top_level, zoom_tile
from attnlab.errors import AttnlabError

from .conftest import CASES, synthetic_trace

TOL = 1e-5  # fp32 exp(s - lse) against the trace's fp32 softmax


def test_levels_cover_the_map_with_one_tile_at_the_top():
    for n in (1, 255, 256, 257, 512, 513, 8192, 10_000):
        z = top_level(n)
        assert (TILE << z) >= n and (z == 0 or (TILE << (z - 1)) < n)
        assert tile_span(n, z, 0, 0) == ((0, n), (0, n))
    assert tile_span(600, 0, 2, 1) == ((512, 600), (256, 512))
    with pytest.raises(AttnlabError, match=r"level z=3 is beyond this trace's levels: at 600 tokens z goes from 0 "):
        tile_span(600, 3, 0, 0)
    with pytest.raises(AttnlabError, match=r"tile \(3, 0\) at level 0 is outside this trace: ty and tx go up to 2"):
        tile_span(600, 0, 3, 0)


def test_zoom_tiles_are_the_traces_tiles_and_pools():
    trace = synthetic_trace(n=300, **CASES["sliding-window"])  # a masked layer: no token limit any more
    w, s = trace.tile(1, 2, (256, 300), (0, 256))
    got = zoom_tile(trace, 1, 2, 0, 1, 0)
    assert got.cell == 1 and torch.equal(got.planes[0], w) and torch.equal(got.planes[1], s)
    pooled = zoom_tile(trace, 1, 2, 1, 0, 0, "mean")
    assert pooled.cell == 2 and torch.equal(pooled.planes[0], trace.pooled(1, 2, 2, (0, 300), (0, 300), "mean"))
    whole = overview(trace, 1, 2, size=64)
    assert whole.cell == 5 and whole.planes[0].shape == (60, 60)


@pytest.mark.model
@pytest.mark.parametrize("model,text", [
    ("minilm", "The temples of Kyoto are old, and Tokyo is a beautiful city."),
    ("smollm2", "The temples of Kyoto are old, and Tokyo is a beautiful city."),
])
def test_model_tiles_equal_the_pattern(model, text):
    from attnlab.models.api import run_text

    trace = run_text(text, model)
    n = trace.n_tokens
    for layer, head in ((0, 0), (trace.n_layers - 1, trace.n_heads - 1), (1, trace.n_heads // 2)):
        w = trace.pattern(layer, head)
        got, scores = trace.tile(layer, head, (0, n), (0, n))
        assert (got - w).abs().max() <= TOL
        torch.testing.assert_close(scores, trace.scores(layer, head), atol=1e-4, rtol=1e-5)
    before = trace.nbytes
    trace.tile(2, 1, (0, n), (0, n))
    assert trace.nbytes == before  # the kernel's lse, kept by the capture: nothing derived is added
    torch.testing.assert_close(trace.lse(2)[1], torch.logsumexp(trace.scores(2, 1), -1), atol=1e-4, rtol=1e-5)
