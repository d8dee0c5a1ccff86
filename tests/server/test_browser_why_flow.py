"""The why panel and the flow tab in the app: a cell the page does not carry is asked of the server and
shows why_to_dict's numbers (a trace too long for one page carries none); the flow tab asks for a token's
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
