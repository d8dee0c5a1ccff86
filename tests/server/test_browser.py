"""The app in Chromium: the playground recomputes through the toy source on every edit, the text
explorer captures and opens the trace, the deep zoom's tiles are the trace's weights, the atlas its
row statistics; a shared link opens the same view in another browser; nothing leaves 127.0.0.1.

Screenshots land in test-artifacts/server/ (look at them)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

from attnlab.reporting import explain
from attnlab.toy import run_toy

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "server"
SHOWN = 5e-5  # the pipeline prints 4 decimals: within half a unit of the last one
EXACT = 1e-5  # the deep zoom's fp32 weights against pattern(): the page states 1e-5


def shot(o, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    o.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def edits(o) -> int:
    return o.page.evaluate("window.__attnlabApp.edits.length")


def after_edit(o, action) -> None:
    """Do an edit and wait for the repaint of its last input event (and the explanation that follows).
    An edit can be several input events (keyboard.type("0.7") sends "0", "0." and "0.7"): waiting for
    the first repaint only would read the screen of "0" while "0.7" is in flight."""
    before = edits(o)
    action()
    o.wait(f"window.__attnlabApp.edits.length > {before} && "
           "window.__attnlabApp.edits.at(-1).seq === window.__attnlabApp.sent")
    o.wait("document.querySelector('[data-testid=toy-explanation]').dataset.seq == "
           "window.__attnlabApp.sent")


def pipeline_value(o, stage: str, i: int, j: int) -> float:
    """Hover cell (i, j) of a pipeline stage; the number its readout states."""
    box = o.page.locator(f'canvas.pipe-mat[data-stage="{stage}"]').bounding_box()
    xy = o.page.evaluate(f"window.__attnlab.views.pipeline.cellXY('{stage}', {i}, {j})")  # the tab's geometry
    o.page.mouse.move(box["x"] + xy["x"], box["y"] + xy["y"])
    info = o.page.locator("[data-testid=pipe-info]")
    assert (info.get_attribute("data-stage"), info.get_attribute("data-i"), info.get_attribute("data-j")) == (
        stage, str(i), str(j))
    text = info.inner_text().split("\n")[0]
    return float(re.search(r"= (-?[0-9.]+)$", text).group(1))


def check_toy(o, **spec) -> None:
    """The page's weights and output equal the toy source's for `spec`, and so does the explanation."""
    trace = run_toy(**spec)
    st, n = trace.stages, len(spec["tokens"])
    for i, j in ((0, 0), (n - 1, n - 1), (n - 1, 0)):
        assert abs(pipeline_value(o, "weights", i, j) - float(st.weights[0, i, j])) <= SHOWN
    d = st.head_outputs.shape[-1]
    assert abs(pipeline_value(o, "output", n - 1, d - 1) - float(st.head_outputs[0, n - 1, d - 1])) <= SHOWN
    assert o.page.inner_text("[data-testid=toy-explanation]") == explain(trace, "en")


def test_playground_recomputes_through_the_toy_source(live_server, open_app):
    o = open_app(f"{live_server.url}/?lang=en")
    o.wait("window.__attnlabApp.edits.length >= 1")
    o.wait("document.querySelector('[data-testid=toy-explanation]').textContent.length > 0")
    check_toy(o, tokens=("Tokyo", "is", "beautiful"))  # the tutorial's listing 2
    # a token: four tokens now, x drawn from the seed
    after_edit(o, lambda: o.page.fill("[data-testid=toy-tokens]", "Tokyo is very beautiful"))
    check_toy(o, tokens=("Tokyo", "is", "very", "beautiful"))
    # a cell of x: x becomes explicit (the other cells as shown)
    x = run_toy(tokens=("Tokyo", "is", "very", "beautiful")).stages.x.tolist()
    x[1][2] = 0.9
    after_edit(o, lambda: o.page.fill("input.xcell[data-i='1'][data-j='2']", "0.9"))
    check_toy(o, tokens=("Tokyo", "is", "very", "beautiful"), x=tuple(map(tuple, x)))
    # the seed: new W_Q, W_K, W_V, the same x (the tutorial's "change the seed")
    after_edit(o, lambda: o.page.fill("[data-testid=toy-seed]", "7"))
    check_toy(o, tokens=("Tokyo", "is", "very", "beautiful"), x=tuple(map(tuple, x)), seed=7)
    # the causal mask and the temperature
    after_edit(o, lambda: o.page.check("[data-testid=toy-causal]"))
    after_edit(o, lambda: o.page.fill("[data-testid=toy-temperature]", "0.5"))
    check_toy(o, tokens=("Tokyo", "is", "very", "beautiful"), x=tuple(map(tuple, x)), seed=7, causal=True,
              temperature=0.5)
    shot(o, "playground")
    assert o.errors == []
    # a mistake: the library's message, and the last good picture stays
    o.page.fill("[data-testid=toy-heads]", "3")
    o.page.wait_for_selector("[data-testid=toy-error]:not([hidden])")
    assert o.page.inner_text("[data-testid=toy-error]") == (
        "d_model 4 is not divisible by heads 3: each head takes d_model / heads columns")
    assert abs(pipeline_value(o, "weights", 0, 0) - float(run_toy(
        tokens=("Tokyo", "is", "very", "beautiful"), x=tuple(map(tuple, x)), seed=7, causal=True,
        temperature=0.5).stages.weights[0, 0, 0])) <= SHOWN
    assert o.outside(live_server.url) == []
    assert o.errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]
    assert o.page.evaluate("window.__attnlabApp.errors") == []


def test_a_shared_link_reopens_the_playground_editable_in_another_browser(live_server, open_app):
    o = open_app(f"{live_server.url}/?lang=en&tokens=a%20b%20c%20d&seed=3")
    o.wait("window.__attnlabApp.edits.length >= 1")
    link = o.page.get_attribute("[data-testid=toy-link]", "href")
    assert link.startswith("/?") and "seed=3" in link  # the playground's own address, not a kept trace
    other = open_app(live_server.url + link)  # a new context: no shared state but the server's
    other.wait("window.__attnlab && window.__attnlab.ready")
    trace = run_toy(tokens=tuple("abcd"), seed=3)
    assert abs(pipeline_value(other, "weights", 3, 1) - float(trace.stages.weights[0, 3, 1])) <= SHOWN
    assert other.page.input_value("[data-testid=toy-seed]") == "3"  # editable: the playground's controls
    after_edit(other, lambda: other.page.fill("[data-testid=toy-seed]", "4"))
    check_toy(other, tokens=tuple("abcd"), seed=4)
    # a kept toy's address (/t/toy-...) opens the playground too, with its options
    tid = o.page.get_attribute("[data-testid=toy-download]", "href").split("/")[3]
    third = open_app(f"{live_server.url}/t/{tid}?lang=en")
    third.wait("window.__attnlabApp.edits && window.__attnlabApp.edits.length >= 1")
    assert third.page.input_value("[data-testid=toy-tokens]") == "a b c d" and "/t/" not in third.page.url
    assert other.outside(live_server.url) == [] and other.errors == [] and third.errors == []


def test_one_set_of_controls_every_tab_and_the_explanation_follow(live_server, open_app):
    """The pipeline tab has no temperature, mask or reset of its own in the playground; its hint says what
    the app does (no "need Python"); a click on a cell of x goes to the form's input, whose edit moves
    every tab and the explanation."""
    o = open_app(f"{live_server.url}/?lang=en")
    o.wait("window.__attnlabApp.edits.length >= 1")
    for own in ("pipe-t", "pipe-causal", "pipe-reset"):
        assert o.page.locator(f"[data-testid={own}]").count() == 0
    hint = o.page.inner_text("[data-testid=pipe-hint]")
    assert "Python" not in hint and "recomputed by the server for every tab" in hint
    box = o.page.locator('canvas.pipe-mat[data-stage="x"]').bounding_box()
    xy = o.page.evaluate("window.__attnlab.views.pipeline.cellXY('x', 2, 1)")
    o.page.mouse.click(box["x"] + xy["x"], box["y"] + xy["y"])  # x[2, 1]
    assert o.page.evaluate("[document.activeElement.dataset.i, document.activeElement.dataset.j]") == ["2", "1"]
    x = run_toy().stages.x.tolist()
    x[2][1] = 0.7
    after_edit(o, lambda: o.page.keyboard.type("0.7"))  # into the focused input, its old value selected
    check_toy(o, tokens=("Tokyo", "is", "beautiful"), x=tuple(map(tuple, x)))
    after_edit(o, lambda: o.page.fill("[data-testid=toy-temperature]", "0.2"))
    check_toy(o, tokens=("Tokyo", "is", "beautiful"), x=tuple(map(tuple, x)), temperature=0.2)
    assert "T = 0.2" in o.page.inner_text('section[data-pane="pipeline"]')  # the same T everywhere
    o.page.click('nav.tabs button[data-view="explain"]')
    lines = lambda text: [line.strip() for line in text.splitlines() if line.strip()]  # noqa: E731
    assert lines(o.page.inner_text("[data-testid=explain-text]")) == lines(explain(
        run_toy(x=tuple(map(tuple, x)), temperature=0.2), "en"))
    assert o.errors == [] and o.page.evaluate("window.__attnlabApp.errors") == []


def test_the_address_keeps_the_state_across_language_reload_and_history(live_server, open_app):
    o = open_app(f"{live_server.url}/?lang=en")
    o.wait("window.__attnlabApp.edits.length >= 1")
    after_edit(o, lambda: o.page.fill("[data-testid=toy-seed]", "7"))
    after_edit(o, lambda: o.page.fill("[data-testid=toy-heads]", "2"))
    o.page.click('nav.tabs button[data-view="heatmap"]')
    o.page.select_option('section[data-pane="heatmap"] .toolbar label:nth-of-type(2) select', "1")
    o.wait("location.search.includes('head=1')")
    assert all(p in o.page.url for p in ("seed=7", "heads=2", "view=heatmap", "head=1"))

    def kept(lang: str) -> None:
        o.page.wait_for_selector("body[data-app]", state="attached")
        o.wait("window.__attnlab && window.__attnlab.ready")
        assert o.page.evaluate("document.documentElement.lang") == lang
        assert o.page.input_value("[data-testid=toy-seed]") == "7"
        assert o.page.input_value("[data-testid=toy-heads]") == "2"
        assert o.page.evaluate("window.__attnlab.state.view") == "heatmap"
        assert o.page.locator('section[data-pane="heatmap"]:not([hidden])').count() == 1
        assert o.page.evaluate("window.__attnlab.state.map") == 1

    o.page.click("[data-testid=lang-switch]")  # used to reset seed 7 to 42 and the tab to the pipeline
    kept("ja")
    o.page.reload()
    kept("ja")
    o.page.click('a[data-screen="text"]')
    o.page.wait_for_selector("[data-testid=text-input]")
    o.page.go_back()
    kept("ja")
    o.page.go_forward()
    o.page.wait_for_selector("[data-testid=text-input]")
    assert o.errors == []


@pytest.mark.model
def test_text_explorer_deep_zoom_and_atlas_show_the_traces_numbers(live_server, open_app):
    from attnlab.analysis.atlas import head_means

    o = open_app(f"{live_server.url}/?screen=text&lang=en")
    o.page.fill("[data-testid=text-input]", "The temples of Kyoto are old. Tokyo is a beautiful city.")
    o.page.select_option("[data-testid=text-model]", "minilm")
    o.page.click("[data-testid=text-run]")
    o.page.wait_for_url(re.compile(r"/t/text-[0-9a-f]{16}"), timeout=120000)
    o.page.wait_for_selector("body[data-app]", state="attached")
    tid = re.search(r"/t/(text-[0-9a-f]{16})", o.page.url).group(1)
    trace = live_server.state.texts.get(tid).trace
    o.wait("window.__attnlab && window.__attnlab.ready")
    o.page.click('nav.tabs button[data-view="deepzoom"]')
    o.page.select_option('section[data-pane="deepzoom"] .toolbar label:nth-of-type(1) select', "3")
    o.page.select_option('section[data-pane="deepzoom"] .toolbar label:nth-of-type(2) select', "7")
    o.wait("window.__attnlab.zoom.tileMs.length > 0 && window.__attnlab.views.deepzoom.pending() === 0")
    w = trace.pattern(3, 7)
    for q, k in ((0, 0), (5, 9), (trace.n_tokens - 1, 2)):
        xy = o.page.evaluate(f"window.__attnlab.views.deepzoom.cellXY({q}, {k})")
        o.page.locator('section[data-pane="deepzoom"] canvas.hm-over').hover(position=xy)  # scrolled into view
        tip = o.page.locator("[data-testid=deepzoom-tooltip]")
        assert int(tip.get_attribute("data-q")) == q and int(tip.get_attribute("data-k")) == k
        assert abs(float(tip.get_attribute("data-weight")) - float(w[q, k])) <= EXACT
        assert abs(float(tip.get_attribute("data-score")) - float(trace.scores(3, 7)[q, k])) <= 1e-4
    shot(o, "deepzoom-minilm")
    # the atlas: one number per head, the mean of its rows' statistic
    o.page.click('nav.tabs button[data-view="rowatlas"]')
    o.wait("window.__attnlab.views.rowatlas.data() !== null")
    means = head_means(trace.row_stats(), causal=False)
    got = o.page.evaluate("window.__attnlab.views.rowatlas.data()")
    assert torch.allclose(torch.tensor(got["entropy_ratio"]), torch.tensor(means["entropy_ratio"]), atol=1e-6)
    box = o.page.locator("[data-testid=atlas-canvas]").bounding_box()
    o.page.mouse.click(box["x"] + 64 + 2.5 * (box["width"] - 154) / 12, box["y"] + 36 + 4.5 * (box["height"] - 44) / 6)
    o.page.wait_for_selector('section[data-pane="deepzoom"]:not([hidden])')
    assert o.page.evaluate("window.__attnlab.views.deepzoom.state.li") == 4
    assert o.page.evaluate("window.__attnlab.views.deepzoom.state.head") == 2
    assert o.outside(live_server.url) == [] and o.errors == []


@pytest.mark.model
def test_deep_zoom_pools_and_tiles_a_long_input(live_server, open_app):
    """SmolLM2 on ~1,100 tokens: an overview pooled 3 x 3, pooled tiles, then full-resolution ones."""
    from attnlab.models.api import run_text

    text = " ".join(f"word{i % 50} and" for i in range(540))
    trace = run_text(text, "smollm2")
    n = trace.n_tokens
    assert n > 1024
    entry = live_server.state.texts.put("text", {"text": text, "model": "smollm2", "generate": 0, "truncate": False},
                                        trace)
    o = open_app(f"{live_server.url}/t/{entry.id}?lang=en")
    o.wait("window.__attnlab && window.__attnlab.ready")
    # too long for one page: every view still, each reading from the server (a remote page)
    assert o.page.locator('nav.tabs button[data-view="heatmap"]').count() == 1
    o.page.click('nav.tabs button[data-view="deepzoom"]')
    o.wait("window.__attnlab.zoom && window.__attnlab.zoom.overviewMs.length > 0")
    dz = "window.__attnlab.views.deepzoom"
    o.page.select_option('section[data-pane="deepzoom"] .toolbar label:nth-of-type(1) select', "12")
    o.page.select_option('section[data-pane="deepzoom"] .toolbar label:nth-of-type(2) select', "4")
    o.wait(f"window.__attnlab.zoom.overviewMs.length > 1 && {dz}.pending() === 0")
    w = trace.pattern(12, 4)
    cell = -(-n // 512)
    v = o.page.evaluate(f"{dz}.valueAt(700, 300)")
    block = w[700 // cell * cell : 700 // cell * cell + cell, 300 // cell * cell : 300 // cell * cell + cell]
    assert v["cell"] == cell and abs(v["w"] - float(block.max())) <= EXACT  # max-pooled overview
    # zoom to ~180 positions across: level-0 tiles (weights and scores) around (700, 300)
    o.page.evaluate(f"{dz}.zoomAt(4, 300, 700)")
    o.page.evaluate(f"{dz}.zoomAt(1.5, 300, 700)")
    o.wait(f"{dz}.pending() === 0 && {dz}.valueAt(700, 300).cell === 1")
    for q, k in ((700, 300), (701, 700), (650, 649)):
        v = o.page.evaluate(f"{dz}.valueAt({q}, {k})")
        assert v["cell"] == 1 and abs(v["w"] - float(w[q, k])) <= EXACT, (q, k)
    shot(o, "deepzoom-smollm2")
    assert o.outside(live_server.url) == [] and o.errors == []
