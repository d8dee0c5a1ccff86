"""Fixtures shared by test folders: one Chromium per test session (Debian's, as the brief says).

Playwright's sync API allows one running instance per thread, so the page tests (tests/html), the web
app's (tests/server) and the notebook-host tests (tests/notebooks) share this one instead of each
starting their own.
"""

from __future__ import annotations

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
