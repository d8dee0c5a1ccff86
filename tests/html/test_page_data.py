"""What the pipeline and explanation tabs carry in a page (no browser): the toy's stages, one real
head's Q, K, V when they reproduce the trace, the explanations, and where the page opens."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import torch

from attnlab.analysis.readings import read_layer, reading_text
from attnlab.errors import AttnlabError
from attnlab.html import render_page
from attnlab.html.encode import decode_arrays, encode_trace
from attnlab.reporting import explain
from attnlab.toy import run_toy
from attnlab.views import page_views
from attnlab.views.pipeline import BRIDGE_MAX_TOKENS

from .fakes import FakeTrace, words
from .test_pipeline_live import QKVTrace


def meta_of(page: str) -> dict:
    text = re.search(r'<script type="application/json" id="attnlab-meta">(.*?)</script>', page, re.S).group(1)
    return json.loads(text)


def test_a_toy_page_carries_its_stages_and_its_explanation():
    tr = run_toy(heads=2, causal=True, temperature=0.5)
    data = encode_trace(tr, lang="en")
    arrays = decode_arrays(data)
    np.testing.assert_array_equal(arrays["stage_weights"], tr.stages.weights.numpy())
    assert data.meta["view_meta"]["pipeline"] == {"source": "toy", "labels": tr.token_labels, "tol": 1e-5}
    assert data.meta["view_meta"]["explain"] == {"source": "toy", "text": explain(tr, "en")}
    assert meta_of(render_page(tr))["view"] == "pipeline"


def test_a_model_page_carries_one_heads_q_k_v_and_opens_on_the_heatmap():
    tr = QKVTrace(12)
    data = encode_trace(tr, focus=(1, 2))
    arrays = decode_arrays(data)
    q, k, v, _ = tr.qkv(1)
    np.testing.assert_array_equal(arrays["bridge_q"], q[2].numpy())
    np.testing.assert_array_equal(arrays["bridge_k"], k[1].numpy())  # kv head 2 // 2
    np.testing.assert_array_equal(arrays["bridge_v"], v[1].numpy())
    bridge = data.meta["view_meta"]["pipeline"]
    assert (bridge["layer"], bridge["head"], bridge["kv_head"], bridge["d_head"]) == (1, 2, 1, 8)
    assert bridge["available"] and bridge["error"] < 1e-6 and bridge["row"] == 11
    assert data.meta["focus"] == [1, 2]
    meta = meta_of(render_page(tr, focus=(1, 2)))
    assert meta["view"] == "heatmap" and meta["views"][0] == "pipeline"


def test_a_head_with_something_the_bridge_lacks_carries_no_q_k_v():
    tr = QKVTrace(6, bias=0.5)
    data = encode_trace(tr, focus=(0, 1))
    assert not any(name.startswith("bridge_") for name in data.meta["arrays"])
    assert data.meta["view_meta"]["pipeline"]["available"] is False


def test_the_bridge_applies_only_to_traces_with_q_k_v_and_short_enough():
    assert "pipeline" not in [v.name for v in page_views(FakeTrace(words(5)))]  # no q, k, v kept
    assert "pipeline" in [v.name for v in page_views(QKVTrace(BRIDGE_MAX_TOKENS))]
    assert "pipeline" not in [v.name for v in page_views(QKVTrace(BRIDGE_MAX_TOKENS + 1))]


def test_a_model_page_carries_the_reading_of_every_head_and_mean():
    tr = QKVTrace(10)
    data = encode_trace(tr, layers=[1], lang="ja")
    texts = data.meta["view_meta"]["explain"]["texts"]
    assert len(texts) == 1 and len(texts[0]) == tr.n_heads + 1
    assert texts[0] == [reading_text(tr, r, "ja") for r in read_layer(tr, 1)]
    assert texts[0][-1].startswith("読み取れること（層 1、全ヘッドの平均）")


def test_the_readings_of_a_layer_are_each_maps_own():
    """read_layer reads every head and the mean in one pass: each equals its own map, recomputed."""
    tr = QKVTrace(9)
    readings = read_layer(tr, 0)
    for r, head in zip(readings, [*range(tr.n_heads), None]):
        w = tr.pattern(0, head)[1:]  # causal: rows 1.. see two keys or more
        rows = torch.arange(1, 9)
        assert r.head == head
        assert r.patterns[0].top_rows == int((w.argmax(-1) == 0).sum())
        assert r.patterns[1].top_rows == int((w.argmax(-1) == rows - 1).sum())
        assert r.patterns[2].mean_weight == pytest.approx(float(w[torch.arange(8), rows].double().mean()), abs=1e-6)
        assert r.mean_max == pytest.approx(float(w.max(-1).values.mean()), abs=1e-6)


def test_the_focus_must_be_one_head():
    tr = QKVTrace(5)
    with pytest.raises(AttnlabError, match=r"focus \(0, None\): give \(layer, head\)"):
        encode_trace(tr, focus=(0, None))
    with pytest.raises(AttnlabError, match="head 7 is out of range"):
        encode_trace(tr, focus=(0, 7))


def test_masked_pipeline_weights_stay_zero_in_the_data():
    tr = run_toy(causal=True)
    w = decode_arrays(encode_trace(tr))["stage_weights"]
    assert (w[0][torch.ones(3, 3, dtype=torch.bool).triu(1).numpy()] == 0).all()  # the page draws them as —
