"""The lesson in real hosts: JupyterLab and Notebook 7 (from the dev extras) on a loopback port,
driven through their UI in Debian's Chromium. Run All Cells, then for every page output: the frame is
sandboxed and as tall as its page says (or at its cap, the page scrolling inside), nothing is wider
than the frame, the preview is hidden; tabs switch, hovers answer with the trace's numbers, the wheel
scrolls the notebook where the map cannot zoom further, Save PNG/SVG download from the sandboxed frame,
the frames re-fit a narrower window, and no request leaves 127.0.0.1. An untrusted copy (outputs saved
by nbclient, never signed) shows each page's preview and its plain text instead.

Screenshots land in test-artifacts/notebooks/ (look at them)."""

from __future__ import annotations

import json
import shutil
import time
import urllib.request

import pytest

from attnlab import tutorial
from attnlab.html import PRECISION
from attnlab.notebook import MAX_FRAME_HEIGHT, SANDBOX
from attnlab.views import page_views

from .conftest import NOTEBOOKS

pytestmark = [pytest.mark.notebook, pytest.mark.browser, pytest.mark.model]
RUN_LIMIT = 240  # s for Run All Cells in the UI (about 45 s here)
FRAMES = ".jp-OutputArea-output iframe"


# every code cell has run: all prompts carry a number, none a "*"
ALL_RAN = """() => { const p = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(e => e.textContent);
  return p.length > 0 && p.every(t => /\\[\\d+\\]/.test(t)); }"""


def kernel_idle(host, name: str) -> bool:
    """The server has a session for notebook `name` whose kernel has started and is idle."""
    url = f"http://127.0.0.1:{host.port}/api/sessions?token={host.token}"
    with urllib.request.urlopen(url, timeout=5) as r:
        sessions = json.load(r)
    return any(x["path"].endswith(name) and x["kernel"]["execution_state"] == "idle" for x in sessions)


def open_notebook(session, host, name: str):
    """Opens `name` and waits for its kernel: the UI's execution indicator reads "idle" even before
    a kernel exists, and cells run then are dropped, so the server is asked."""
    page = session.page
    page.goto(host.url(name))
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
    deadline = time.monotonic() + 90
    while not kernel_idle(host, name):
        assert time.monotonic() < deadline, f"no idle kernel for {name}"
        page.wait_for_timeout(300)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=30_000)
    return page


def run_all(page, last_line: str) -> float:
    """Run > Run All Cells from the menu bar; waits until every code cell has run and `last_line`
    (printed by the last one) shows."""
    start = time.monotonic()
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    page.wait_for_function(ALL_RAN, timeout=RUN_LIMIT * 1000)
    page.wait_for_function(
        "line => [...document.querySelectorAll('.jp-OutputArea-output')].some(o => o.textContent.includes(line))",
        arg=last_line, timeout=10_000)
    return time.monotonic() - start


def frame_of(page, i: int):
    """The i-th page output: its iframe element, scrolled to the top of the view, and its drawn frame.

    A page draws (and reports its height) in animation frames, which a browser runs only for frames
    in view; JupyterLab lays out cells near the view lazily, so positions settle while scrolling."""
    element = page.locator(FRAMES).nth(i)
    frame = element.element_handle().content_frame()
    deadline = time.monotonic() + 30
    while True:
        element.evaluate("f => f.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(250)
        if frame.evaluate("() => !!(document.body && document.body.dataset.ready)"):
            element.evaluate("f => f.scrollIntoView({block: 'start'})")
            return element, frame
        assert time.monotonic() < deadline, f"page output {i} did not draw"


def check_fit(page, i: int) -> dict:
    """Frame height = the page's reported height (or the cap); nothing wider than the frame."""
    element, frame = frame_of(page, i)
    page.wait_for_timeout(150)  # the size message and the resize land within a frame or two
    inner = frame.evaluate("""() => ({
        reported: window.__attnlab.reportedHeight, body: Math.ceil(document.body.getBoundingClientRect().height),
        width: innerWidth, height: innerHeight, scrollWidth: document.documentElement.scrollWidth,
        scrollHeight: document.documentElement.scrollHeight, errors: window.__attnlab.errors,
        embedded: document.documentElement.classList.contains('embedded')})""")
    outer = element.evaluate("f => ({height: f.getBoundingClientRect().height, sandbox: f.getAttribute('sandbox')})")
    assert outer["sandbox"] == SANDBOX and inner["embedded"] and inner["errors"] == []
    assert inner["reported"] == inner["body"]
    want = min(MAX_FRAME_HEIGHT, inner["body"] + 2)
    assert abs(outer["height"] - want) <= 1, (i, outer, inner)
    assert inner["scrollWidth"] <= inner["width"], (i, inner)  # wide views scroll inside their pane
    if want < MAX_FRAME_HEIGHT:
        assert inner["scrollHeight"] <= inner["height"] + 1, (i, inner)  # the whole page is in view
    return inner


def saved_previews(nb) -> list[str]:
    """The base64 PNGs of the previews in a saved notebook (their text/plain is attnlab's hint)."""
    return [o["data"]["image/png"] for c in nb.cells for o in c.get("outputs", [])
            if o.get("data", {}).get("text/plain", "").startswith("attnlab:")]


def rendered_previews(page, saved: list[str], limit: float = 60) -> int:
    """How many of the `saved` previews JupyterLab shows as images, waiting until all are (or `limit`
    s pass). JupyterLab renders cells on idle and lays out those far from the view lazily, so the
    first image can show long before the last: the notebook is scrolled down a view at a time (and
    back to the top at its end) while waiting."""
    tails = [b64[-40:] for b64 in saved]
    count = """tails => {
      const srcs = [...document.querySelectorAll('.jp-RenderedImage img')].map(i => i.getAttribute('src') || '');
      return tails.filter(t => srcs.some(s => s.endsWith(t))).length; }"""
    scroll = """() => {
      const s = document.querySelector('.jp-WindowedPanel-outer') || document.querySelector('.jp-Notebook');
      if (!s) return;
      s.scrollTop = s.scrollTop + s.clientHeight >= s.scrollHeight - 1 ? 0 : s.scrollTop + s.clientHeight; }"""
    deadline = time.monotonic() + limit
    while (found := page.evaluate(count, tails)) < len(tails) and time.monotonic() < deadline:
        page.evaluate(scroll)
        page.wait_for_timeout(300)
    return found


def show_preview(page, b64: str) -> None:
    """Scrolls the image showing this preview to the middle of the view; it is drawn and not hidden."""
    img = page.locator(f'.jp-RenderedImage img[src$="{b64[-40:]}"]')
    for _ in range(20):  # cells around it are laid out as they come near the view: positions settle
        img.evaluate("i => i.scrollIntoView({block: 'center'})")
        page.wait_for_timeout(250)
        if img.evaluate("i => { const r = i.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }"):
            break
    assert img.evaluate("i => i.complete && i.naturalWidth > 0 && getComputedStyle(i).display !== 'none'")


def settled_box(page, locator) -> dict:
    """`locator`'s box in the page once it is in view and the frame's new height has landed."""
    locator.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    locator.scroll_into_view_if_needed()
    return locator.bounding_box()


def tabs_of(trace) -> list[str]:
    """The tabs a page of `trace` has: the registered views that apply, in registry order."""
    return [v.name for v in page_views(trace)]


def check_tabs(page, i: int) -> list[str]:
    _, frame = frame_of(page, i)
    tabs = frame.eval_on_selector_all("nav.tabs button", "bs => bs.map(b => b.dataset.view)")
    for view in tabs:
        frame.click(f'nav.tabs button[data-view="{view}"]')
        frame.wait_for_selector(f'section[data-pane="{view}"]:not([hidden])')
        check_fit(page, i)
    return tabs


def test_lesson_in_jupyterlab(lab, session):
    shutil.copy(NOTEBOOKS / "attention_handson_ja.ipynb", lab.root)
    s = session(viewport=(1280, 900))
    page = open_notebook(s, lab, "attention_handson_ja.ipynb")
    seconds = run_all(page, "練習 11:")
    assert seconds <= RUN_LIMIT
    frames = page.locator(FRAMES).count()
    assert frames == 4  # steps 0, 3, 4 and the trained heads
    for i in range(frames):
        check_fit(page, i)
    hidden = page.eval_on_selector_all(".jp-OutputArea-output img",
                                       "imgs => imgs.filter(i => i.style.display === 'none').length")
    assert hidden == frames  # each page hid its own preview
    s.shot("lab-lesson-step0")

    # step 0's page: every tab fits; the heatmap's hover reads the tutorial's weights
    assert check_tabs(page, 0) == tabs_of(tutorial.listing2())
    _, frame = frame_of(page, 0)
    frame.click('nav.tabs button[data-view="heatmap"]')
    weights = tutorial.listing2().stages.weights[0]
    for q, k in ((1, 2), (2, 0)):
        box = settled_box(page, frame.locator('[data-testid="heatmap-canvas"]'))
        xy = frame.evaluate(f"window.__attnlab.views.heatmap.cellXY({q}, {k})")
        page.mouse.move(box["x"] + xy["x"], box["y"] + xy["y"])
        tip = frame.locator('[data-testid="heatmap-tooltip"]')
        tip.wait_for(state="visible")
        assert (int(tip.get_attribute("data-q")), int(tip.get_attribute("data-k"))) == (q, k)
        assert abs(float(tip.get_attribute("data-weight")) - float(weights[q, k])) <= PRECISION
    s.shot("lab-heatmap-hover")

    # Save PNG / SVG from inside the sandboxed frame
    for kind, magic in (("png", b"\x89PNG"), ("svg", b"<?xml")):
        with page.expect_download() as info:
            frame.click(f'section[data-pane="heatmap"] button[data-export="{kind}"]')
        with open(info.value.path(), "rb") as f:
            assert f.read(5).startswith(magic)
        assert info.value.suggested_filename == f"attnlab-heatmap.{kind}"

    # the wheel over the trained heads' heatmap (15 tokens): at the widest view the map cannot zoom
    # out, so the notebook scrolls; towards zooming in, the map zooms and the notebook stays
    _, frame = frame_of(page, 3)
    frame.click('nav.tabs button[data-view="heatmap"]')
    scroller = page.locator(".jp-WindowedPanel-outer").first
    canvas = frame.locator('[data-testid="heatmap-canvas"]')
    box = settled_box(page, canvas)
    xy = frame.evaluate("window.__attnlab.views.heatmap.cellXY(5, 5)")
    page.mouse.move(box["x"] + xy["x"], box["y"] + xy["y"])
    n = frame.evaluate("window.__attnlab.views.heatmap.view.span")
    before = scroller.evaluate("e => e.scrollTop")
    page.mouse.wheel(0, 120)
    page.wait_for_timeout(300)
    assert scroller.evaluate("e => e.scrollTop") > before
    assert frame.evaluate("window.__attnlab.views.heatmap.view.span") == n
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + xy["x"], box["y"] + xy["y"])
    top = scroller.evaluate("e => e.scrollTop")
    page.mouse.wheel(0, -120)
    page.wait_for_timeout(300)
    assert frame.evaluate("window.__attnlab.views.heatmap.view.span") < n
    assert scroller.evaluate("e => e.scrollTop") == top

    # the real model's page (step 4) and the trained heads' model view, in every tab
    assert check_tabs(page, 2) == tabs_of(tutorial.step4())
    check_tabs(page, 3)
    s.shot("lab-modelview")

    # a narrower window: every frame fits again
    page.set_viewport_size({"width": 820, "height": 900})
    page.wait_for_timeout(500)
    for i in range(frames):
        inner = check_fit(page, i)
        assert inner["width"] < 700
    s.shot("lab-narrow")
    assert s.refused == [] and s.errors == []


def test_untrusted_copy_in_jupyterlab(lab, session, executed):
    """Outputs saved by another run (nbclient's, never signed): the preview and the plain text show."""
    run = executed("en")
    shutil.copy(run.path, lab.root / "saved_en.ipynb")
    s = session(viewport=(1280, 900))
    page = open_notebook(s, lab, "saved_en.ipynb")
    page.wait_for_selector(".jp-OutputArea-output img", timeout=30_000)
    assert page.locator(FRAMES).count() == 0  # no script ran: no page
    # the previews (their caption is the one line saying how to see the page) are the images shown
    saved = saved_previews(run.nb)
    assert len(saved) == 4
    assert rendered_previews(page, saved) == len(saved)
    texts = page.eval_on_selector_all(".jp-RenderedText", "ts => ts.map(t => t.textContent)")  # the pages' plain text
    assert any(t.startswith("ToyTrace(tokens=['Tokyo', 'is', 'beautiful']") for t in texts)
    assert any(t.startswith("ModelTrace(model='minilm'") for t in texts)
    show_preview(page, saved[2])  # step 4's: MiniLM's first head
    s.shot("lab-untrusted")
    assert s.refused == [] and s.errors == []


def test_lesson_in_notebook7(nb7, session, executed):
    shutil.copy(NOTEBOOKS / "attention_handson_en.ipynb", nb7.root)
    s = session(viewport=(1100, 900))
    page = open_notebook(s, nb7, "attention_handson_en.ipynb")
    assert run_all(page, "Exercise 11:") <= RUN_LIMIT
    frames = page.locator(FRAMES).count()
    assert frames == 4
    for i in range(frames):
        check_fit(page, i)
    assert check_tabs(page, 1) == tabs_of(tutorial.step3())
    s.shot("nb7-lesson")
    # an untrusted copy in Notebook 7 too
    run = executed("ja")
    shutil.copy(run.path, nb7.root / "saved_ja.ipynb")
    page = open_notebook(s, nb7, "saved_ja.ipynb")
    page.wait_for_selector(".jp-RenderedImage img", timeout=30_000)
    assert page.locator(FRAMES).count() == 0
    show_preview(page, saved_previews(run.nb)[0])  # step 0's: the pipeline
    s.shot("nb7-untrusted")
    assert s.refused == [] and s.errors == []
