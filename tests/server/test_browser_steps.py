"""The steps tab (views/steps) in a browser, on real SmolLM2 generations: a page file of a sampled run with
the logit lens, and the app's explorer asked to generate with a seed. Scrubbed by mouse and keyboard; at
each step the numbers shown are analysis.steps's and the trace's rows (weights from the page's 8-bit maps:
within encode.PRECISION); no stray null / undefined / NaN, no console error, no request outside.

Screenshots land in test-artifacts/server/ (look at them)."""

from __future__ import annotations

import re

import pytest

import attnlab
from attnlab.analysis.steps import step_rows
from attnlab.html.encode import PRECISION
from attnlab.html.render import render_page

from ..html.conftest import STRAY_TEXT_JS
from .test_browser import shot
from .test_browser_views import open_file

pytestmark = [pytest.mark.browser, pytest.mark.model]
PROMPT = "The capital of Japan is"
PANE = 'section[data-pane="steps"]'
STEPS = "window.__attnlab.views.steps"


def shown_step(o) -> int:
    return o.page.evaluate(f"{STEPS}.state.i")


def check_step(o, gen, i: int) -> None:
    """What the tab shows at step i: the chosen token and its numbers, the candidates, the row's largest
    weights (the page's map of the layer and head shown), each from the Python side."""
    step, n = gen.steps[i], len(gen.steps)
    assert shown_step(o) == i
    assert f"{i + 1} / {n}" in o.page.inner_text(f"{PANE} [data-testid=steps-where]") or \
        f"step {i + 1} of {n}" in o.page.inner_text(f"{PANE} [data-testid=steps-where]")
    status = o.page.inner_text(f"{PANE} [data-testid=steps-status]")
    assert f"{step.p:.3f}" in status and step.token in status
    cands = o.page.eval_on_selector_all(f"{PANE} .steps-cand", "(els) => els.map((e) => [+e.dataset.tokenId, "
                                        "+e.dataset.p, e.querySelector('.steps-cand-p').textContent, "
                                        "e.classList.contains('chosen')])")
    assert cands == [[c.token_id, pytest.approx(c.p, abs=1e-7), f"{c.p:.3f}", c.token_id == step.token_id]
                     for c in step.top]
    shown = o.page.evaluate(f"{STEPS}.shown()")
    row = step_rows(gen.trace, step.position, shown["layer"])[shown["map"]]  # [keys]
    keys = o.page.eval_on_selector_all(f"{PANE} [data-testid=steps-keys] li", "(els) => els.map((e) => "
                                       "[+e.dataset.key, +e.dataset.weight])")
    assert len(keys) == min(5, step.position + 1)
    for k, w in keys:
        assert w == pytest.approx(float(row[k]), abs=PRECISION)
    assert keys[0][1] == pytest.approx(float(row.max()), abs=PRECISION)
    assert o.page.evaluate(STRAY_TEXT_JS) == []


def test_a_page_file_scrubbed_by_mouse_and_keyboard(browser, tmp_path):
    gen = attnlab.generate(PROMPT, "smollm2", 6, temperature=0.9, top_k=40, seed=5, lens=True, top=4)
    path = tmp_path / "steps.html"
    path.write_text(render_page(gen.trace, lang="en", generation=gen), encoding="utf-8")
    o = open_file(browser, path)
    assert o.page.evaluate("window.__attnlab.state.view") == "steps"
    assert "seed 5" in o.page.inner_text(f"{PANE} [data-testid=steps-how]")
    check_step(o, gen, 0)
    o.page.click(f"{PANE} [data-testid=steps-next]")  # the mouse: a button, then the range's far end
    check_step(o, gen, 1)
    box = o.page.locator(f"{PANE} [data-testid=steps-range]").bounding_box()
    o.page.mouse.click(box["x"] + box["width"] - 2, box["y"] + box["height"] / 2)
    check_step(o, gen, 5)
    o.page.locator(f"{PANE} [data-testid=steps-range]").focus()  # the keyboard: the range's own arrows
    o.page.keyboard.press("ArrowLeft")
    check_step(o, gen, 4)
    o.page.keyboard.press("Home")
    check_step(o, gen, 0)
    o.page.locator(f"{PANE} [data-testid=steps-next]").focus()  # and the tab's: ← → outside the range
    o.page.keyboard.press("ArrowRight")
    o.page.keyboard.press("ArrowRight")
    check_step(o, gen, 2)
    lens = o.page.eval_on_selector_all(f"{PANE} .steps-lens tbody tr", "(els) => els.map((e) => +e.dataset.tokenId)")
    assert lens == [layer[0].token_id for layer in gen.steps[2].lens]
    # the overview: a click on a head chooses it; its readout says the key of the largest weight
    xy = o.page.evaluate(f"{STEPS}.cellXY(0, 3)")
    o.page.locator(f"{PANE} [data-testid=steps-grid]").click(position={"x": xy["x"], "y": xy["y"]})
    cell = o.page.locator(f"{PANE} [data-testid=steps-cell]")
    row = step_rows(gen.trace, gen.steps[2].position, 0)[3]
    assert int(cell.get_attribute("data-key")) == int(row.argmax())
    assert float(cell.get_attribute("data-weight")) == pytest.approx(float(row.max()), abs=1e-5)
    assert o.page.evaluate("window.__attnlab.state.map") == 3
    check_step(o, gen, 2)
    shot(o, "steps-page")
    o.page.click(f"{PANE} [data-testid=steps-open]")  # the row in the heatmap, the cursor on its largest weight
    assert o.page.evaluate("window.__attnlab.state.view") == "heatmap"
    readout = o.page.inner_text('section[data-pane="heatmap"] .readout')
    assert f"{gen.steps[2].position} " in readout and f"{int(row.argmax())} " in readout
    assert o.errors == [] and [u for u in o.requests if not u.startswith(("data:", "blob:", path.as_uri()))] == []


def test_the_explorer_generates_with_a_seed_and_its_trace_page_shows_the_steps(live_server, open_app):
    o = open_app(f"{live_server.url}/?screen=text&lang=ja")
    o.page.fill("[data-testid=text-input]", PROMPT)
    o.page.select_option("[data-testid=text-model]", "smollm2")
    o.page.fill("[data-testid=text-generate]", "4")
    o.page.fill("[data-testid=text-temperature]", "0.7")
    o.page.fill("[data-testid=text-seed]", "21")
    o.page.click("[data-testid=text-run]")
    o.page.wait_for_url(re.compile(r"/t/text-[0-9a-f]{16}"), timeout=180000)
    o.wait("window.__attnlab && window.__attnlab.ready", timeout_s=120)
    gen = attnlab.generate(PROMPT, "smollm2", 4, temperature=0.7, seed=21)
    assert o.page.evaluate("window.__attnlab.state.view") == "steps"
    assert "seed 21" in o.page.inner_text(f"{PANE} [data-testid=steps-how]")
    check_step(o, gen, 0)
    o.page.locator(f"{PANE} [data-testid=steps-range]").focus()
    o.page.keyboard.press("End")
    check_step(o, gen, 3)
    shot(o, "steps-app")
    assert o.errors == [] and o.page.evaluate("window.__attnlab.errors") == []
    assert o.outside(live_server.url) == []


def test_a_remote_trace_page_fetches_the_row_it_shows(live_server, open_app):
    """A prompt past 334 tokens: the app's page of a SmolLM2 trace holds no map (html/live.py), so the tab
    asks the server for the map of the layer and head it shows; the numbers are still the trace's rows."""
    from attnlab.html.live import fits_page
    from attnlab.server.capture import capture_job
    from attnlab.server.inputs import text_request

    srv = live_server.state
    text = "Tokyo is the capital of Japan and a very large city. " * 34  # ~400 tokens
    req = text_request({"text": text, "model": "smollm2", "generate": 2}, srv.models)
    entry = capture_job(srv, req).future.result(timeout=300)
    gen = entry.extras["generation"]
    assert not fits_page(entry.trace)  # a remote page
    o = open_app(f"{live_server.url}/t/{entry.id}?lang=en")
    o.wait("window.__attnlab && window.__attnlab.ready", timeout_s=120)
    assert o.page.evaluate("window.__attnlab.state.view") == "steps"
    o.wait(f"{STEPS}.shown && document.querySelectorAll('{PANE} [data-testid=steps-keys] li').length > 0")
    check_step(o, gen, 0)
    o.page.click(f"{PANE} [data-testid=steps-next]")
    check_step(o, gen, 1)
    assert any(f"/api/traces/{entry.id}/map?" in u for u in o.requests)  # the map came from the server
    assert o.errors == [] and o.page.evaluate("window.__attnlab.errors") == []
