"""What the app's views read one map at a time (html/remote.py) equals the trace's own weights, for a
captured trace (streamed from q, k) of every mask case and for a trace that keeps only weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from attnlab.errors import LayerHeadError
from attnlab.html.encode import PRECISION
from attnlab.html.remote import map_codes, pooled_maps, view_meta

from ..analysis.conftest import CASES, synthetic_trace
from .fakes import FakeTrace, words

TRACES = {name: (lambda kw=kw: synthetic_trace(**kw)) for name, kw in CASES.items()}
TRACES["fake-weights-only"] = lambda: FakeTrace(words(21), n_layers=2, n_heads=3, causal=True, scores=True)


@pytest.fixture(params=list(TRACES))
def trace(request):
    return TRACES[request.param]()


def pool(w: torch.Tensor, cell: int, mode: str) -> np.ndarray:
    """The pooled map block by block, the slow obvious way (hidden cells are 0 in w)."""
    g = -(-w.shape[0] // cell)
    out = np.empty((g, g), np.float32)
    for i in range(g):
        for j in range(g):
            block = w[i * cell : (i + 1) * cell, j * cell : (j + 1) * cell]
            out[i, j] = float(block.max() if mode == "max" else block.mean())
    return out


def test_one_map_is_the_heads_weights_within_the_pages_precision(trace):
    layer = trace.n_layers - 1
    for m in (0, trace.n_heads - 1, trace.n_heads):  # a head, the last head, the mean
        codes, step, scores = map_codes(trace, layer, m)
        want = trace.pattern(layer, None if m == trace.n_heads else m).numpy()
        assert codes.dtype == np.uint8 and step.shape == (trace.n_tokens,)
        assert np.abs(codes * step[:, None] - want).max() <= PRECISION
        if m == trace.n_heads:
            assert scores is None  # the mean has no scores
        elif trace.scores(layer, m) is not None:
            s, ws = scores, trace.scores(layer, m).numpy()
            assert np.array_equal(np.isneginf(s), np.isneginf(ws))
            finite = np.isfinite(ws)
            assert np.abs(s[finite] - ws[finite]).max() <= 1e-5 * (1 + np.abs(ws[finite]).max())


@pytest.mark.parametrize("cell,mode", [(1, "max"), (4, "max"), (5, "mean"), (64, "mean")])
def test_pooled_maps_are_every_head_and_the_mean_pooled(trace, cell, mode):
    got = pooled_maps(trace, 0, cell, mode)
    maps = [trace.pattern(0, h) for h in range(trace.n_heads)] + ([trace.pattern(0, None)] if trace.n_heads > 1 else [])
    assert got.shape[0] == len(maps)
    for m, w in enumerate(maps):
        want = pool(w, min(cell, trace.n_tokens), mode)
        np.testing.assert_allclose(got[m], want, atol=1e-5)  # exp(logit - lse) in fp32 against pattern()


def test_a_map_the_layer_lacks_is_a_layer_head_error():
    trace = FakeTrace(words(5), n_layers=1, n_heads=2)
    with pytest.raises(LayerHeadError, match=r"map 3 is out of range: layer 0 has maps 0\.\.2"):
        map_codes(trace, 0, 3)
    with pytest.raises(LayerHeadError):
        map_codes(trace, 1, 0)


def test_a_views_meta_for_one_layer_is_what_its_page_would_hold():
    trace = synthetic_trace(n=12, n_layers=3)
    one = view_meta(trace, "explain", "en", (2,))
    from attnlab.views import PageOptions, view_named

    whole = view_named("explain", trace).page_meta(trace, PageOptions(lang="en", layers=(0, 1, 2)))
    assert one["texts"] == whole["texts"][2:] and one["overview"] == whole["overview"]
