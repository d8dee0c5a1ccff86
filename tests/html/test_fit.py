"""Pages fit where they are shown: every view fits the page's width or scrolls inside its own pane,
re-fits when the window is resized, and a page in a frame reports its height to the host
(postMessage) whenever it changes. (In real notebook hosts: tests/notebooks/test_hosts.py.)"""

from __future__ import annotations

import html

import pytest

from attnlab.html import render_page
from attnlab.notebook import MAX_FRAME_HEIGHT, SANDBOX, notebook_html

from .fakes import FakeTrace, words

pytestmark = pytest.mark.browser
VIEWS = ("heatmap", "headview", "modelview")


@pytest.fixture(scope="module")
def wide():
    """14 tokens x 13 maps a layer: MiniLM's shape, the model view the issue found cut at ~1000 px."""
    return FakeTrace(words(14), n_layers=6, n_heads=12)


def show(o, view):
    o.page.click(f'nav.tabs button[data-view="{view}"]')
    o.page.wait_for_selector(f'section[data-pane="{view}"]:not([hidden])')


def layout(o, view) -> dict:
    return o.page.evaluate(f"""() => {{
        const pane = document.querySelector('section[data-pane="{view}"]');
        const canvas = pane.querySelector('canvas');
        return {{ page: document.documentElement.scrollWidth, window: innerWidth, pane: pane.clientWidth,
                 content: pane.scrollWidth, canvas: canvas ? canvas.getBoundingClientRect().width : 0 }};
    }}""")


@pytest.mark.parametrize("width", [420, 760, 1280])
def test_views_fit_or_scroll_inside(open_page, wide, width):
    o = open_page(render_page(wide, lang="en"), f"fit-{width}", viewport=(width, 900))
    for view in VIEWS:
        show(o, view)
        box = layout(o, view)
        assert box["page"] <= box["window"], (view, box)  # never the page: at most the pane scrolls
        if width >= 760:
            assert box["content"] <= box["pane"], (view, box)  # wide enough: everything in view
    o.shot(f"fit-{width}-modelview")
    o.check_clean()


def test_views_refit_on_resize(open_page, wide):
    o = open_page(render_page(wide, lang="en"), "refit", viewport=(700, 900))
    small = {}
    for view in ("heatmap", "modelview"):
        show(o, view)
        small[view] = layout(o, view)
    o.page.set_viewport_size({"width": 1300, "height": 900})
    o.page.wait_for_timeout(300)
    for view in ("modelview", "heatmap"):
        show(o, view)
        big = layout(o, view)
        assert big["canvas"] > small[view]["canvas"], view  # grew with the window
        assert big["content"] <= big["pane"], view
    o.page.set_viewport_size({"width": 700, "height": 900})
    o.page.wait_for_timeout(300)
    assert layout(o, "heatmap")["canvas"] == pytest.approx(small["heatmap"]["canvas"], abs=1)  # the shown one
    o.check_clean()


def test_framed_page_reports_its_height(open_page, wide):
    """The `_repr_html_` form in a host page: sandboxed, and sized to the page as it changes."""
    framed = notebook_html(render_page(wide, lang="en"))
    host = "<!DOCTYPE html><html><body style='margin:0'>" + framed + "</body></html>"
    o = open_page(host, "framed", viewport=(1000, 900), wait_ready=False)
    frame_el = o.page.locator("iframe")
    assert frame_el.get_attribute("sandbox") == SANDBOX
    inner = frame_el.element_handle().content_frame()
    inner.wait_for_selector("body[data-ready]", state="attached", timeout=20000)
    heights = []
    for view in VIEWS:
        inner.click(f'nav.tabs button[data-view="{view}"]')
        o.page.wait_for_timeout(200)
        body = inner.evaluate("Math.ceil(document.body.getBoundingClientRect().height)")
        frame = frame_el.evaluate("f => f.getBoundingClientRect().height")
        assert frame == pytest.approx(min(MAX_FRAME_HEIGHT, body + 2), abs=1), view
        heights.append(frame)
    assert len(set(heights)) > 1  # the frame followed the tabs' heights
    assert inner.evaluate("document.documentElement.classList.contains('embedded')")
    assert inner.evaluate("window.__attnlab.errors") == []
    assert html.escape("allow-same-origin") not in host
    o.shot("framed")
    assert o.console_errors == [] and o.dialogs == [] and o.blocked == []
