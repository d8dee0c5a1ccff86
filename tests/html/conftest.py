"""Browser fixtures: a page opener on the session's Chromium (tests/conftest.py) that
records every request, console error, page error and dialog, and a place for screenshots."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ..conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: F401  (re-exported for tests and benches)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "html"


@dataclass
class Opened:
    """A page under test and what it did."""

    page: object  # playwright Page
    url: str  # the file it was loaded from
    requests: list[str] = field(default_factory=list)  # every URL the page asked for
    blocked: list[str] = field(default_factory=list)  # those that would have left the page
    console_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)  # alert() etc.: an injection that ran

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def check_clean(self) -> None:
        assert self.console_errors == []
        assert self.dialogs == []
        assert self.blocked == []
        assert self.page.evaluate("window.__attnlab.errors") == []


@pytest.fixture
def open_page(browser, tmp_path):
    """open_page(html, name) -> Opened, loaded from a file and drawn (body[data-ready]: first frame done)."""
    contexts = []

    def opener(html: str, name: str = "page", *, viewport=(1280, 1000), wait_ready=True) -> Opened:
        path = tmp_path / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        size = {"width": viewport[0], "height": viewport[1]}
        ctx = browser.new_context(viewport=size, accept_downloads=True)
        contexts.append(ctx)
        page = ctx.new_page()
        o = Opened(page=page, url=path.as_uri())

        def route(r):
            url = r.request.url
            o.requests.append(url)
            if url == o.url or url.startswith(("data:", "blob:")):
                r.continue_()
            else:
                o.blocked.append(url)
                r.abort()

        ctx.route("**/*", route)

        def seen(req):  # file:// and data: requests are not routed; record every request here too
            url = req.url
            if url != o.url and not url.startswith(("data:", "blob:")) and url not in o.blocked:
                o.blocked.append(url)

        page.on("request", seen)
        page.on("console", lambda m: m.type == "error" and o.console_errors.append(m.text))
        page.on("pageerror", lambda e: o.console_errors.append(str(e)))
        page.on("dialog", lambda d: (o.dialogs.append(d.message), d.dismiss()))
        page.goto(o.url)
        if wait_ready:
            page.wait_for_selector("body[data-ready]", state="attached", timeout=20000)
        return o

    yield opener
    for c in contexts:
        c.close()


# visible text that is no value: a null or undefined appended to the page, a NaN formatted, an object
# printed ("[object Object]"); every text node outside <script>, in shown elements (offsetParent or fixed)
STRAY_TEXT_JS = """(root) => {
  const out = [], w = document.createTreeWalker(root || document.body, NodeFilter.SHOW_TEXT);
  while (w.nextNode()) {
    const t = w.currentNode.textContent, e = w.currentNode.parentElement;
    const shown = !e.closest("script, style, [hidden]") && e.getClientRects().length > 0;
    if (shown && /\\b(null|undefined|NaN)\\b|\\[object /.test(t)) out.push(t);
  }
  return out; }"""


def png_pixels(png: bytes):
    """PNG bytes -> RGB numpy array [y, x, 3]."""
    import numpy as np
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
