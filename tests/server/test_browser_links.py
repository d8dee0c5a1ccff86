"""A `/t/<id>` link that cannot be opened, in Chromium: the trace page shows the server's message (404
unknown, 410 evicted or a record that cannot make the trace again) in the app's language, because it
asks with ?lang=, and a "run it again" link to the answer's `rerun`, which opens the form filled (a
toy: the playground, editable). Toys and records only: no model loads.

Screenshots land in test-artifacts/server/ (look at them)."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl

import pytest

from attnlab.i18n import t
from attnlab.server import ServeConfig
from attnlab.server.links import _record
from attnlab.server.store import trace_id

from .conftest import start_server
from .test_browser import shot

pytestmark = pytest.mark.browser
TOY = {"tokens": "the cat sat on the mat", "d_model": 8, "heads": 2, "seed": 7, "temperature": 0.5, "causal": True}
REFUSED = {**TOY, "d_model": 4, "heads": 3}  # the library refuses it: 4 does not divide into 3 heads
GONE = {"text": "Tokyo is beautiful", "model": "a-model-no-longer-served", "generate": 0, "truncate": False}
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _write(folder, kind: str, inputs: dict, data: bytes | None = None) -> str:
    tid = trace_id(kind, inputs)
    (folder / f"{tid}.json").write_bytes(_record(kind, inputs) if data is None else data)
    return tid


@pytest.fixture(scope="module")
def links(tmp_path_factory):
    """A server on a link folder holding a damaged record, a refused toy's and a text of a model it does
    not serve; (server, {case: trace id})."""
    folder = tmp_path_factory.mktemp("links")
    ids = {"damaged": _write(folder, "toy", {**TOY, "seed": 1}, b'{"attnlab_link": 1, "kind": "toy", "inputs": {"t'),
           "refused": _write(folder, "toy", REFUSED), "model_gone": _write(folder, "text", GONE),
           "unknown": "text-0123456789abcdef"}
    running, stop = start_server(ServeConfig(port=0, links_dir=str(folder)))
    yield running, ids
    stop()


def _opened(open_app, url: str, lang: str, tid: str):
    """The trace page of `tid` at `url`, once it shows its error; (page, error text, rerun link)."""
    o = open_app(url)
    o.page.wait_for_selector("[data-testid=trace-error]:not([hidden])")
    assert f"{url.split('/t/')[0]}/api/traces/{tid}?lang={lang}" in o.requests  # the app's language
    rerun = o.page.locator("[data-testid=trace-error] [data-testid=rerun]")
    return o, o.page.inner_text("[data-testid=trace-error]"), rerun


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_an_unknown_link_says_so_and_offers_the_empty_form(links, open_app, lang):
    running, ids = links
    tid = ids["unknown"]
    o, text, rerun = _opened(open_app, f"{running.url}/t/{tid}?lang={lang}", lang, tid)
    assert text.splitlines()[0] == t("srv_trace_unknown", lang, tid=tid)
    assert bool(JAPANESE.search(text.splitlines()[0])) == (lang == "ja")
    assert rerun.get_attribute("href") == f"/?screen=text&lang={lang}" and rerun.inner_text() == t("rerun", lang)
    shot(o, f"link-unknown-{lang}")
    rerun.click()
    o.page.wait_for_selector("[data-testid=text-input]")
    assert o.page.evaluate("document.documentElement.lang") == lang
    assert o.outside(running.url) == []
    assert o.errors == ["Failed to load resource: the server responded with a status of 404 (Not Found)"]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_record_that_cannot_make_its_trace_says_why_and_runs_again(links, open_app, lang):
    running, ids = links
    gone = "Failed to load resource: the server responded with a status of 410 (Gone)"
    # damaged: the message, and the empty playground (its inputs could not be read)
    o, text, rerun = _opened(open_app, f"{running.url}/t/{ids['damaged']}?lang={lang}", lang, ids["damaged"])
    assert text.splitlines()[0] == t("srv_link_damaged", lang, tid=ids["damaged"])
    assert rerun.get_attribute("href") == f"/?screen=toy&lang={lang}"
    assert o.errors == [gone]
    # a text of a model no longer served: the explorer's form, filled, the model left to the server
    o, text, rerun = _opened(open_app, f"{running.url}/t/{ids['model_gone']}?lang={lang}", lang, ids["model_gone"])
    assert text.splitlines()[0] == t("srv_link_model", lang, tid=ids["model_gone"], model=repr(GONE["model"]),
                                     models="minilm, smollm2")
    query = dict(parse_qsl(rerun.get_attribute("href").removeprefix("/?")))
    assert query == {"screen": "text", "lang": lang, "text": GONE["text"], "generate": "0", "truncate": "false",
                     "run": "1"}
    # a toy the library refuses now: its reason, and the playground with its options, editable
    o, text, rerun = _opened(open_app, f"{running.url}/t/{ids['refused']}?lang={lang}", lang, ids["refused"])
    said = t("err_toy_divisible", lang, d_model=4, heads=3)  # the library's keyed error, in the page's language
    assert said in text and bool(JAPANESE.search(text)) == (lang == "ja")
    shot(o, f"link-refused-{lang}")
    with o.page.expect_navigation(url=re.compile(r"/\?screen=toy&"), wait_until="commit"):
        rerun.click()  # (the playground then rewrites its address: wait_for_url after the click could miss it)
    o.page.wait_for_selector("[data-testid=toy-error]:not([hidden])")
    assert o.page.inner_text("[data-testid=toy-error]").startswith(said)
    assert o.page.input_value("[data-testid=toy-heads]") == "3" and o.page.input_value("[data-testid=toy-seed]") == "7"
    assert o.outside(running.url) == []


def test_an_evicted_toy_offers_its_playground(open_app):
    """Without a link folder an evicted toy answers 410 with its inputs: the link opens the playground
    with them, which makes it again."""
    import httpx

    probe, stop = start_server(ServeConfig(port=0))
    try:
        httpx.post(f"{probe.url}/api/toy/page", json=TOY).raise_for_status()
        one = httpx.get(f"{probe.url}/api/health").json()["toys"]["bytes"]
    finally:
        stop()
    running, stop = start_server(ServeConfig(port=0, max_cache=int(one * 3.5)))  # toys: room for one
    try:
        first = httpx.post(f"{running.url}/api/toy/page", json=TOY).json()["trace_id"]
        httpx.post(f"{running.url}/api/toy/page", json={**TOY, "seed": 8}).raise_for_status()
        answer = httpx.get(f"{running.url}/api/traces/{first}?lang=ja")
        assert answer.status_code == 410 and answer.json()["reason"] == "evicted"
        o, text, rerun = _opened(open_app, f"{running.url}/t/{first}?lang=ja", "ja", first)
        assert text.splitlines()[0] == answer.json()["error"] and JAPANESE.search(text) and first in text
        query = dict(parse_qsl(rerun.get_attribute("href").removeprefix("/?")))
        assert json.loads(query.pop("toy")) == {**TOY, "tokens": TOY["tokens"].split(), "x": None}
        assert query == {"screen": "toy", "lang": "ja"}
        with o.page.expect_navigation(url=re.compile(r"/\?screen=toy&"), wait_until="commit"):
            rerun.click()  # the playground rewrites its address once it runs: the navigation is what is checked
        o.page.wait_for_selector("body[data-app]", state="attached")
        o.wait("window.__attnlabApp.edits.length >= 1")
        assert o.page.input_value("[data-testid=toy-tokens]") == TOY["tokens"]
        assert o.page.input_value("[data-testid=toy-seed]") == "7"
        assert o.page.evaluate("window.__attnlabApp.errors") == []
    finally:
        stop()
