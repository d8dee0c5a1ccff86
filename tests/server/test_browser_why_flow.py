"""The why panel and the flow tab in the app: a cell the page does not carry is asked of the server and
shows why_to_dict's numbers (a trace too long for one page carries none), from the heatmap and from the
deep zoom (a click, Enter on its cursor; a drag still pans); the flow tab asks for a token's
routes and draws them (MiniLM, run again with its streams), or shows the server's refusal in the page's
language. No stray text, no console error. Screenshots land in test-artifacts/server/ (look at them)."""

from __future__ import annotations

import pytest

from attnlab.analysis.why import why
from attnlab.i18n import t

from ..analysis.conftest import synthetic_trace
from ..html.conftest import STRAY_TEXT_JS
from .test_browser import shot
from .test_browser_views import keep

pytestmark = pytest.mark.browser
PANEL = '[data-testid="why-panel"]'
DZ = 'section[data-pane="deepzoom"]'


def click_cell(o, q: int, k: int) -> None:
    over = o.page.locator('section[data-pane="heatmap"] canvas.hm-over')
    xy = o.page.evaluate(f"window.__attnlab.views.heatmap.cellXY({q}, {k})")
    over.click(position=xy)


@pytest.mark.parametrize("n", [14, 3000])  # a page that carries cells, and a remote one that carries none
def test_the_panel_asks_the_server_for_a_cell_the_page_lacks(live_server, open_app, n):
    trace = synthetic_trace(n=n, n_layers=2, n_heads=3, n_kv=1, d=8, causal=True, seed=4)
    o = open_app(f"{live_server.url}/t/{keep(live_server, trace, f'why-{n}').id}?lang=en&view=heatmap")
    o.wait("window.__attnlab && window.__attnlab.ready")
    o.page.click('nav.tabs button[data-view="heatmap"]')
    o.wait("window.__attnlab.views.heatmap !== undefined")
    q, k = (9, int(trace.pattern(0, 0)[9, :10].argmin())) if n == 14 else (5, 1)  # not among row 9's largest
    if n == 14:
        click_cell(o, q, k)
    else:  # cells under a pixel: the keyboard's cursor from (0, 0), then Enter
        o.page.locator('section[data-pane="heatmap"] [data-testid=heatmap-map]').focus()
        for key in ["ArrowDown"] * q + ["ArrowRight"] * k + ["Enter"]:
            o.page.keyboard.press(key)
    o.wait(f"document.querySelector('{PANEL}').dataset.state === 'server'", 60)
    got, w = o.page.evaluate(f"({{...document.querySelector('{PANEL}').dataset}})"), why(trace, 0, 0, q, k)
    assert (got["query"], got["key"]) == (str(q), str(k)) and int(got["rank"]) == w.rank
    assert float(got["score"]) == pytest.approx(w.score, rel=1e-6) and float(got["weight"]) == pytest.approx(
        w.weight, rel=1e-6, abs=1e-12)
    assert f"{w.score:.4f}" in o.page.inner_text(PANEL)
    assert o.page.evaluate(STRAY_TEXT_JS) == []
    shot(o, f"why-app-{n}")
    assert o.errors == [] and o.page.evaluate("window.__attnlab.errors") == []


def dz_panel(o, where: str = DZ) -> dict:
    return o.page.evaluate(f"({{...document.querySelector('{where} {PANEL}').dataset}})")


def dz_check(o, trace, layer, head, q, k, where: str = DZ) -> None:
    """The panel in `where` (a pane) shows the server's why_to_dict numbers for (layer, head, q, k)."""
    o.wait(f"document.querySelector('{where} {PANEL}').dataset.state === 'server'"
           f" && document.querySelector('{where} {PANEL}').dataset.key === '{k}'", 60)
    got, w = dz_panel(o, where), why(trace, layer, head, q, k)
    assert (got["layer"], got["head"], got["query"], got["key"]) == tuple(map(str, (layer, head, q, k)))
    assert int(got["rank"]) == w.rank and float(got["score"]) == pytest.approx(w.score, rel=1e-6)
    assert float(got["weight"]) == pytest.approx(w.weight, rel=1e-6, abs=1e-12)
    text = o.page.inner_text(f"{where} {PANEL}")
    assert f"{w.score:.4f}" in text and f"{w.lse:.4f}" in text
    assert o.page.evaluate(STRAY_TEXT_JS) == []


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_deep_zoom_opens_the_panel_by_click_and_by_keyboard(live_server, open_app, lang):
    trace = synthetic_trace(n=40, n_layers=2, n_heads=3, n_kv=1, d=8, causal=True, seed=9)
    o = open_app(f"{live_server.url}/t/{keep(live_server, trace, f'dz-why-{lang}').id}?lang={lang}")
    o.wait("window.__attnlab && window.__attnlab.ready")
    o.page.click('nav.tabs button[data-view="deepzoom"]')
    o.page.select_option(f"{DZ} .toolbar label:nth-of-type(1) select", "1")
    o.page.select_option(f"{DZ} .toolbar label:nth-of-type(2) select", "2")
    dz = "window.__attnlab.views.deepzoom"
    o.wait(f"{dz} && {dz}.state.li === 1 && {dz}.state.head === 2 && {dz}.pending() === 0", 60)
    over = o.page.locator(f"{DZ} canvas.hm-over")
    over.click(position=o.page.evaluate(f"{dz}.cellXY(31, 7)"))
    dz_check(o, trace, 1, 2, 31, 7)
    o.page.locator(f"{DZ} [data-testid=deepzoom-map]").focus()  # the cursor starts at (0, 0)
    for key in ["ArrowDown"] * 3 + ["ArrowRight"] * 2 + ["Enter"]:
        o.page.keyboard.press(key)
    dz_check(o, trace, 1, 2, 3, 2)
    shot(o, f"why-deepzoom-{lang}")
    o.page.keyboard.press("ArrowRight")
    o.page.keyboard.press("ArrowRight")
    o.page.keyboard.press("Enter")  # (3, 4): the causal mask hides it, as the heatmap's panel says
    assert dz_panel(o)["state"] == "masked" and o.page.inner_text(f"{DZ} [data-testid=why-status]") == t(
        "why_masked", lang)
    over.click(position={"x": 5, "y": 5})  # outside the map (its corner): nothing is chosen, as on the heatmap
    assert (dz_panel(o)["state"], dz_panel(o)["key"]) == ("masked", "4")
    o.page.evaluate(f"{dz}.zoomAt(4, 20, 20)")
    xy = o.page.evaluate(f"{dz}.cellXY(20, 18)")  # in the view: cells 15-24
    x0 = o.page.evaluate(f"{dz}.view.x0")
    over.hover(position=xy)  # scrolled into view
    box = over.bounding_box()
    o.page.mouse.down()
    o.page.mouse.move(box["x"] + xy["x"] + 60, box["y"] + xy["y"], steps=5)
    o.page.mouse.up()  # a drag: the map pans, the panel stays on the masked cell
    assert o.page.evaluate(f"{dz}.view.x0") < x0 and dz_panel(o)["state"] == "masked"
    assert o.errors == [] and o.page.evaluate("window.__attnlab.errors") == []


def test_the_head_view_asks_the_server_for_its_one_heads_cell(live_server, open_app):
    trace = synthetic_trace(n=40, n_layers=2, n_heads=3, n_kv=1, d=8, causal=True, seed=9)
    o = open_app(f"{live_server.url}/t/{keep(live_server, trace, 'hv-why').id}?lang=en&view=headview&layer=1")
    o.wait("window.__attnlab && window.__attnlab.ready && window.__attnlab.views.headview"
           " && window.__attnlab.views.headview.weight(0, 0, 0) !== null")
    hv = 'section[data-pane="headview"]'
    for h in (0, 1):
        o.page.click(f'{hv} .chip[data-head="{h}"]')  # head 2 alone
    o.page.click(f"{hv} .hv-left .tok[data-i='31']")
    o.page.click(f"{hv} .hv-right .tok[data-i='7']")
    dz_check(o, trace, 1, 2, 31, 7, hv)
    o.page.locator(f"{hv} .hv-right [role=option][data-i='0']").focus()
    o.page.keyboard.press("Enter")
    dz_check(o, trace, 1, 2, 31, 0, hv)
    shot(o, "why-headview-app")
    assert o.errors == [] and o.page.evaluate("window.__attnlab.errors") == []


def test_the_flow_tab_says_why_the_server_cannot_compute(live_server, open_app):
    trace = synthetic_trace(n=10, n_layers=2, n_heads=3, n_kv=1, d=8, causal=True, seed=5)
    o = open_app(f"{live_server.url}/t/{keep(live_server, trace, 'flow-refused').id}?lang=ja")
    o.wait("window.__attnlab && window.__attnlab.ready")
    o.page.click('nav.tabs button[data-view="flow"]')
    o.wait("document.querySelector('[data-testid=flow-status]').textContent !== ''", 30)
    assert o.page.inner_text('[data-testid="flow-status"]') == t("srv_flow_model", "ja", model="'synthetic'")
    assert o.page.locator('[data-testid="flow-compute"]').is_disabled()
    assert o.page.evaluate(STRAY_TEXT_JS) == [] and o.errors == []


@pytest.mark.model
def test_the_flow_tab_draws_a_texts_routes(live_server, open_app):
    import attnlab
    from attnlab.analysis.flow import flow

    text = "Tokyo is a beautiful city."
    trace = attnlab.run_text(text, "minilm")
    tid = live_server.state.texts.put("text", {"text": text, "model": "minilm", "generate": 0, "truncate": False},
                                      trace).id
    o = open_app(f"{live_server.url}/t/{tid}?lang=en")
    o.wait("window.__attnlab && window.__attnlab.ready")
    o.page.click('nav.tabs button[data-view="flow"]')
    o.wait("!document.querySelector('[data-testid=flow-compute]').disabled", 30)
    o.page.select_option('[data-testid="flow-token"]', "4")
    o.page.fill('[data-testid="flow-threshold"]', "0.05")
    o.page.click('[data-testid="flow-compute"]')
    o.wait("document.querySelector('[data-testid=flow-svg]') !== null", 120)
    graph = flow(attnlab.run_text(text, "minilm", streams=True), 4, 0.05)
    assert o.page.locator('[data-testid="flow-svg"] line[data-kind]').count() == len(graph.edges)
    assert o.page.locator('[data-testid="flow-edge"]').count() == sum(e.kind == "attention" for e in graph.edges)
    shot(o, "flow-app")
    o.page.locator("button.flow-head").first.click()
    assert o.page.evaluate("window.__attnlab.state.view") == "heatmap"
    assert o.page.evaluate(STRAY_TEXT_JS) == [] and o.errors == []
