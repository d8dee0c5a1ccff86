"""An encoder-decoder's page in Chromium: every part and every tab of each draws with no stray "null",
"undefined" or "NaN" and no console error; cross-attention's heatmap has the target tokens as rows and
the source tokens as columns and shows the weights given; the part switch is a keyboard tablist; axe
finds nothing serious or critical on any part's tab.

Screenshots land in test-artifacts/html/ (look at them)."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

import attnlab
from attnlab.html import PRECISION, render_page
from attnlab.html.parts import PARTS

from ..test_given import softmax_layers
from .conftest import STRAY_TEXT_JS
from .fakes import INJECTIONS
from .test_pages import SHOWN, heatmap_cell

pytestmark = pytest.mark.browser
SOURCE = ["[CLS]", "東京", "は", "美しい", *INJECTIONS, "街", "[SEP]"]
TARGET = ["<s>", "Tokyo", "is", "beautiful", "."]
SERIOUS = ("serious", "critical")


def pair_and_cross():
    cross = softmax_layers(n_layers=2, batch=1, heads=3, n=len(TARGET), cols=len(SOURCE), seed=4)
    pair = attnlab.from_attentions(
        encoder_attentions=softmax_layers(n_layers=3, batch=1, heads=3, n=len(SOURCE), seed=2),
        decoder_attentions=softmax_layers(n_layers=2, batch=1, heads=3, n=len(TARGET), causal=True, seed=3),
        cross_attentions=cross, encoder_tokens=SOURCE, decoder_tokens=TARGET, model="tiny-t5")
    return pair, cross


def open_part(o, part: str) -> str:
    """Click the part's button; its frame drawn. Returns the part's panel selector."""
    o.page.click(f'nav.parts button[data-part="{part}"]')
    there = f'section.part[data-part="{part}"]'
    o.page.wait_for_selector(f"{there}[data-ready]", state="attached", timeout=20000)
    assert o.page.evaluate("window.__attnlab.part") == part
    return there


def tabs_of(o, there: str) -> list[str]:
    return o.page.evaluate(f"[...document.querySelectorAll('{there} nav.tabs button')].map((b) => b.dataset.view)")


def show_tab(o, there: str, view: str) -> None:
    o.page.click(f'{there} nav.tabs button[data-view="{view}"]')
    o.page.wait_for_selector(f'{there} section[data-pane="{view}"]:not([hidden])')


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_part_and_tab_draws_clean(open_page, lang):
    pair, _ = pair_and_cross()
    o = open_page(render_page(pair, lang=lang), f"parts-{lang}")
    seen = {}
    for part in PARTS:
        there = open_part(o, part)
        seen[part] = tabs_of(o, there)
        for view in seen[part]:
            show_tab(o, there, view)
            o.page.wait_for_timeout(150)
            assert o.page.evaluate(STRAY_TEXT_JS) == [], (part, view)
            o.shot(f"parts-{lang}-{part}-{view}")
    assert seen["cross"] == ["heatmap", "headview", "modelview"]
    assert {"heatmap", "headview", "modelview", "explain"} <= set(seen["encoder"]) and "explain" in seen["decoder"]
    blank = o.page.evaluate("[...document.querySelectorAll('option, button, label, h1, h2')]"
                            ".filter((e) => e.getClientRects().length && !e.textContent.trim()).length")
    assert blank == 0
    assert o.page.evaluate("document.querySelectorAll('img, svg').length") == 0  # the injections stayed text
    o.check_clean()
    assert o.requests == [] or set(o.requests) == {o.url}


def test_the_cross_heatmap_reads_target_rows_and_source_columns(open_page):
    pair, cross = pair_and_cross()
    o = open_page(render_page(pair, lang="en", part="cross", focus=(1, 2)), "parts-cross-heatmap")
    assert o.page.evaluate("window.__attnlab.part") == "cross"
    tip = o.page.locator('[data-testid="heatmap-tooltip"]')
    rows, cols = pair.cross_labels()
    for q, k in [(0, 0), (4, 7), (2, 4), (3, 5)]:  # the last row and column; an injection string as the key
        o.page.mouse.move(*heatmap_cell(o, q, k))
        text = tip.inner_text()
        assert f"Query (attending): {rows[q]}" in text and f"Key (attended): {cols[k]}" in text
        shown = float(re.search(r"weight: ([0-9.]+)", text).group(1))
        assert abs(shown - float(cross[1][0, 2, q, k])) <= PRECISION + SHOWN
    col_labels = [o.page.evaluate(f"window.__attnlab.views.heatmap.labelText({k}, 'col')") for k in range(len(SOURCE))]
    assert all(c.startswith(label.removesuffix("…")) for c, label in zip(cols, col_labels, strict=True))
    assert col_labels[1] == cols[1] == "1 東京"  # a short label whole: the columns are the source tokens
    assert o.page.locator("header .info").inner_text() == f"tiny-t5 (cross) · {len(TARGET)} × {len(SOURCE)} tokens · " \
                                                          "2 layers × 3 heads"
    o.check_clean()


def test_the_part_switch_is_a_keyboard_tablist_and_axe_finds_nothing_serious(open_page):
    pair, _ = pair_and_cross()
    o = open_page(render_page(pair, lang="en"), "parts-a11y")
    first = o.page.locator('nav.parts [role=tab][data-part="encoder"]')
    assert first.get_attribute("aria-selected") == "true" and first.get_attribute("tabindex") == "0"
    first.focus()
    o.page.keyboard.press("ArrowRight")
    o.page.wait_for_selector('section.part[data-part="decoder"][data-ready]', state="attached")
    assert o.page.evaluate("document.activeElement.dataset.part") == "decoder"
    o.page.keyboard.press("End")
    o.page.wait_for_selector('section.part[data-part="cross"][data-ready]', state="attached")
    assert o.page.locator('section.part[data-part="encoder"]').get_attribute("hidden") == ""
    found = {}
    for part in PARTS:
        there = open_part(o, part)
        for view in tabs_of(o, there):
            show_tab(o, there, view)
            o.page.wait_for_timeout(300)
            found[(part, view)] = [f"{v['id']} ({v['impact']})" for v in Axe().run(o.page).response["violations"]
                                   if v["impact"] in SERIOUS]
    assert all(v == [] for v in found.values()), {k: v for k, v in found.items() if v}
    o.check_clean()
