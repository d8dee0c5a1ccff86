"""Fixtures several test folders share: one Chromium (Debian's) per session, for tests/html (page
files) and tests/server (the web app). Playwright's sync API allows one session at a time, so the
browser lives here, once, rather than in each folder's conftest."""

from __future__ import annotations

import pytest

from .html.conftest import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
