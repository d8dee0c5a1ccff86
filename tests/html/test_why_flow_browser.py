"""The why panel and the flow tab in page files, in a browser: a click and Enter on the keyboard's cursor
open the panel with the numbers of why_to_dict for that cell (carried), say plainly when a cell is not
carried (with the CLI command), masked or a head mean; the head view opens it for (query, key) of its one
head shown (a click on a key token, Enter in the key column) and says so when more heads are shown, more
queries selected or its rows are groups; the flow tab draws every kept edge and its heads'
buttons open the heatmap; no stray null / undefined / NaN, no console error. Screenshots land in
test-artifacts/html/ (look at them)."""

from __future__ import annotations

import pytest

from attnlab.analysis.flow import flow
from attnlab.analysis.why import why
from attnlab.html.render import render_page
from attnlab.i18n import t
from attnlab.toy import run_toy

from ..analysis.conftest import synthetic_trace
from ..analysis.test_flow import with_streams
from .conftest import STRAY_TEXT_JS
from .test_pages import heatmap_cell, pane

pytestmark = pytest.mark.browser
PANEL = '[data-testid="why-panel"]'


HV = pane("headview")


def panel(o, where: str = "") -> dict:
    """The dataset of the first why panel in `where` (a pane's selector; "": the page's first, the heatmap's)."""
    return o.page.evaluate(f"({{...document.querySelector('{where} {PANEL}').dataset}})")


def check_numbers(o, trace, layer, head, q, k, where: str = "") -> None:
    """The panel shows cell (q, k)'s why_to_dict numbers (the page keeps 6 digits; it writes 4 decimals)."""
    got, w = panel(o, where), why(trace, layer, head, q, k)
    assert got["state"] == "page" and (got["layer"], got["head"], got["query"], got["key"]) == tuple(
        map(str, (layer, head, q, k)))
    assert float(got["score"]) == pytest.approx(w.score, rel=1e-5) and int(got["rank"]) == w.rank
    assert float(got["weight"]) == pytest.approx(w.weight, rel=1e-5, abs=1e-9)
    text = o.page.inner_text(f"{where} {PANEL}")
    assert f"{w.score:.4f}" in text and f"{w.weight:.4f}" in text and f"{w.lse:.4f}" in text
    assert o.page.evaluate(STRAY_TEXT_JS) == []


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_toy_cell_opens_by_click_and_by_keyboard(open_page, lang):
    toy = run_toy(heads=2, causal=True)
    o = open_page(render_page(toy, lang=lang, view="heatmap"), f"why-toy-{lang}")
    o.page.mouse.click(*heatmap_cell(o, 2, 1))
    check_numbers(o, toy, 0, 0, 2, 1)
    assert o.page.locator('[data-testid="why-toy"]').count() == 1  # x W_Q / x W_K: the toy's own terms
    o.page.locator(f"{pane('heatmap')} [data-testid=heatmap-map]").focus()  # the cursor starts at (0, 0)
    for key in ("ArrowDown", "ArrowDown", "Enter"):
        o.page.keyboard.press(key)
    check_numbers(o, toy, 0, 0, 2, 0)
    o.page.keyboard.press("ArrowRight")
    o.page.keyboard.press("ArrowRight")
    o.page.keyboard.press("ArrowUp")
    o.page.keyboard.press("Enter")  # (1, 2): the causal mask hides it
    assert panel(o)["state"] == "masked" and o.page.inner_text('[data-testid="why-status"]')
    o.shot(f"why-toy-{lang}")
    o.check_clean()


def test_a_model_page_says_which_cells_it_does_not_carry(open_page):
    trace = synthetic_trace(n=12, n_layers=3, n_heads=4, n_kv=2, causal=True, seed=7)
    o = open_page(render_page(trace, lang="en", view="heatmap"), "why-model")
    top = int(trace.pattern(0, 0)[9].argmax())
    o.page.mouse.click(*heatmap_cell(o, 9, top))
    check_numbers(o, trace, 0, 0, 9, top)
    assert o.page.locator('[data-testid="why-terms"] rect').count() == 8  # one bar per dimension (d_head 8)
    low = int(trace.pattern(0, 0)[9, :10].argmin())  # a row's smallest weight: not among its carried
    o.page.mouse.click(*heatmap_cell(o, 9, low))
    assert panel(o)["state"] == "absent"
    assert o.page.inner_text('[data-testid="why-command"]') == (
        f"attnlab why TEXT --model synthetic --layer 0 --head 0 --query 9 --key {low}")
    o.page.select_option(f"{pane('heatmap')} select >> nth=1", "4")  # the head mean
    o.page.mouse.click(*heatmap_cell(o, 5, 2))
    assert panel(o)["state"] == "mean"
    assert o.page.evaluate(STRAY_TEXT_JS) == []
    o.check_clean()


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_notebook_output_asked_for_the_panel_names_the_python_call(open_page, lang):
    """attnlab.show(trace, why=True): the output's page carries the panel; a cell it lacks names the
    attnlab.why call to run in the notebook, in the output's language (not the CLI's command)."""
    from attnlab.notebook import outputs

    from ..test_notebook import page_of

    trace = synthetic_trace(n=12, n_layers=3, n_heads=4, n_kv=2, causal=True, seed=7)
    page = page_of(outputs(trace, lang=lang, view="heatmap", why=True)[1][0]["application/javascript"])
    o = open_page(page, f"why-notebook-{lang}")
    top = int(trace.pattern(0, 0)[9].argmax())
    o.page.mouse.click(*heatmap_cell(o, 9, top))
    check_numbers(o, trace, 0, 0, 9, top)
    low = int(trace.pattern(0, 0)[9, :10].argmin())
    o.page.mouse.click(*heatmap_cell(o, 9, low))
    assert panel(o)["state"] == "absent"
    assert o.page.inner_text('[data-testid="why-command"]') == f"attnlab.why(trace, 0, 0, 9, {low})"
    n = int(o.page.evaluate("JSON.parse(document.getElementById('attnlab-meta').textContent).view_meta.heatmap.n"))
    assert o.page.inner_text('[data-testid="why-status"]') == t(
        "why_absent_py", lang, layer=0, head=0, query=9, key=low, n=n, focus_layer=0, focus_head=0)
    assert "attnlab why " not in o.page.inner_text(PANEL)
    o.shot(f"why-notebook-{lang}")
    o.check_clean()


def hv_note(o) -> str:
    return o.page.inner_text(f"{HV} [data-testid=hv-why-note]")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_head_view_opens_the_panel_for_one_head_by_click_and_by_keyboard(open_page, lang):
    toy = run_toy(heads=2, causal=True)
    o = open_page(render_page(toy, lang=lang, view="headview"), f"why-hv-toy-{lang}")
    o.page.click(f"{HV} .hv-left .tok[data-i='2']")  # query 2 selected
    o.page.click(f"{HV} .hv-right .tok[data-i='1']")  # both heads shown: no panel for a guessed head, a note
    assert hv_note(o) == t("why_hv_one_head", lang, n=2) and o.page.locator(f"{HV} {PANEL}").is_hidden()
    o.page.click(f'{HV} .chip[data-head="1"]')  # head 0 alone
    o.page.click(f"{HV} .hv-right .tok[data-i='1']")
    check_numbers(o, toy, 0, 0, 2, 1, HV)
    assert hv_note(o) == "" and o.page.locator(f"{HV} {PANEL} [data-testid=why-toy]").count() == 1
    o.page.locator(f"{HV} .hv-right [role=option][data-i='0']").focus()  # the key column is a listbox
    o.page.keyboard.press("Enter")
    check_numbers(o, toy, 0, 0, 2, 0, HV)
    for key in ("ArrowDown", "ArrowDown", " "):
        o.page.keyboard.press(key)
    check_numbers(o, toy, 0, 0, 2, 2, HV)
    assert o.page.get_attribute(f"{HV} .hv-right [role=option][data-i='2']", "aria-selected") == "true"
    o.shot(f"why-hv-toy-{lang}")
    o.page.click(f"{HV} .hv-left .tok[data-i='1']")  # two queries selected: which one is not guessed either
    o.page.click(f"{HV} .hv-right .tok[data-i='0']")
    assert hv_note(o) == t("why_hv_one_query", lang, n=2) and o.page.locator(f"{HV} {PANEL}").is_hidden()
    assert o.page.evaluate(STRAY_TEXT_JS) == []
    o.check_clean()


def test_the_head_view_on_a_model_page_gives_the_command_for_a_cell_it_lacks(open_page):
    trace = synthetic_trace(n=12, n_layers=3, n_heads=4, n_kv=2, causal=True, seed=7)
    o = open_page(render_page(trace, lang="en", view="headview", focus=(1, 2)), "why-hv-model")
    for h in (0, 1, 3):
        o.page.click(f'{HV} .chip[data-head="{h}"]')  # head 2 alone
    o.page.select_option(f"{HV} select", "1")  # layer 1: the page's focus
    o.page.click(f"{HV} .hv-left .tok[data-i='9']")
    top, low = int(trace.pattern(1, 2)[9].argmax()), int(trace.pattern(1, 2)[9, :10].argmin())
    o.page.click(f"{HV} .hv-right .tok[data-i='{top}']")
    check_numbers(o, trace, 1, 2, 9, top, HV)
    o.page.click(f"{HV} .hv-right .tok[data-i='{low}']")
    assert panel(o, HV)["state"] == "absent"
    assert o.page.inner_text(f"{HV} [data-testid=why-command]") == (
        f"attnlab why TEXT --model synthetic --layer 1 --head 2 --query 9 --key {low}")
    assert o.page.evaluate(STRAY_TEXT_JS) == []
    o.check_clean()


def test_grouped_rows_of_the_head_view_have_no_panel(open_page):
    trace = synthetic_trace(n=1100, n_layers=1, n_heads=2, n_kv=1, d=8, causal=True, seed=3)
    o = open_page(render_page(trace, lang="ja", view="headview"), "why-hv-grouped")
    assert o.page.evaluate("window.__attnlab.views.headview.group") == 3
    o.page.click(f'{HV} .chip[data-head="1"]')
    o.page.click(f"{HV} .hv-left .tok[data-i='100']")
    o.page.click(f"{HV} .hv-right .tok[data-i='40']")
    assert hv_note(o) == t("why_hv_grouped", "ja", g=3) and o.page.locator(f"{HV} {PANEL}").is_hidden()
    seen = "(() => { const r = document.querySelector('[data-testid=hv-why-note]').getBoundingClientRect();" \
           " return r.top >= 0 && r.bottom <= innerHeight + 1; })()"  # (+1: a fraction of a pixel)
    assert o.page.evaluate(seen)  # under 512 rows of 20 px: scrolled into sight
    assert o.page.get_attribute(f"{HV} .hv-right", "aria-hidden") == "true"  # no listbox: nothing to choose
    assert o.page.evaluate(STRAY_TEXT_JS) == []
    o.check_clean()


def test_the_flow_tab_draws_the_graph_and_opens_its_heads(open_page):
    trace = with_streams(synthetic_trace(n=12, n_layers=3, n_heads=4, n_kv=2, causal=True, seed=8))
    graph = flow(trace, 11, 0.05)
    o = open_page(render_page(trace, lang="ja", flow=graph, view="flow", layers=[1, 2]), "flow-page")
    assert o.page.evaluate("window.__attnlab.state.view") == "flow"
    assert o.page.locator('[data-testid="flow-svg"] line[data-kind]').count() == len(graph.edges)
    assert o.page.inner_text('[data-testid="flow-title"]').startswith("トークン 11")
    edges = [e for e in graph.edges if e.kind == "attention"]
    assert o.page.locator('[data-testid="flow-edge"]').count() == len(edges)
    o.shot("flow-page")
    assert o.page.evaluate(STRAY_TEXT_JS) == []
    assert {e.layer for e in edges} == {0, 1, 2}  # (this trace's graph: attention edges in every layer)
    o.page.locator('button.flow-head[data-layer="0"]').first.click()  # layer 0 is not in this page: said
    assert "層 0" in o.page.inner_text('[data-testid="flow-note"]')
    assert o.page.evaluate("window.__attnlab.state.view") == "flow"
    top = o.page.locator('button.flow-head[data-layer="2"]').first
    head = int(top.get_attribute("data-head"))
    top.click()
    state = "[window.__attnlab.state.view, window.__attnlab.state.li, window.__attnlab.state.map]"
    assert o.page.evaluate(state) == ["heatmap", 1, head]  # layer 2 is the page's second
    o.check_clean()


def test_the_head_views_readout_follows_the_heads_shown(open_page):
    """The readout of a query's strongest keys is the mean over the heads shown: hiding a head says it again
    (never the line of the heads shown before), and with no head shown it says nothing."""
    toy = run_toy(heads=2)
    o = open_page(render_page(toy, lang="en", view="headview"), "hv-readout")
    o.page.click(f"{HV} .hv-left .tok[data-i='2']")

    def said_weights() -> list[float]:
        text = o.page.inner_text(f"{HV} [data-testid=headview-readout]")
        return [float(part.split()[-1]) for part in text.split("→ ")[1].split(", ")]

    for heads in ([0, 1], [0]):
        mean = sum(toy.pattern(0, h)[2] for h in heads) / len(heads)
        want = sorted(mean.tolist(), reverse=True)
        assert said_weights() == pytest.approx(want, abs=2.5e-3), heads  # 8-bit weights (0.002), shown to 3 decimals
        o.page.click(f'{HV} .chip[data-head="1"]')  # toggles head 1: hidden after both, shown again after head 0
    o.page.click(f'{HV} .chip[data-head="0"]')
    o.page.click(f'{HV} .chip[data-head="1"]')  # both hidden now
    assert o.page.inner_text(f"{HV} [data-testid=headview-readout]") == ""
