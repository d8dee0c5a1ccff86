"""The routes a remote page's views read (html/remote.py behind server/routes_traces.py): one map quantised
as a page's, a layer's pooled maps, a view's JSON for one layer, a rollout row, and the page file with
the layers asked for; the trace's own numbers, and 404 for what the trace lacks."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from attnlab.analysis.readings import read_layer, reading_text
from attnlab.analysis.rollout import rollout_rows
from attnlab.html.encode import PRECISION

from ..analysis.conftest import synthetic_trace
from .conftest import make_client


@pytest.fixture(scope="module")
def kept():
    """A client and the id of a kept synthetic trace (13 tokens, 3 layers, 4 heads, causal)."""
    trace = synthetic_trace(n=13, n_layers=3, n_heads=4, n_kv=2, seed=11)
    c, app = make_client()
    with c:
        entry = app.fastapi.state.attnlab.texts.put(
            "text", {"text": "remote", "model": "synthetic", "generate": 0, "truncate": False}, trace)
        yield c, f"/api/traces/{entry.id}", trace


def test_one_map_is_the_heads_weights_quantised_as_a_page(kept):
    c, api, trace = kept
    n = trace.n_tokens
    for m, want in ((2, trace.pattern(1, 2)), (4, trace.pattern(1, None))):  # a head, then the mean
        r = c.get(f"{api}/map?layer=1&map={m}")
        assert r.status_code == 200 and r.headers["x-attnlab-shape"] == str(n)
        raw, pad = r.content, (-n * n) % 4
        codes = np.frombuffer(raw, np.uint8, n * n).reshape(n, n)
        step = np.frombuffer(raw, "<f4", n, n * n + pad)
        assert np.abs(codes * step[:, None] - want.numpy()).max() <= PRECISION
        assert r.headers["x-attnlab-scores"] == ("1" if m < 4 else "0")
        if m < 4:
            scores = np.frombuffer(raw, "<f4", n * n, n * n + pad + 4 * n).reshape(n, n)
            ref = trace.scores(1, m).numpy()
            assert np.array_equal(np.isneginf(scores), np.isneginf(ref))
            assert np.abs(scores[np.isfinite(ref)] - ref[np.isfinite(ref)]).max() <= 1e-4
    assert c.get(f"{api}/map?layer=1&map=5").status_code == 404  # 4 heads and their mean: maps 0..4
    assert c.get(f"{api}/map?layer=3&map=0").status_code == 404


def test_pooled_maps_are_the_layers_heads_and_mean(kept):
    c, api, trace = kept
    r = c.get(f"{api}/pooled?layer=2&cell=4&mode=max")
    assert r.status_code == 200 and r.headers["x-attnlab-shape"] == "5,4,4" and r.headers["x-attnlab-cell"] == "4"
    got = np.frombuffer(r.content, "<f4").reshape(5, 4, 4)
    for m in range(5):
        w = trace.pattern(2, m if m < 4 else None).numpy()
        assert abs(float(got[m, 3, 1]) - float(w[12:13, 4:8].max())) <= 1e-5  # the edge block: one row
        assert abs(float(got[m, 1, 0]) - float(w[4:8, 0:4].max())) <= 1e-5


def test_a_views_json_for_one_layer_and_a_rollout_row(kept):
    c, api, trace = kept
    r = c.get(f"{api}/view-meta?view=explain&layer=2&lang=en")
    assert r.status_code == 200
    assert r.json()["texts"] == [[reading_text(trace, x, "en") for x in read_layer(trace, 2)]]
    assert c.get(f"{api}/view-meta?view=explain&layer=9&lang=en").status_code == 404
    assert c.get(f"{api}/view-meta?view=nothing").status_code == 400  # not a view's name (the schema says so too)
    census = c.get(f"{api}/view-meta?view=atlas&lang=ja").json()
    assert len(census["scores"]["prev_token"]) == 3 and len(census["scores"]["prev_token"][0]) == 4
    r = c.get(f"{api}/rollout-row?row=7")
    assert r.status_code == 200 and r.headers["x-attnlab-shape"] == "1,1,13"
    np.testing.assert_allclose(np.frombuffer(r.content, "<f4"), rollout_rows(trace, [7])[0].numpy(), atol=1e-7)
    assert c.get(f"{api}/rollout-row?row=13").status_code == 404


def test_the_page_file_holds_the_layers_asked_for(kept):
    c, api, _ = kept
    page = c.get(f"{api}/page?lang=en&layers=0,2").text
    meta = json.loads(re.search(r'id="attnlab-meta">(.*?)</script>', page).group(1))
    assert meta["layers"] == [0, 2] and meta["n_layers"] == 3
    assert c.get(f"{api}/page?layers=2-0").status_code == 400  # the library's message: it runs backwards
    assert c.get(f"{api}/page?layers=0,7").status_code == 400
