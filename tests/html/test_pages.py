"""The pages in Chromium: each view loads clean and offline, draws the trace's numbers, answers
hovers and selections with them, exports PNG and SVG, and keeps hostile token text as text.

Screenshots land in test-artifacts/html/ (look at them)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from attnlab.html import PRECISION, render_page
from attnlab.toy import run_toy
from attnlab.views import page_views

from ..analysis.conftest import synthetic_trace
from .conftest import ARTIFACTS, STRAY_TEXT_JS, png_pixels
from .fakes import INJECTIONS, FakeTrace, words

pytestmark = pytest.mark.browser
SHOWN = 5e-5  # the tooltip prints 4 decimals: +-0.00005 on top of the stated precision

COLOUR_TOL = 8  # the pages draw the colour maps from 17 stops: within 8 of 255 (tests/plot/test_colours.py)


def viridis(t: float) -> np.ndarray:
    """The weights' colour (plot._style.WEIGHTS_CMAP, matplotlib's), for checking drawn pixels."""
    import matplotlib

    from attnlab.plot._style import WEIGHTS_CMAP

    return np.round(255 * np.array(matplotlib.colormaps[WEIGHTS_CMAP](min(1.0, max(0.0, t)))[:3]))


@pytest.fixture(scope="module")
def fake():
    return FakeTrace(words(14), n_layers=2, n_heads=3, causal=True, scores=True, spread=2.5)


@pytest.fixture(scope="module")
def toy():
    return run_toy(tokens=("東京", "は", "美しい", "街"), d_model=4, heads=2, causal=True, temperature=0.7)


def show(o, view):
    o.page.click(f'nav.tabs button[data-view="{view}"]')
    o.page.wait_for_selector(f'section[data-pane="{view}"]:not([hidden])')


def pipe_cell(o, stage: str, i: int, j: int) -> dict:
    """The centre of cell (i, j) of a pipeline stage, from its canvas's top left (the tab's geometry)."""
    return o.page.evaluate(f"window.__attnlab.views.pipeline.cellXY('{stage}', {i}, {j})")


def pane(view):
    return f'section[data-pane="{view}"]'


PAGE_KINDS = {  # a trace of every kind a page file shows: the toy, an encoder, a decoder (captured q, k, v)
    "encoder": lambda: synthetic_trace(n=14, n_layers=3, n_heads=4, n_kv=4, causal=False),
    "decoder": lambda: synthetic_trace(n=14, n_layers=3, n_heads=4, n_kv=2, causal=True),
}


def test_every_view_loads_clean_and_offline(open_page, fake, toy):
    """Every view of every kind of trace: drawn, with no "null", "undefined" or "NaN" in its text and no
    console error."""
    for name, trace, lang in (("toy", toy, "ja"), ("fake", fake, "en"),
                              *((k, make(), "en") for k, make in PAGE_KINDS.items())):
        o = open_page(render_page(trace, lang=lang), name)
        for view in [v.name for v in page_views(trace)]:
            show(o, view)
            o.shot(f"{name}-{view}")
            assert o.page.evaluate(STRAY_TEXT_JS) == [], (name, view)
        # every label arrived: no control without its text (a label missing from i18n would be empty)
        blank = o.page.evaluate("[...document.querySelectorAll('option, button, label, h1')]"
                                ".filter((e) => !e.textContent.trim()).length")
        assert blank == 0
        o.check_clean()
        assert o.requests == [] or set(o.requests) == {o.url}


def heatmap_cell(o, q, k):
    """Page coordinates of cell (q, k)'s centre in the heatmap, scrolled into the window first."""
    over = o.page.locator(f"{pane('heatmap')} canvas.hm-over")
    xy = o.page.evaluate(f"window.__attnlab.views.heatmap.cellXY({q}, {k})")
    over.hover(position=xy)  # scrolls the cell into view (a map with long labels is taller than the window)
    box = over.bounding_box()
    return box["x"] + xy["x"], box["y"] + xy["y"]


def test_heatmap_draws_the_weights(open_page, fake):
    o = open_page(render_page(fake, lang="en"), "heatmap-pixels")
    o.page.select_option(f"{pane('heatmap')} select >> nth=1", "2")  # head 2
    o.page.mouse.move(0, 0)
    shot = png_pixels(o.page.screenshot(full_page=True))  # the whole map: long labels make it taller than the window
    box = o.page.locator(f"{pane('heatmap')} canvas.hm-over").bounding_box()
    sx, sy = o.page.evaluate("[window.scrollX, window.scrollY]")
    w = fake.pattern(0, 2)
    for q, k in [(0, 0), (5, 2), (13, 13), (9, 4), (3, 8)]:
        xy = o.page.evaluate(f"window.__attnlab.views.heatmap.cellXY({q}, {k})")
        x, y = box["x"] + sx + xy["x"], box["y"] + sy + xy["y"]
        got = shot[int(y) - 18, int(x) - 18].astype(int)  # cells are ~51 px: off the centred number
        if k > q:  # causal: hidden cells are drawn grey
            np.testing.assert_array_equal(got, [226, 226, 226])
        else:
            np.testing.assert_allclose(got, viridis(float(w[q, k])), atol=COLOUR_TOL + 2)
    o.check_clean()


def test_heatmap_hover_shows_the_trace_numbers(open_page, fake):
    o = open_page(render_page(fake, lang="en"), "heatmap-hover")
    tip = o.page.locator('[data-testid="heatmap-tooltip"]')
    for layer, head in [(0, 0), (1, 2), (1, None)]:
        o.page.select_option(f"{pane('heatmap')} select >> nth=0", str(layer))
        o.page.select_option(f"{pane('heatmap')} select >> nth=1", str(3 if head is None else head))
        for q, k in [(4, 1), (13, 0), (7, 7), (2, 9)]:
            o.page.mouse.move(*heatmap_cell(o, q, k))
            text = tip.inner_text()
            if k > q:
                assert "weight: —" in text  # a masked cell is not a computed 0.0000
            else:
                shown = float(re.search(r"weight: ([0-9.]+)", text).group(1))
                assert abs(shown - float(fake.pattern(layer, head)[q, k])) <= PRECISION + SHOWN, (layer, head, q, k)
            assert fake.token_texts[q] in text and fake.token_texts[k] in text
            if head is not None and k <= q:
                score = float(re.search(r"score: (-?[0-9.]+)", text).group(1))
                assert abs(score - float(fake._logits[layer, head, q, k])) <= SHOWN + 1e-6
            if k > q:
                assert "masked" in text
                assert ("score: −∞" in text) if head is not None else ("score: –\n" in text)
    o.shot("heatmap-hover")
    assert max(o.page.evaluate("window.__attnlab.switchMs")) < 200
    o.check_clean()


def test_heatmap_zoom_and_pan(open_page):
    trace = FakeTrace([f"t{i}" for i in range(300)], n_layers=1, n_heads=2, causal=False)
    o = open_page(render_page(trace, lang="en"), "heatmap-zoom")
    o.page.mouse.move(*heatmap_cell(o, 100, 100))
    for _ in range(8):
        o.page.mouse.wheel(0, -100)
    span = o.page.evaluate("window.__attnlab.views.heatmap.view.span")
    assert span < 60
    o.page.mouse.move(*heatmap_cell(o, 102, 98))
    text = o.page.locator('[data-testid="heatmap-tooltip"]').inner_text()
    shown = float(re.search(r"weight: ([0-9.]+)", text).group(1))
    assert "102 t102" in text and "98 t98" in text
    assert abs(shown - float(trace.pattern(0, 0)[102, 98])) <= PRECISION + SHOWN
    o.shot("heatmap-zoomed")
    o.check_clean()


def canvas_png(o, selector):
    return png_pixels(o.page.locator(selector).screenshot())


def test_headview_hover_and_selection(open_page, fake):
    o = open_page(render_page(fake, lang="en", view="headview"), "headview")
    lines = f"{pane('headview')} canvas.hv-lines"
    all_lines = canvas_png(o, lines)
    assert (all_lines < 250).any()  # lines drawn
    o.page.hover(f"{pane('headview')} .hv-left .tok >> nth=5")
    one = canvas_png(o, lines)
    assert (one != all_lines).any() and (one < 250).sum() < (all_lines < 250).sum()
    o.shot("headview-hover")
    o.page.mouse.move(0, 0)
    for i in (3, 9):
        o.page.click(f"{pane('headview')} .hv-left .tok >> nth={i}")
    o.page.mouse.move(0, 0)
    sel = canvas_png(o, lines)
    assert (sel != all_lines).any() and (sel != one).any()
    sums = o.page.locator(f"{pane('headview')} .hv-right .sum").all_inner_texts()
    want = sum(fake.pattern(0, None)[q] for q in (3, 9))  # mean over the 3 active heads
    np.testing.assert_allclose([float(s) for s in sums], want.numpy(), atol=2 * PRECISION + 5e-4)
    o.shot("headview-selected")
    o.page.click(f"{pane('headview')} .chip >> nth=1")  # head 1 off: the lines change
    assert (canvas_png(o, lines) != sel).any()
    o.check_clean()


def test_modelview_opens_a_head_in_the_heatmap(open_page, fake):
    o = open_page(render_page(fake, lang="ja", view="modelview"), "modelview")
    thumbs = o.page.locator(f"{pane('modelview')} canvas.mv-thumb")
    assert thumbs.count() == 2 * 4  # layers x (heads + mean)
    px = png_pixels(thumbs.nth(0).screenshot())
    assert len(np.unique(px.reshape(-1, 3), axis=0)) > 5  # a map, not a blank square
    o.shot("modelview")
    o.page.click(f'{pane("modelview")} canvas.mv-thumb[data-layer="1"][data-map="2"]')
    o.page.wait_for_selector(f"{pane('heatmap')}:not([hidden])")
    values = o.page.eval_on_selector_all(f"{pane('heatmap')} select", "s => s.map(x => x.value)")
    assert values[:2] == ["1", "2"]
    o.shot("modelview-opened")
    o.check_clean()


def numbers(line: str) -> list[float]:
    return [float(x.replace("−", "-")) for x in re.findall(r"[−-]?\d+\.\d+", line.split("=", 1)[-1])]


def test_pipeline_hover_explains_the_output(open_page, toy):
    o = open_page(render_page(toy, lang="en"), "pipeline")
    info = o.page.locator('[data-testid="pipe-info"]')
    o.page.select_option(f"{pane('pipeline')} select", "1")  # head 1
    out = o.page.locator(f'{pane("pipeline")} canvas[data-stage="output"]').bounding_box()
    xy = pipe_cell(o, "output", 2, 1)
    o.page.mouse.move(out["x"] + xy["x"], out["y"] + xy["y"])
    lines = info.inner_text().splitlines()
    assert lines[0].startswith("output[美しい, d2]")  # rows by token, columns d1.. as in the printout
    assert abs(numbers(lines[0])[0] - float(toy.stages.head_outputs[1, 2, 1])) < 1e-4
    weights_row = numbers(next(s for s in lines if s.startswith("weight[美しい, :]")))
    v_col = numbers(next(s for s in lines if s.startswith("V[:, d2]")))
    np.testing.assert_allclose(weights_row, toy.stages.weights[1, 2, :3].numpy(), atol=1e-4)  # key 3: masked
    assert next(s for s in lines if s.startswith("weight[美しい, :]")).endswith(", —]")
    np.testing.assert_allclose(v_col, toy.stages.V[1, :, 1].numpy(), atol=1e-4)
    o.shot("pipeline-hover-output")
    # the weights stage is drawn in the trace's colours: sample a cell's corner (its number is centred)
    wb = o.page.locator(f'{pane("pipeline")} canvas[data-stage="weights"]').bounding_box()
    shot = png_pixels(o.page.screenshot())
    for i, j in [(1, 0), (3, 2), (2, 2)]:
        xy = pipe_cell(o, "weights", i, j)  # the cell's corner: 46 x 24 px cells
        px = shot[int(wb["y"] + xy["y"] - 12 + 4), int(wb["x"] + xy["x"] - 23 + 4)].astype(int)
        np.testing.assert_allclose(px, viridis(float(toy.stages.weights[1, i, j])), atol=COLOUR_TOL + 2)
    sc = o.page.locator(f'{pane("pipeline")} canvas[data-stage="mask"]').bounding_box()
    xy = pipe_cell(o, "mask", 0, 3)  # hidden by the mask
    o.page.mouse.move(sc["x"] + xy["x"], sc["y"] + xy["y"])
    assert "−∞" in info.inner_text()
    o.check_clean()


def test_export_buttons(open_page, toy):
    o = open_page(render_page(FakeTrace(words(12)), lang="en"), "exports-fake")
    t = open_page(render_page(toy, lang="ja"), "exports-toy")
    for page, view in [(o, "heatmap"), (o, "headview"), (o, "modelview"), (t, "pipeline")]:
        show(page, view)
        for kind in ("png", "svg"):
            with page.page.expect_download() as d:
                page.page.click(f'{pane(view)} button[data-export="{kind}"]')
            dest = ARTIFACTS / f"export-{view}.{kind}"
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            d.value.save_as(dest)
            data = dest.read_bytes()
            if kind == "png":
                px = png_pixels(data)
                assert px.shape[0] > 50 and px.shape[1] > 50 and (px < 200).any()
            else:
                root = ET.fromstring(data)
                assert root.tag == "{http://www.w3.org/2000/svg}svg"
                texts = [e.text for e in root.iter("{http://www.w3.org/2000/svg}text")]
                assert texts
                if view == "headview":
                    assert INJECTIONS[0] in texts and INJECTIONS[1] in texts  # escaped, then parsed back
    o.check_clean()
    t.check_clean()


LONG_WORDS = ("internationalization", "beautiful", "東京スカイツリー", "is", "counterrevolutionaries", "a",
              "photosynthesis", "extraordinarily", "猫", "transformers", "tokenization", "end")


@pytest.mark.parametrize("n", [3, 12])
def test_small_pages_keep_whole_labels_and_a_picture_of_their_size(open_page, n):
    """Up to 12 tokens the pipeline's labels are whole ("beautiful", not "beautif…"), its saved picture
    wraps into rows (it was a 2,266 x 130 strip for 3 tokens) and a 3 x 3 heatmap is a small picture
    (it filled a 964 px frame)."""
    toy = run_toy(tokens=LONG_WORDS[:n], d_model=4)
    o = open_page(render_page(toy, lang="en"), f"small-{n}")
    pipe = "window.__attnlab.views.pipeline"
    for stage in ("x", "scores", "weights", "output"):
        labels = o.page.evaluate(f"{pipe}.labels('{stage}')")
        assert labels["rows"] == list(LONG_WORDS[:n]), stage
        if stage in ("scores", "weights"):
            assert labels["cols"] == list(LONG_WORDS[:n]), stage
    sheet = o.page.evaluate(f"{pipe}.sheet()")
    assert sheet["w"] <= 1220 and sheet["w"] / sheet["h"] <= 4, sheet
    with o.page.expect_download() as d:
        o.page.click(f'{pane("pipeline")} button[data-export="png"]')
    px = png_pixels(Path(d.value.path()).read_bytes())
    assert px.shape[1] / px.shape[0] <= 4, px.shape  # rows of stages, not one strip
    o.shot(f"small-{n}-pipeline")
    show(o, "heatmap")
    hm = "window.__attnlab.views.heatmap"
    for axis in ("row", "col"):
        shown = o.page.evaluate(f"[...Array({n}).keys()].map((i) => {hm}.labelText(i, '{axis}'))")
        assert shown == [f"{i} {w}" for i, w in enumerate(LONG_WORDS[:n])], axis
    box = o.page.locator('[data-testid="heatmap-canvas"]').bounding_box()
    side = max(200, min(720, 64 * n))  # at most 64 px a cell, at least 200 px a side
    assert box["height"] <= 200 + side + 16 + 1, box  # column labels take up to 200 px above the map
    o.shot(f"small-{n}-heatmap")
    o.check_clean()


def test_injection_strings_stay_text(open_page):
    trace = FakeTrace(words(12))
    o = open_page(render_page(trace, lang="en"), "injection")
    for view in ("heatmap", "headview", "modelview"):
        show(o, view)
    assert o.page.evaluate("document.querySelectorAll('img, svg, iframe, object, embed').length") == 0
    texts = o.page.locator(f"{pane('headview')} .hv-left .tok").all_inner_texts()
    assert texts[4] == INJECTIONS[0] and texts[5] == INJECTIONS[1]
    assert o.page.title().startswith("attnlab")
    o.shot("injection-headview")
    o.check_clean()


def test_notebook_display(open_page):
    trace = FakeTrace(words(12))
    o = open_page("<!DOCTYPE html><html><body><h1>notebook</h1>" + trace._repr_html_() + "</body></html>",
                  "notebook", wait_ready=False)
    frame = o.page.frame_locator("iframe")
    frame.locator("nav.tabs button").first.wait_for()
    inner = o.page.frames[1]
    inner.wait_for_selector("body[data-ready]", state="attached", timeout=20000)
    inner.click('nav.tabs button[data-view="headview"]')
    texts = inner.locator(".hv-left .tok").all_inner_texts()
    assert texts[4] == INJECTIONS[0] and texts[5] == INJECTIONS[1]
    assert inner.evaluate("document.querySelectorAll('img, svg').length") == 0
    assert o.page.evaluate("document.querySelectorAll('img, svg').length") == 0
    assert inner.evaluate("window.__attnlab.errors") == []
    o.shot("notebook")
    assert o.console_errors == [] and o.dialogs == [] and o.blocked == []


def test_long_sequence_heatmap(open_page):
    """1,100 tokens, causal: draws, a hover deep in the map reads the right cell, and the head view
    groups tokens (3 a row, 367 rows) instead of freezing: a line's weight is the group's queries' mean
    summed weight on the other group's keys."""
    trace = FakeTrace([f"w{i}" for i in range(1100)], n_layers=1, n_heads=1, causal=True, spread=4.0)
    o = open_page(render_page(trace, lang="en"), "long-1100")
    o.page.mouse.move(*heatmap_cell(o, 900, 850))
    text = o.page.locator('[data-testid="heatmap-tooltip"]').inner_text()
    q, k = (int(x) for x in re.findall(r"(\d+) w\d+", text)[:2])
    shown = float(re.search(r"weight: ([0-9.]+)", text).group(1))
    assert abs(shown - float(trace.pattern(0, 0)[q, k])) <= PRECISION + SHOWN
    assert abs(q - 900) <= 1 and abs(k - 850) <= 1  # one cell is under a pixel at this zoom
    o.shot("long-1100")
    show(o, "headview")
    assert "1100 tokens: each row is a group of 3 consecutive tokens" in o.page.locator(pane("headview")).inner_text()
    hv = "window.__attnlab.views.headview"
    assert o.page.evaluate(f"[{hv}.rows, {hv}.group]") == [367, 3]
    w = trace.pattern(0, 0)
    for i, j in ((0, 0), (300, 280), (366, 366), (366, 0)):
        want = float(w[3 * i : 3 * i + 3, 3 * j : 3 * j + 3].sum(1).mean())
        assert abs(o.page.evaluate(f"{hv}.weight(0, {i}, {j})") - want) <= 3 * PRECISION, (i, j)
    assert o.page.locator(f"{pane('headview')} .hv-left .tok").nth(300).inner_text() == "900–902 w900…"
    o.check_clean()


def test_big_toy_pipeline(open_page):
    """The largest toys the CLI allows draw every stage; hovering a big stage answers quickly."""
    toy = run_toy(tokens=tuple(f"t{i}" for i in range(128)), d_model=64, heads=4)
    o = open_page(render_page(toy, lang="en"), "pipeline-big")
    canvas = o.page.locator(f'{pane("pipeline")} canvas[data-stage="weights"]')
    canvas.scroll_into_view_if_needed()  # the stages wrap over several rows at this size
    box = canvas.bounding_box()
    o.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert o.page.locator('[data-testid="pipe-info"]').inner_text().startswith("weight[")
    o.shot("pipeline-big")
    o.check_clean()
