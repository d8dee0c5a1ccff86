"""The census tabs in Chromium: the head census (atlas), the rollout and the heatmap's value-weighted
switch load clean and offline, show the library's numbers (read back from the readout's data-*
attributes and the tooltips) and open a head in the heatmap. Screenshots in test-artifacts/html/."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from attnlab.analysis.census import head_census, text_scores
from attnlab.analysis.rollout import rollout
from attnlab.analysis.value_weighted import value_weighted_pattern
from attnlab.html import render_page

from ..analysis.conftest import synthetic_trace
from .conftest import png_pixels
from .fakes import FakeTrace, words
from .test_pages import COLOUR_TOL, pane, show, viridis

pytestmark = pytest.mark.browser
SCORES = ("prev_token", "self", "first_token", "entropy", "mean_distance")


def planted() -> FakeTrace:
    """A causal fake whose L1 H2 is a previous-token head (0.9 on q-1) and L0 H1 a first-token sink (0.8)."""
    fake = FakeTrace(words(14), n_layers=2, n_heads=3, causal=True)
    n = fake.n_tokens
    prev, sink = torch.zeros(n, n), torch.zeros(n, n)
    prev[0, 0] = sink[0, 0] = 1.0
    for q in range(1, n):
        prev[q, : q + 1] = 0.1 / q
        prev[q, q - 1] = 0.9
        sink[q, 1 : q + 1] = 0.2 / q
        sink[q, 0] = 0.8
    fake._maps[1, 2], fake._maps[0, 1] = prev, sink
    return fake


def cell(o, testid_or_pane, xy):
    box = o.page.locator(testid_or_pane).bounding_box()
    return box["x"] + xy["x"], box["y"] + xy["y"]


def atlas_head(o, layer, head):
    """Hover head (layer, head) of the census grid; the readout's data-* attributes."""
    xy = o.page.evaluate(f"window.__attnlab.views.atlas.cellXY({layer}, {head})")
    o.page.mouse.move(*cell(o, "[data-testid=census-canvas]", xy))
    return o.page.locator("[data-testid=census-readout]").evaluate("e => ({...e.dataset, text: e.textContent})")


def test_the_new_tabs_load_clean_and_offline_in_both_languages(open_page):
    trace = synthetic_trace(n=23, n_layers=3, n_heads=6, n_kv=2)
    for lang in ("ja", "en"):
        o = open_page(render_page(trace, lang=lang), f"census-tabs-{lang}")
        for view in ("atlas", "rollout", "heatmap"):
            show(o, view)
            o.shot(f"census-tabs-{lang}-{view}")
        blank = o.page.evaluate("[...document.querySelectorAll('option, button, label, h1, h3, li')]"
                                ".filter((e) => !e.textContent.trim()).length")
        assert blank == 0
        o.check_clean()
        assert o.requests == [] or set(o.requests) == {o.url}


def test_the_atlas_shows_the_census_and_opens_a_head(open_page):
    fake = planted()
    scores = text_scores(fake)
    roles = {(r.layer, r.head): r.role for r in head_census(fake, probe=False).roles}
    assert roles[(1, 2)] == "previous_token" and roles[(0, 1)] == "first_token_sink"  # what was planted
    o = open_page(render_page(fake, lang="en", view="atlas"), "atlas")
    for name in SCORES:
        o.page.select_option(f"{pane('atlas')} select", name)
        for layer in range(2):
            for head in range(3):
                got = atlas_head(o, layer, head)
                assert (int(got["layer"]), int(got["head"]), got["score"]) == (layer, head, name)
                assert abs(float(got["value"]) - float(scores[name][layer, head])) <= 1e-6
                assert got["roles"] == roles.get((layer, head), "")
    o.page.select_option(f"{pane('atlas')} select", "prev_token")
    got = atlas_head(o, 1, 2)
    assert "previous-token" in got["text"] and "0.9" in got["text"]
    # the role's head is outlined in red, its neighbour is not
    shot = png_pixels(o.page.locator("[data-testid=census-canvas]").screenshot())
    for (layer, head), red in (((1, 2), True), ((1, 1), False)):
        xy = o.page.evaluate(f"window.__attnlab.views.atlas.cellXY({layer}, {head})")
        px = shot[int(xy["y"] - xy["h"] / 2) + 1, int(xy["x"])].astype(int)  # the cell's top edge
        assert (px[0] > 200 and px[1] < 90) == red, px
    assert o.page.locator(f"{pane('atlas')} li[data-role=previous_token]").get_attribute("data-count") == "1"
    o.shot("atlas-hover")
    o.page.mouse.click(*cell(o, "[data-testid=census-canvas]",
                             o.page.evaluate("window.__attnlab.views.atlas.cellXY(1, 2)")))
    o.page.wait_for_selector(f"{pane('heatmap')}:not([hidden])")
    values = o.page.eval_on_selector_all(f"{pane('heatmap')} select", "s => s.map(x => x.value)")
    assert values[:2] == ["1", "2"]
    o.check_clean()


def test_a_head_of_a_layer_the_page_lacks_says_so(open_page):
    o = open_page(render_page(planted(), lang="en", view="atlas", layers=[1]), "atlas-layers")
    o.page.mouse.click(*cell(o, "[data-testid=census-canvas]",
                             o.page.evaluate("window.__attnlab.views.atlas.cellXY(0, 1)")))
    assert "Layer 0 is not in this page" in o.page.locator("[data-testid=census-readout]").inner_text()
    o.page.mouse.click(*cell(o, "[data-testid=census-canvas]",
                             o.page.evaluate("window.__attnlab.views.atlas.cellXY(1, 0)")))
    o.page.wait_for_selector(f"{pane('heatmap')}:not([hidden])")
    assert o.page.locator(f"{pane('heatmap')} select >> nth=0").evaluate("s => s.selectedOptions[0].text") == "Layer 1"
    o.check_clean()


def rollout_hover(o, q, k):
    xy = o.page.evaluate(f"window.__attnlab.views.rollout.cellXY({q}, {k})")
    o.page.mouse.move(*cell(o, f"{pane('rollout')} canvas.hm-over", xy))
    tip = o.page.locator("[data-testid=rollout-tooltip]")
    return tip.inner_text(), float(tip.get_attribute("data-value"))


@pytest.mark.parametrize("causal", [True, False], ids=["causal", "encoder"])
def test_the_rollout_hover_and_top_sources_are_the_rollouts(open_page, causal):
    trace = synthetic_trace(n=19, n_layers=3, n_heads=4, n_kv=2, causal=causal)
    r = rollout(trace)
    o = open_page(render_page(trace, lang="en", view="rollout"), f"rollout-{'causal' if causal else 'encoder'}")
    for q, k in ((18, 0), (5, 5), (11, 3), (2, 14)):
        text, value = rollout_hover(o, q, k)
        assert value == pytest.approx(float(r[q, k]), rel=1e-7, abs=1e-12)  # fp32, as computed
        if causal and k > q:
            assert "Rollout: —" in text and "masked" in text
        else:
            shown = float(re.search(r"Rollout: ([0-9.e+-]+)", text).group(1))
            assert shown == pytest.approx(float(r[q, k]), rel=5e-4)  # 4 significant digits
    top = o.page.locator("[data-testid=rollout-top] li")
    values, keys = r[-1].topk(10)
    assert [int(x) for x in top.evaluate_all("l => l.map(e => e.dataset.k)")] == keys.tolist()
    got = [float(x) for x in top.evaluate_all("l => l.map(e => e.dataset.value)")]
    np.testing.assert_allclose(got, values.numpy(), rtol=1e-7)
    o.page.select_option(f"{pane('rollout')} select", "7")
    assert int(top.first.get_attribute("data-k")) == int(r[7].argmax())
    o.shot(f"rollout-{'causal' if causal else 'encoder'}")
    o.check_clean()


def vw_reference(trace, layer, head):
    """[q_pos, k_pos] value-weighted shares: one head's, or the mean of the heads' (head None)."""
    heads = range(trace.n_heads) if head is None else [head]
    return torch.stack([value_weighted_pattern(trace, layer, h) for h in heads]).mean(0).double().numpy()


def check_value_weighted(o, trace, layer, head):
    """Choose (layer, head) in value-weighted mode; the page's shares lie within its stated bounds."""
    o.page.select_option(f"{pane('heatmap')} select >> nth=0", str(layer))
    o.page.select_option(f"{pane('heatmap')} select >> nth=1", str(trace.n_heads if head is None else head))
    vw = o.page.evaluate("window.__attnlab.views.heatmap.valueWeighted()")
    n = trace.n_tokens
    share, bound = np.array(vw["share"]).reshape(n, n), np.array(vw["bound"]).reshape(n, n)
    err = np.abs(share - vw_reference(trace, layer, head))
    assert (err <= bound).all(), float((err - bound).max())
    assert vw["maxBound"] == pytest.approx(bound.max())
    note = o.page.locator("[data-testid=vw-note]")
    assert float(note.get_attribute("data-bound")) == pytest.approx(bound.max())
    assert f"{bound.max():.2g}".replace("e-0", "e-") in note.inner_text().replace("e-0", "e-")
    return share, bound, float(err.max())


def test_the_value_weighted_switch_within_its_stated_bound(open_page):
    trace = synthetic_trace(n=23, n_layers=3, n_heads=6, n_kv=2)
    o = open_page(render_page(trace, lang="en"), "value-weighted")
    o.page.select_option(f"{pane('heatmap')} select >> nth=2", "vw")
    for layer, head in ((0, 0), (2, 5), (1, None)):
        share, bound, worst = check_value_weighted(o, trace, layer, head)
        assert worst < bound.max()
    assert "mean of the heads' value-weighted shares" in o.page.locator("[data-testid=vw-note]").inner_text()
    # the map is recoloured by the shares (linear scale: viridis of the share), the hover gives both numbers
    o.page.select_option(f"{pane('heatmap')} select >> nth=1", "4")
    share, bound, _ = check_value_weighted(o, trace, 2, 4)
    o.page.mouse.move(0, 0)
    shot = png_pixels(o.page.screenshot())
    w = trace.pattern(2, 4)
    for q, k in ((20, 3), (9, 9), (15, 0)):
        x, y = cell(o, f"{pane('heatmap')} canvas.hm-over", o.page.evaluate(
            f"window.__attnlab.views.heatmap.cellXY({q}, {k})"))
        np.testing.assert_allclose(shot[int(y), int(x)].astype(int), viridis(share[q, k]), atol=COLOUR_TOL + 2)
        o.page.mouse.move(x, y)
        tip = o.page.locator("[data-testid=heatmap-tooltip]")
        text = tip.inner_text()
        assert abs(float(re.search(r"weight: ([0-9.]+)", text).group(1)) - float(w[q, k])) <= 0.002 + 5e-5
        shown = float(re.search(r"value-weighted share: ([0-9.]+) \(±", text).group(1))
        assert abs(shown - float(vw_reference(trace, 2, 4)[q, k])) <= float(tip.get_attribute("data-bound")) + 5e-5
        assert "‖v W_O‖ of this key" in text
    o.shot("value-weighted")
    o.page.select_option(f"{pane('heatmap')} select >> nth=2", "weight")  # back: the weights' colours
    shot = png_pixels(o.page.screenshot())
    x, y = cell(o, f"{pane('heatmap')} canvas.hm-over", o.page.evaluate("window.__attnlab.views.heatmap.cellXY(20, 3)"))
    np.testing.assert_allclose(shot[int(y), int(x)].astype(int), viridis(float(w[20, 3])), atol=COLOUR_TOL + 2)
    assert o.page.locator("[data-testid=vw-note]").is_hidden()
    o.check_clean()


def test_no_output_projection_no_switch(open_page):
    o = open_page(render_page(synthetic_trace(n=9, out_proj=False), lang="en"), "no-switch")
    assert o.page.locator(f"{pane('heatmap')} .toolbar select").count() == 3  # layer, head, colour scale
    assert o.page.evaluate("window.__attnlab.views.heatmap.valueWeighted()") is None
    o.check_clean()


@pytest.mark.model
def test_a_minilm_page_census_rollout_and_value_weighted(open_page):
    api = pytest.importorskip("attnlab.models.api")
    trace = api.run_text("The cat sat on the mat because it was tired, and then it slept in the sun.", model="minilm")
    census = head_census(trace, probe=False)
    o = open_page(render_page(trace, lang="ja", view="atlas"), "minilm-census")
    o.page.select_option(f"{pane('atlas')} select", "first_token")
    for layer, head in ((0, 0), (2, 9), (5, 11), (3, 4)):
        got = atlas_head(o, layer, head)
        assert abs(float(got["value"]) - float(census.scores["first_token"][layer, head])) <= 1e-6
        assert got["roles"] == ",".join(r.role for r in census.roles if (r.layer, r.head) == (layer, head))
    o.shot("minilm-census")
    o.page.mouse.click(*cell(o, "[data-testid=census-canvas]",
                             o.page.evaluate("window.__attnlab.views.atlas.cellXY(2, 9)")))
    o.page.wait_for_selector(f"{pane('heatmap')}:not([hidden])")
    assert o.page.eval_on_selector_all(f"{pane('heatmap')} select", "s => s.map(x => x.value)")[:2] == ["2", "9"]
    o.page.select_option(f"{pane('heatmap')} select >> nth=2", "vw")
    for layer, head in ((2, 9), (0, None)):
        _, bound, worst = check_value_weighted(o, trace, layer, head)
        print(f"minilm L{layer} {'mean' if head is None else f'H{head}'}: max |page - exact| {worst:.2e}, "
              f"stated bound max {bound.max():.2e}")
    o.shot("minilm-value-weighted")
    show(o, "rollout")
    r = rollout(trace)
    n = trace.n_tokens
    for q, k in ((n - 1, 0), (n - 1, n - 1), (4, 7)):
        _, value = rollout_hover(o, q, k)
        assert value == pytest.approx(float(r[q, k]), rel=1e-7, abs=1e-12)
    o.shot("minilm-rollout")
    o.check_clean()
