"""Every view of every kind of trace in the app (the toy, an encoder, a decoder, a trace too long for one
page), with no "null", "undefined" or "NaN" on screen and no console error; at paragraph length and
beyond, every tab works and shows the trace's own numbers (a remote page: each view fetches what it
shows); the download holds the layers that fit and names the others.

Screenshots land in test-artifacts/server/ (look at them)."""

from __future__ import annotations

import re

import pytest

from attnlab.analysis.readings import read_layer, reading_text
from attnlab.analysis.rollout import rollout_rows
from attnlab.html.encode import PRECISION
from attnlab.html.layers import most_layers

from ..analysis.conftest import synthetic_trace
from ..html.conftest import STRAY_TEXT_JS
from .conftest import AppPage
from .test_browser import shot

pytestmark = pytest.mark.browser
KINDS = {
    "encoder": lambda: synthetic_trace(n=14, n_layers=3, n_heads=4, n_kv=4, causal=False, seed=2),
    "decoder": lambda: synthetic_trace(n=14, n_layers=3, n_heads=4, n_kv=2, causal=True, seed=3),
    "long": lambda: synthetic_trace(n=3000, n_layers=2, n_heads=3, n_kv=1, d=8, causal=True, seed=4),
}
# a view is drawn when nothing it waits for is still loading (a remote page fetches as it shows)
SETTLED = """(view) => {
  const pane = document.querySelector(`section[data-pane="${view}"]`), v = window.__attnlab.views[view];
  if (!pane || pane.hidden || !v) return false;
  if ([...pane.querySelectorAll('[data-testid$="-loading"]')].some((e) => !e.hidden)) return false;
  if (view === "deepzoom") return v.pending() === 0;
  if (view === "rowatlas") return v.data() !== null;
  if (view === "modelview") return v.loaded() === v.layers;
  if (view === "effects") return v.ready();
  return true; }"""


def keep(live_server, trace, text: str):
    return live_server.state.texts.put("text", {"text": text, "model": "synthetic", "generate": 0, "truncate": False},
                                       trace)


def open_every_tab(o, name: str) -> list[str]:
    """Click every tab of the page shown; each must settle with no stray text. Returns the views."""
    views = o.page.evaluate("[...document.querySelectorAll('nav.tabs button[data-view]')].map((b) => b.dataset.view)")
    for view in views:
        o.page.click(f'nav.tabs button[data-view="{view}"]')
        deadline = 240
        while not o.page.evaluate(f"({SETTLED})('{view}')"):
            deadline -= 1
            assert deadline > 0, (name, view)
            o.page.wait_for_timeout(250)
        assert o.page.evaluate(STRAY_TEXT_JS) == [], (name, view)
        shot(o, f"every-{name}-{view}")
    return views


@pytest.mark.parametrize("kind", ["toy", *KINDS])
def test_every_view_of_every_kind_draws_clean(live_server, open_app, kind):
    if kind == "toy":
        o = open_app(f"{live_server.url}/?lang=en&tokens=a%20b%20c%20d&heads=2")
    else:
        o = open_app(f"{live_server.url}/t/{keep(live_server, KINDS[kind](), kind).id}?lang=en")
    o.wait("window.__attnlab && window.__attnlab.ready")
    views = open_every_tab(o, kind)
    want = {"toy": {"pipeline", "heatmap", "headview", "modelview", "explain"}}.get(
        kind, {"pipeline", "heatmap", "headview", "modelview", "explain", "atlas", "rollout", "deepzoom", "rowatlas",
               "effects", "flow"})
    assert set(views) == want
    assert o.errors == [] and o.page.evaluate("window.__attnlab.errors") == []
    assert o.outside(live_server.url) == []


def test_a_trace_too_long_for_a_page_shows_its_numbers_in_every_tab(live_server, open_app):
    """3,000 tokens, 2 layers x 3 heads: no layer fits one page (4 maps x 3,000^2 > 2^25), so every view
    reads from the server; each shows the trace's own numbers."""
    trace = KINDS["long"]()
    n = trace.n_tokens
    assert most_layers(n, 3) == 0
    tid = keep(live_server, trace, "long numbers").id
    o = open_app(f"{live_server.url}/t/{tid}?lang=en&view=heatmap&layer=1&head=2")  # the address's tab, layer, head
    o.wait("window.__attnlab && window.__attnlab.ready")
    o.wait("(() => { const v = window.__attnlab.views.heatmap; return v && v.cellXY; })()")
    o.wait("document.querySelector('[data-testid=heatmap-loading]').hidden")
    w = trace.pattern(1, 2)
    tip = o.page.locator("[data-testid=heatmap-tooltip]")
    hm = "window.__attnlab.views.heatmap"
    o.page.evaluate(f"{hm}.zoomAt(64, {n / 2}, {n / 2})")  # ~47 positions across: cells of ~15 px
    for q, k in ((0, 0), (2999, 5), (1500, 1499)):
        o.page.evaluate(f"(() => {{ const v = {hm}.view, s = v.span;"  # the cell in the middle of the view
                        f" const put = (c) => Math.max(0, Math.min({n} - s, c - s / 2));"
                        f" v.x0 = put({k}); v.y0 = put({q}); {hm}.refresh(); }})()")
        xy = o.page.evaluate(f"{hm}.cellXY({q}, {k})")
        o.page.locator('section[data-pane="heatmap"] canvas.hm-over').hover(position=xy)
        assert (int(tip.get_attribute("data-q")), int(tip.get_attribute("data-k"))) == (q, k)
        assert abs(float(tip.get_attribute("data-weight")) - float(w[q, k])) <= PRECISION
    # the head view: groups of 6 tokens, each line the group's queries' mean summed weight on a group
    o.page.click('nav.tabs button[data-view="headview"]')
    hv = "window.__attnlab.views.headview"
    o.wait(f"{hv}.weight(0, 0, 0) !== null")
    assert o.page.evaluate(f"[{hv}.rows, {hv}.group]") == [500, 6]
    w1 = trace.pattern(1, 0)
    for i, j in ((0, 0), (499, 0), (250, 249)):
        want = float(w1[6 * i : 6 * i + 6, 6 * j : 6 * j + 6].sum(1).mean())
        assert abs(o.page.evaluate(f"{hv}.weight(0, {i}, {j})") - want) <= 1e-5, (i, j)
    # the explanation of layer 1 head 2, as `explain_head` reads it
    o.page.click('nav.tabs button[data-view="explain"]')
    o.wait("document.querySelector('[data-testid=explain-loading]').hidden")
    shown = o.page.inner_text("[data-testid=explain-text]")
    assert shown.startswith(reading_text(trace, read_layer(trace, 1)[2], "en").splitlines()[0])
    # the rollout of a row the reader picks, streamed (no N x N)
    o.page.click('nav.tabs button[data-view="rollout"]')
    o.page.select_option('section[data-pane="rollout"] select', "1200")
    o.wait("document.querySelector('[data-testid=rollout-top] li') && window.__attnlab.views.rollout.top() === 1200"
           " && document.querySelector('[data-testid=rollout-loading]').hidden")
    row = rollout_rows(trace, [1200])[0]
    first = o.page.locator("[data-testid=rollout-top] li").first
    assert int(first.get_attribute("data-k")) == int(row.argmax())
    assert abs(float(first.get_attribute("data-value")) - float(row.max())) <= 1e-6
    assert re.search(r"layer=1&head=mean|layer=1&head=2|view=rollout", o.page.url)  # the address follows
    assert o.errors == [] and o.page.evaluate("window.__attnlab.errors") == []


def test_the_download_holds_the_layers_that_fit_and_says_which_are_left_out(live_server, open_app):
    trace = synthetic_trace(n=700, n_layers=8, n_heads=8, n_kv=2, d=8, causal=True, seed=5)
    assert most_layers(700, 8) == 7  # 2**25 // (9 maps * 700**2): 7 of the 8 layers fit a page file
    o = open_app(f"{live_server.url}/t/{keep(live_server, trace, 'download').id}?lang=en")
    o.wait("window.__attnlab && window.__attnlab.ready")
    assert o.page.input_value("[data-testid=trace-layers]") == "0-6"
    assert o.page.get_attribute("[data-testid=trace-download]", "href").endswith("&layers=0-6")
    o.page.fill("[data-testid=trace-layers]", "0-7")  # too many: refused here, before any download
    assert o.page.get_attribute("[data-testid=trace-download]", "href") is None
    assert "at most 7 layers" in o.page.inner_text("[data-testid=trace-layers-note]")
    o.page.fill("[data-testid=trace-layers]", "1,3")
    href = o.page.get_attribute("[data-testid=trace-download]", "href")
    page = o.page.request.get(live_server.url + href, timeout=240000).text()
    assert '"layers":[1,3]' in re.search(r'id="attnlab-meta">(.*?)</script>', page).group(1)
    file = o.page.context.new_page()  # the page file names what it left out
    file.set_content(page)
    file.wait_for_selector("body[data-ready]", state="attached", timeout=120000)
    assert file.inner_text("[data-testid=left-out]") == (
        "This page holds layers 1,3 of the model's 8; left out: 0,2,4-7. Choose layers with --layers "
        "(attnlab.show(..., layers=...)); `attnlab serve` shows every layer.")


@pytest.mark.model
def test_a_japanese_paragraph_in_smollm2_shows_every_tab(live_server, open_app):
    """The issue's case: a 276-character Japanese paragraph (~500 tokens) kept only the deep zoom and the
    head list; now every tab is there and draws."""
    from attnlab.models.api import run_text

    text = ("東京は日本の首都であり、世界でも有数の大都市です。江戸時代には徳川幕府が置かれ、政治と文化の中心として"
            "栄えました。明治維新の後、天皇が京都から移り住み、近代国家の首都としての歩みが始まりました。関東大震災や"
            "戦争による大きな被害を受けながらも、そのたびに人々は街を立て直してきました。今日の東京には、高層ビルが立ち"
            "並ぶ新宿や丸の内のような地区がある一方で、浅草や谷中のように古い町並みが残る地区もあります。電車の路線は"
            "複雑ですが、時間に正確で、毎日何百万人もの人が通勤や通学に利用しています。")
    trace = run_text(text, "smollm2")
    assert trace.n_tokens > 334  # past the whole page of SmolLM2 (30 layers x 10 maps)
    entry = live_server.state.texts.put("text", {"text": text, "model": "smollm2", "generate": 0, "truncate": False},
                                        trace)
    o = open_app(f"{live_server.url}/t/{entry.id}?lang=ja")
    o.wait("window.__attnlab && window.__attnlab.ready")
    views = open_every_tab(o, "smollm2-paragraph")
    assert set(views) == {"pipeline", "heatmap", "headview", "modelview", "explain", "atlas", "rollout", "deepzoom",
                          "rowatlas", "effects", "flow"}
    assert o.errors == [] and o.page.evaluate("window.__attnlab.errors") == []


# the effects tab (views/effects) on a real SmolLM2 text: the page file handed the effects, and the app that
# measures them ------------------------------------------------------------------------------------------
EFFECTS_TEXT = "The cat sat on the mat."
EFFECTS = "window.__attnlab.views.effects.shown()"


def open_file(browser, path) -> AppPage:
    """A page file in a fresh context, drawn (body[data-ready]), recording its requests and errors."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    o = AppPage(page, [], [])
    page.on("request", lambda r: o.requests.append(r.url))
    page.on("console", lambda m: m.type == "error" and o.errors.append(m.text))
    page.on("pageerror", lambda e: o.errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready]", state="attached", timeout=60000)
    return o


def table_order(effects, key: str, desc: bool, absolute: bool) -> list[list[int]]:
    """The heads in the order the table should list them, from the effects themselves."""
    grid = effects.effects[key]
    heads = [(layer, head) for layer in range(grid.shape[0]) for head in range(grid.shape[1])]
    value = (lambda v: abs(v)) if absolute else (lambda v: v)
    ordered = sorted(heads, key=lambda lh: ((-1 if desc else 1) * value(round(float(grid[lh]), 6)), lh))
    return [list(lh) for lh in ordered]


def check_effects_tab(o, effects, name: str) -> None:
    """Switch the method, sort the table, say and open heads from the grid, the scatter and the table."""
    pane = 'section[data-pane="effects"]'
    state = "[window.__attnlab.state.view, window.__attnlab.state.li, window.__attnlab.state.map]"
    assert o.page.evaluate(f"{EFFECTS}.state.method") == "attribution"
    assert o.page.evaluate(f"{EFFECTS}.rows()") == table_order(effects, "attribution", True, True)
    o.page.select_option(f"{pane} [data-testid=effects-method]", "dla")
    assert o.page.evaluate(f"{EFFECTS}.state.method") == "dla"
    o.page.click(f'{pane} th[data-key="dla"] button')  # largest |DLA| first
    assert o.page.get_attribute(f'{pane} th[data-key="dla"]', "aria-sort") == "descending"
    assert o.page.evaluate(f"{EFFECTS}.rows()") == table_order(effects, "dla", True, True)
    o.page.click(f'{pane} th[data-key="dla"] button')
    o.page.uncheck(f"{pane} [data-testid=effects-sort-abs]")  # smallest signed DLA first
    assert o.page.get_attribute(f'{pane} th[data-key="dla"]', "aria-sort") == "ascending"
    assert o.page.evaluate(f"{EFFECTS}.rows()") == table_order(effects, "dla", False, False)
    assert o.page.evaluate(STRAY_TEXT_JS) == [], name
    shot(o, f"effects-{name}")
    # the grid's cursor: down 2, right 1 says layer 2 head 1 and its DLA; Enter opens it in the heatmap
    o.page.locator(f"{pane} [data-testid=effects-grid]").focus()
    for key in ("ArrowDown", "ArrowDown", "ArrowRight"):
        o.page.keyboard.press(key)
    readout = o.page.locator(f"{pane} [data-testid=effects-readout]")
    assert (readout.get_attribute("data-layer"), readout.get_attribute("data-head")) == ("2", "1")
    assert float(readout.get_attribute("data-value")) == pytest.approx(float(effects.effects["dla"][2, 1]), abs=1e-6)
    assert readout.inner_text().startswith("Layer 2 · Head 1 · direct logit attribution (DLA): ")
    o.page.keyboard.press("Enter")
    assert o.page.evaluate(state) == ["heatmap", 2, 1]
    # the table's first head (the smallest DLA): its button opens it
    o.page.click('nav.tabs button[data-view="effects"]')
    first = o.page.evaluate(f"{EFFECTS}.rows()[0]")
    o.page.click(f'{pane} button.head-open[data-layer="{first[0]}"][data-head="{first[1]}"]')
    assert o.page.evaluate(state) == ["heatmap", *first]
    # a dot of the scatter: the head clicked is the one drawn there (within a few pixels)
    o.page.click('nav.tabs button[data-view="effects"]')
    xy = o.page.evaluate(f"{EFFECTS}.dotXY(29, 0)")
    o.page.locator(f"{pane} [data-testid=effects-scatter]").click(position=xy)
    view, li, head = o.page.evaluate(state)
    got = o.page.evaluate(f"{EFFECTS}.dotXY({li}, {head})")
    assert view == "heatmap" and abs(got["x"] - xy["x"]) <= 8 and abs(got["y"] - xy["y"]) <= 8
    assert o.errors == [] and o.page.evaluate("window.__attnlab.errors") == []


@pytest.mark.model
def test_the_effects_tab_on_a_smollm2_texts_page_and_in_the_app(live_server, open_app, browser, tmp_path):
    from attnlab.analysis.effects import head_effects
    from attnlab.html import render_page

    effects = head_effects(EFFECTS_TEXT, "smollm2", methods=["attribution", "dla"], lang="en")
    path = tmp_path / "effects.html"
    path.write_text(render_page(effects.trace, lang="en", effects=effects, view="effects"), encoding="utf-8")
    o = open_file(browser, path)
    assert o.page.evaluate("window.__attnlab.state.view") == "effects"
    check_effects_tab(o, effects, "page")
    assert [u for u in o.requests if not u.startswith(("file:", "data:", "blob:"))] == []
    # the app: the trace's effects tab asks the server, which measures them (the same numbers)
    tid = o.page.request.post(f"{live_server.url}/api/text?lang=en", data={"text": EFFECTS_TEXT, "model": "smollm2"},
                              timeout=240000).json()["trace_id"]
    a = open_app(f"{live_server.url}/t/{tid}?lang=en&view=effects")
    a.wait("window.__attnlab && window.__attnlab.ready && window.__attnlab.views.effects.ready()")
    for method in ("attribution", "dla"):
        a.page.check(f'[data-testid=effects-form] input[data-method="{method}"]')
    assert a.page.evaluate(STRAY_TEXT_JS) == []
    a.page.click("[data-testid=effects-compute]")
    a.wait(f"{EFFECTS} !== null", timeout_s=600)
    shown = a.page.evaluate(f"{EFFECTS}.data.effects")
    for m in ("attribution", "dla"):
        for got, want in zip(shown[m], effects.effects[m].tolist(), strict=True):
            assert got == pytest.approx(want, abs=1e-4)
    check_effects_tab(a, effects, "app")
