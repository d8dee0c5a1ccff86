"""A real model's page: MiniLM on a Japanese sentence, in Chromium (markers: model, browser)."""

from __future__ import annotations

import re

import pytest

from attnlab.html import PRECISION, render_page

from .test_pages import SHOWN, heatmap_cell, pane, show

pytestmark = [pytest.mark.model, pytest.mark.browser]


@pytest.fixture(scope="module")
def minilm_trace():
    api = pytest.importorskip("attnlab.models.api")
    return api.run_text("東京は美しい街です。</script><b>x</b>", model="minilm")


def test_minilm_page(open_page, minilm_trace):
    trace = minilm_trace
    o = open_page(render_page(trace, lang="ja"), "minilm-ja")
    o.page.select_option(f"{pane('heatmap')} select >> nth=0", "3")
    o.page.select_option(f"{pane('heatmap')} select >> nth=1", "7")
    for q, k in [(1, 2), (5, 0), (trace.n_tokens - 1, 3)]:
        o.page.mouse.move(*heatmap_cell(o, q, k))
        text = o.page.locator('[data-testid="heatmap-tooltip"]').inner_text()
        shown = float(re.search(r"重み: ([0-9.]+)", text).group(1))
        assert abs(shown - float(trace.pattern(3, 7)[q, k])) <= PRECISION + SHOWN
        score = float(re.search(r"スコア: (-?[0-9.]+)", text).group(1))  # a model trace's scores are shown
        assert abs(score - float(trace.scores(3, 7)[q, k])) <= 1e-3
        assert trace.token_texts[q] in text
    o.shot("minilm-ja-heatmap")
    for view in ("headview", "modelview"):
        show(o, view)
        o.shot(f"minilm-ja-{view}")
    texts = o.page.locator(f"{pane('headview')} .hv-left .tok").all_inner_texts()
    assert texts == [t.replace("\n", "⏎") for t in trace.token_texts]
    o.check_clean()
