"""Keyboard and screen readers: axe-core (axe-playwright-python) finds no serious or critical violation on
the playground, a trace page and a lesson's output (a notebook output page), every tab shown; the tabs
follow the WAI-ARIA tabs pattern; every map takes focus and its arrow keys move a cursor cell whose
query, key and numbers go to a live region; Ctrl+Enter runs the explorer."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from attnlab.toy import run_toy

from ..analysis.conftest import synthetic_trace
from ..html.test_pages import PRECISION, SHOWN
from ..views.effects_fakes import fake_effects

pytestmark = pytest.mark.browser
SERIOUS = ("serious", "critical")
TOY_TABS = ("pipeline", "heatmap", "headview", "modelview", "explain")


def violations(target) -> list[str]:
    """axe-core's serious and critical violations on a page or frame: "id (impact): targets"."""
    found = Axe().run(target).response["violations"]
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes'][:3]]}"
            for v in found if v["impact"] in SERIOUS]


def every_tab(target) -> dict[str, list[str]]:
    """axe on each tab of the page in `target` (a page or a frame), opened in turn."""
    out = {}
    for view in target.evaluate("[...document.querySelectorAll('[role=tab]')].map((t) => t.dataset.view)"):
        target.click(f'[role=tab][data-view="{view}"]')
        target.wait_for_selector(f'section[data-pane="{view}"]:not([hidden])')
        target.wait_for_timeout(300)
        out[view] = violations(target)
    return out


def keep(live_server, trace):
    return live_server.state.texts.put("text", {"text": "a11y", "model": "synthetic", "generate": 0, "truncate": False},
                                       trace)


def test_axe_finds_nothing_serious_on_the_playground_a_trace_page_and_a_notebook_output(live_server, open_app, browser,
                                                                                        tmp_path):
    o = open_app(f"{live_server.url}/?lang=en&heads=2")
    o.wait("window.__attnlab && window.__attnlab.ready")
    assert every_tab(o.page) == {v: [] for v in TOY_TABS}
    assert violations(o.page) == []
    t = open_app(f"{live_server.url}/t/{keep(live_server, synthetic_trace(n=14, seed=6)).id}?lang=ja")
    t.wait("window.__attnlab && window.__attnlab.ready")
    found = every_tab(t.page)
    assert set(found) == {"pipeline", "heatmap", "headview", "modelview", "explain", "atlas", "rollout", "deepzoom",
                          "rowatlas", "effects", "flow"} and all(v == [] for v in found.values()), found
    e = open_app(f"{live_server.url}/?screen=text&lang=en")
    assert violations(e.page) == []
    # a lesson's output: the page a notebook shows in its frame (the toy of lesson 1)
    path = tmp_path / "output.html"
    path.write_text("<!DOCTYPE html><html lang='en'><head><title>notebook</title></head><body><main>"
                    + run_toy()._repr_html_() + "</main></body></html>", encoding="utf-8")
    page = browser.new_page()
    page.goto(path.as_uri())
    frame = page.frames[1]
    frame.wait_for_selector("body[data-ready]", state="attached", timeout=20000)
    assert every_tab(frame) == {v: [] for v in TOY_TABS}
    page.close()


def test_the_tabs_follow_the_wai_aria_pattern(live_server, open_app):
    o = open_app(f"{live_server.url}/t/{keep(live_server, synthetic_trace(n=10, seed=7)).id}?lang=en")
    o.wait("window.__attnlab && window.__attnlab.ready")
    tabs = o.page.locator("[role=tablist] [role=tab]")
    views = [tabs.nth(i).get_attribute("data-view") for i in range(tabs.count())]
    assert o.page.locator("[role=tab][aria-selected=true]").get_attribute("data-view") == "heatmap"  # a model's first
    assert [tabs.nth(i).get_attribute("tabindex") for i in range(len(views))] == [
        "0" if v == "heatmap" else "-1" for v in views]  # one tab in the tab order: the selected one
    first = tabs.nth(0)
    first.click()
    pane = o.page.locator(f"#{first.get_attribute('aria-controls')}")
    assert pane.get_attribute("role") == "tabpanel"
    assert pane.get_attribute("aria-labelledby") == first.get_attribute("id")
    first.focus()
    for key, want in (("ArrowRight", views[1]), ("ArrowRight", views[2]), ("End", views[-1]), ("ArrowRight", views[0]),
                      ("ArrowLeft", views[-1]), ("Home", views[0])):
        o.page.keyboard.press(key)
        focused = o.page.evaluate("[document.activeElement.getAttribute('role'), document.activeElement.dataset.view]")
        assert focused == ["tab", want], key
        assert o.page.locator("[role=tab][aria-selected=true]").get_attribute("data-view") == want
        assert o.page.locator(f'section[data-pane="{want}"]').is_visible()
    assert o.errors == []


def test_every_map_takes_focus_and_its_arrow_keys_move_an_announced_cursor(live_server, open_app):
    trace = synthetic_trace(n=12, n_layers=3, n_heads=4, n_kv=2, seed=8)
    o = open_app(f"{live_server.url}/t/{keep(live_server, trace).id}?lang=en&view=heatmap")
    o.wait("window.__attnlab && window.__attnlab.ready")
    # the heatmap: Tab reaches it; down 2, right 1: query 2, key 1, its weight, in the live region
    heat = o.page.locator("[data-testid=heatmap-map]")
    heat.focus()
    for key in ("ArrowDown", "ArrowDown", "ArrowRight"):
        o.page.keyboard.press(key)
    readout = o.page.locator("[data-testid=heatmap-readout]")
    assert readout.get_attribute("aria-live") == "polite" and readout.get_attribute("role") == "status"
    text = readout.inner_text()
    assert text.startswith("Query (attending): 2 t2 · Key (attended): 1 t1 · weight: ")
    shown = float(text.split("weight: ")[1].split(" ")[0])
    assert abs(shown - float(trace.pattern(0, 0)[2, 1])) <= PRECISION + SHOWN
    o.page.keyboard.press("End")
    assert "Key (attended): 11 t11" in readout.inner_text()
    # the census grid: a cursor head, Enter opens it in the heatmap
    o.page.click('[role=tab][data-view="atlas"]')
    o.page.locator("[data-testid=census-canvas]").focus()
    o.page.keyboard.press("ArrowDown")
    o.page.keyboard.press("ArrowRight")
    assert o.page.locator("[data-testid=census-readout]").inner_text().startswith("Layer 1 · Head 1 · ")
    o.page.keyboard.press("Enter")
    assert o.page.evaluate("[window.__attnlab.state.view, window.__attnlab.state.li, window.__attnlab.state.map]") == [
        "heatmap", 1, 1]
    # the model view: each thumbnail is a button
    o.page.click('[role=tab][data-view="modelview"]')
    thumb = o.page.locator('canvas.mv-thumb[data-layer="2"][data-map="3"]')
    assert thumb.get_attribute("role") == "button" and thumb.get_attribute("tabindex") == "0"
    thumb.focus()
    o.page.keyboard.press("Enter")
    assert o.page.evaluate("[window.__attnlab.state.view, window.__attnlab.state.li, window.__attnlab.state.map]") == [
        "heatmap", 2, 3]
    # the pipeline (the bridge): each stage takes focus, its cursor's cell is explained in a live region
    o.page.click('[role=tab][data-view="pipeline"]')
    o.page.locator('canvas.pipe-mat[data-stage="weights"]').focus()
    o.page.keyboard.press("ArrowRight")
    info = o.page.locator("[data-testid=pipe-info]")
    assert (info.get_attribute("data-stage"), info.get_attribute("data-j"), info.get_attribute("aria-live")) == (
        "weights", "1", "polite")
    # the head view: the attending tokens are a listbox; arrows move, Space selects, the strongest keys said
    o.page.click('[role=tab][data-view="headview"]')
    o.page.locator('section[data-pane="headview"] .hv-left [role=option]').first.focus()
    o.page.keyboard.press("ArrowDown")
    o.page.keyboard.press("Space")
    assert o.page.evaluate("document.activeElement.dataset.i") == "1"
    assert o.page.locator('.hv-left [role=option][data-i="1"]').get_attribute("aria-selected") == "true"
    said = o.page.locator("[data-testid=headview-readout]").inner_text()
    top = int(sum(trace.pattern(2, h)[1] for h in range(4)).argmax())  # the layer the census opened: 2
    assert said.startswith("Query (attending) 1 t1 → ") and f"{top} t{top} " in said
    assert o.errors == [] and o.page.evaluate("window.__attnlab.errors") == []


def test_ctrl_enter_runs_the_explorer(live_server, open_app):
    o = open_app(f"{live_server.url}/?screen=text&lang=en")
    asked = []

    def answer(route):
        asked.append(route.request.post_data_json)
        route.fulfill(status=400, content_type="application/json", body='{"error": "stopped by the test"}')

    o.page.route("**/api/text/stream?*", answer)  # (the explorer names its language: ?lang=)
    o.page.fill("[data-testid=text-input]", "Kyoto is old")
    o.page.press("[data-testid=text-input]", "Control+Enter")
    o.page.wait_for_selector("[data-testid=text-error]:not([hidden])")
    assert asked and asked[0]["text"] == "Kyoto is old"
    assert o.page.inner_text("[data-testid=text-error]") == "stopped by the test"
    assert "text=Kyoto+is+old" in o.page.url  # the address holds the text as typed


def test_a_page_with_the_effects_tab_has_nothing_serious_and_its_scatter_takes_the_keyboard(browser, tmp_path):
    """A page file handed head effects (made up here: the tab's markup, not the numbers, is under test;
    tests/server/test_browser_views.py opens real SmolLM2 effects): axe on every tab, in both languages."""
    from attnlab.html import render_page

    trace = synthetic_trace(n=12, n_layers=4, n_heads=6, n_kv=2, seed=9)
    for lang in ("ja", "en"):
        path = tmp_path / f"effects-{lang}.html"
        path.write_text(render_page(trace, lang=lang, effects=fake_effects(trace, seed=9), view="effects"),
                        encoding="utf-8")
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready]", state="attached", timeout=20000)
        found = every_tab(page)
        assert "effects" in found and all(v == [] for v in found.values()), (lang, found)
        page.click('[role=tab][data-view="effects"]')
        page.locator("[data-testid=effects-scatter]").focus()  # the cursor starts at layer 0, head 0
        for key in ("ArrowDown", "ArrowRight", "ArrowRight"):
            page.keyboard.press(key)
        readout = page.locator('section[data-pane="effects"] [data-testid=effects-readout]')
        assert (readout.get_attribute("role"), readout.get_attribute("aria-live")) == ("status", "polite")
        assert (readout.get_attribute("data-layer"), readout.get_attribute("data-head")) == ("1", "2")
        page.keyboard.press("Enter")
        state = "[window.__attnlab.state.view, window.__attnlab.state.li, window.__attnlab.state.map]"
        assert page.evaluate(state) == ["heatmap", 1, 2]
        assert errors == [] and page.evaluate("window.__attnlab.errors") == []
        page.close()


@pytest.mark.model
def test_a_page_with_the_steps_tab_has_nothing_serious_and_its_grid_takes_the_keyboard(browser, tmp_path):
    """A SmolLM2 generation's page (views/steps, with the logit lens), in both languages: axe on the steps tab;
    its overview grid's cursor is announced and Enter chooses that layer and head."""
    import attnlab
    from attnlab.html import render_page

    gen = attnlab.generate("The capital of Japan is", "smollm2", 3, temperature=0.8, seed=4, lens=True)
    for lang in ("ja", "en"):
        path = tmp_path / f"steps-{lang}.html"
        path.write_text(render_page(gen.trace, lang=lang, generation=gen), encoding="utf-8")
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready]", state="attached", timeout=20000)
        assert page.evaluate("window.__attnlab.state.view") == "steps"
        assert violations(page) == [], lang
        page.locator("[data-testid=steps-grid]").focus()  # the cursor starts at layer 0, head 0
        for key in ("ArrowDown", "ArrowRight", "Enter"):
            page.keyboard.press(key)
        cell = page.locator('section[data-pane="steps"] [data-testid=steps-cell]')
        assert (cell.get_attribute("data-layer"), cell.get_attribute("data-head")) == ("1", "1")
        assert page.evaluate("[window.__attnlab.state.li, window.__attnlab.state.map]") == [1, 1]
        status = page.locator('section[data-pane="steps"] [data-testid=steps-status]')
        assert (status.get_attribute("role"), status.get_attribute("aria-live")) == ("status", "polite")
        assert errors == [] and page.evaluate("window.__attnlab.errors") == []
        page.close()


def test_the_why_panel_open_and_the_flow_tab_have_nothing_serious(browser, tmp_path):
    """A page file with the why panel open by the keyboard (a toy's cell: its x W_Q / x W_K table; a
    model's: the terms' chart) and one on the flow tab (a synthetic graph): axe, in both languages."""
    from attnlab.analysis.flow import flow
    from attnlab.html import render_page

    from ..analysis.test_flow import with_streams

    trace = with_streams(synthetic_trace(n=12, n_layers=3, n_heads=4, n_kv=2, seed=11))
    graph = flow(trace, 11, 0.05)
    for lang in ("ja", "en"):
        pages = {"toy": render_page(run_toy(heads=2), lang=lang, view="heatmap"),
                 "model": render_page(trace, lang=lang, view="heatmap"),
                 "flow": render_page(trace, lang=lang, flow=graph, view="flow")}
        for name, html in pages.items():
            path = tmp_path / f"{name}-{lang}.html"
            path.write_text(html, encoding="utf-8")
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
            page.goto(path.as_uri())
            page.wait_for_selector("body[data-ready]", state="attached", timeout=20000)
            if name != "flow":
                page.locator('section[data-pane="heatmap"] [data-testid=heatmap-map]').focus()
                for key in ("ArrowDown", "ArrowDown", "Enter"):
                    page.keyboard.press(key)
                assert page.locator('[data-testid="why-panel"]').get_attribute("data-state") == "page"
            assert violations(page) == [], (name, lang)
            assert errors == [] and page.evaluate("window.__attnlab.errors") == []
            page.close()


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_why_panel_open_in_the_deep_zoom_has_nothing_serious(live_server, open_app, lang):
    """The app's deep zoom with the panel open by the keyboard (a cell's terms drawn): axe."""
    tid = keep(live_server, synthetic_trace(n=20, seed=12)).id
    o = open_app(f"{live_server.url}/t/{tid}?lang={lang}&view=deepzoom")
    o.wait("window.__attnlab && window.__attnlab.ready && window.__attnlab.views.deepzoom"
           " && window.__attnlab.views.deepzoom.pending() === 0")
    o.page.locator('section[data-pane="deepzoom"] [data-testid=deepzoom-map]').focus()
    for key in ("ArrowDown", "ArrowDown", "Enter"):
        o.page.keyboard.press(key)
    o.wait("['page', 'server'].includes(document.querySelector('section[data-pane=deepzoom] [data-testid=why-panel]')"
           ".dataset.state)")  # (a short trace's page carries this cell: its data drawn, as the server's)
    assert violations(o.page) == []
    assert o.errors == [] and o.page.evaluate("window.__attnlab.errors") == []


def test_the_why_panel_open_in_the_head_view_has_nothing_serious(browser, tmp_path):
    """A toy's page file, the head view with one head shown and the panel open by the keyboard (the key
    column, a listbox): axe, in both languages."""
    from attnlab.html import render_page

    for lang in ("ja", "en"):
        path = tmp_path / f"headview-{lang}.html"
        path.write_text(render_page(run_toy(heads=2), lang=lang, view="headview"), encoding="utf-8")
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready]", state="attached", timeout=20000)
        hv = 'section[data-pane="headview"]'
        page.click(f'{hv} .chip[data-head="1"]')
        page.locator(f"{hv} .hv-left [role=option]").first.focus()
        for key in ("ArrowDown", "Space"):  # query 1 selected
            page.keyboard.press(key)
        page.locator(f"{hv} .hv-right [role=option]").first.focus()
        page.keyboard.press("Enter")
        assert page.locator(f"{hv} [data-testid=why-panel]").get_attribute("data-state") == "page"
        assert violations(page) == [], lang
        assert errors == [] and page.evaluate("window.__attnlab.errors") == []
        page.close()
