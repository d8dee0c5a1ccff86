"""marimo as a notebook host: a trace, and `attnlab.show(...)`, at the end of a cell display as the page,
as in Jupyter. `marimo run` (from the notebooks extra) serves a small notebook on a loopback port, headless;
Debian's Chromium opens it. marimo shows `_repr_html_` (HTML with a script) in an iframe document of its
own: inside it, attnlab's sandboxed frame holds the page, sized to it; marimo's frame grows to hold ours;
the heatmap's hover reads the trace's weights; no request leaves 127.0.0.1.

A screenshot lands in test-artifacts/notebooks/marimo.png."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request

import pytest

from attnlab import tutorial
from attnlab.html import PRECISION
from attnlab.notebook import MAX_FRAME_HEIGHT, SANDBOX

from .conftest import START_TIMEOUT, free_port

pytestmark = [pytest.mark.notebook, pytest.mark.browser]
RUN_LIMIT = 120  # s for marimo to run the notebook and the pages to draw (about 15 s here)

NOTEBOOK = '''
import marimo

app = marimo.App()


@app.cell
def _():
    import attnlab
    trace = attnlab.tutorial.listing2()
    trace
    return attnlab, trace


@app.cell
def _(attnlab, trace):
    attnlab.show(trace, lang="en", view="heatmap")
    return


if __name__ == "__main__":
    app.run()
'''


@pytest.fixture
def marimo_app(tmp_path):
    """`marimo run` on the notebook above: its URL; marimo's config and state in tmp_path."""
    pytest.importorskip("marimo", reason="marimo is in the notebooks extra (pip install -e '.[dev]')")
    (tmp_path / "traces.py").write_text(NOTEBOOK, encoding="utf-8")
    port = free_port()
    env = dict(os.environ, MARIMO_SKIP_UPDATE_CHECK="1", XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_STATE_HOME=str(tmp_path / "state"), XDG_CACHE_HOME=str(tmp_path / "cache"))
    log = (tmp_path / "marimo.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "marimo", "run", "traces.py", "--headless", "--host", "127.0.0.1",
                             "--port", str(port), "--no-token", "--no-sandbox"],
                            cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert proc.poll() is None, (tmp_path / "marimo.log").read_text()[-2000:]
            try:
                with urllib.request.urlopen(url, timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, f"marimo did not answer on {url} within {START_TIMEOUT} s"
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def attnlab_frames(page) -> list:
    """[(marimo's iframe element, attnlab's iframe element, the page's frame)] for each output, once drawn.
    A page draws in animation frames, which the browser runs only for frames in view: each is scrolled to."""
    page.wait_for_function("() => document.querySelectorAll('iframe').length >= 2", timeout=RUN_LIMIT * 1000)
    found = []
    for i in range(page.locator("iframe").count()):
        outer = page.locator("iframe").nth(i)
        doc = outer.element_handle().content_frame()
        doc.wait_for_selector("iframe", state="attached", timeout=RUN_LIMIT * 1000)
        inner = doc.locator("iframe").first
        frame = inner.element_handle().content_frame()
        deadline = time.monotonic() + RUN_LIMIT
        while not frame.evaluate("() => !!(document.body && document.body.dataset.ready)"):
            assert time.monotonic() < deadline, f"output {i}: the page did not draw"
            outer.evaluate("f => f.scrollIntoView({block: 'start'})")
            page.wait_for_timeout(250)
        found.append((outer, inner, frame))
    return found


def test_a_trace_displays_as_its_page_in_marimo(marimo_app, session):
    s = session(viewport=(1280, 900))
    s.page.goto(marimo_app)
    frames = attnlab_frames(s.page)
    assert len(frames) == 2
    for (outer, inner, frame), lang in zip(frames, ("ja", "en")):
        outer.evaluate("f => f.scrollIntoView({block: 'start'})")
        assert inner.get_attribute("sandbox") == SANDBOX  # no same-origin: the page cannot reach marimo
        assert frame.evaluate("document.documentElement.lang") == lang
        assert frame.evaluate("window.__attnlab.errors") == []
        s.page.wait_for_timeout(300)  # the size message and marimo's resize land within a frame or two
        body = frame.evaluate("Math.ceil(document.body.getBoundingClientRect().height)")
        assert frame.evaluate("window.__attnlab.reportedHeight") == body
        ours = inner.evaluate("f => f.getBoundingClientRect().height")
        assert ours == pytest.approx(min(MAX_FRAME_HEIGHT, body + 2), abs=1)  # fitted to the page
        theirs = outer.evaluate("f => f.getBoundingClientRect().height")
        assert theirs >= ours, (theirs, ours)  # marimo's frame holds ours whole: nothing is cut off

    _, _, frame = frames[1]  # show(..., view="heatmap"): the hover reads the tutorial's weights
    weights = tutorial.listing2().stages.weights[0]
    for q, k in ((1, 2), (2, 0)):
        canvas = frame.locator('[data-testid="heatmap-canvas"]')
        canvas.scroll_into_view_if_needed()
        s.page.wait_for_timeout(300)
        box = canvas.bounding_box()
        xy = frame.evaluate(f"window.__attnlab.views.heatmap.cellXY({q}, {k})")
        s.page.mouse.move(box["x"] + xy["x"], box["y"] + xy["y"])
        tip = frame.locator('[data-testid="heatmap-tooltip"]')
        tip.wait_for(state="visible")
        assert (int(tip.get_attribute("data-q")), int(tip.get_attribute("data-k"))) == (q, k)
        assert abs(float(tip.get_attribute("data-weight")) - float(weights[q, k])) <= PRECISION
    s.shot("marimo")
    assert s.refused == [] and s.errors == []
