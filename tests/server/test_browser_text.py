"""Japanese in the text explorer, in Chromium (issue 18 item 1): the model select opens on "auto", which
leaves the model out of the request, so the server chooses from the text (Japanese -> smollm2) and the
trace page says which model it chose; MiniLM picked by hand for Japanese shows the server's warnings on
the trace page, one per line, in the app's language (every call names it: ?lang=), and again in the
other language after the switch.

Screenshots land in test-artifacts/server/ (look at them)."""

from __future__ import annotations

import json
import re

import pytest

from attnlab.i18n import t
from attnlab.models.notes import notes_for

from .test_browser import shot

pytestmark = [pytest.mark.browser, pytest.mark.model]
CAT = "猫が窓辺で静かに眠っている"
CITY = "東京は美しい街です。"
TRACE_URL = re.compile(r"/t/(text-[0-9a-f]{16})")


def run_text(o, text: str, model: str | None) -> tuple[str, dict]:
    """Type `text`, choose `model` (None: leave "auto"), run; (trace id, the JSON body the explorer sent)."""
    o.page.fill("[data-testid=text-input]", text)
    if model is not None:
        o.page.select_option("[data-testid=text-model]", model)
    with o.page.expect_request(lambda r: "/api/text/stream" in r.url) as sent:
        o.page.click("[data-testid=text-run]")
    o.page.wait_for_url(TRACE_URL, timeout=180000)
    o.page.wait_for_selector("body[data-app]", state="attached")
    o.wait("window.__attnlab && window.__attnlab.ready", timeout_s=120)
    assert sent.value.url.endswith(f"/api/text/stream?lang={o.page.evaluate('document.documentElement.lang')}")
    return TRACE_URL.search(o.page.url).group(1), json.loads(sent.value.post_data)


def test_japanese_gets_smollm2_when_the_model_is_left_on_auto(live_server, open_app):
    o = open_app(f"{live_server.url}/?screen=text&lang=ja")
    select = "[data-testid=text-model]"
    assert o.page.input_value(select) == "" and o.page.locator(f"{select} option:checked").inner_text() == t(
        "model_auto", "ja")
    tid, body = run_text(o, CAT, None)
    assert "model" not in body and body["text"] == CAT  # the server chooses
    trace = live_server.state.texts.get(tid).trace
    assert trace.model == "smollm2" and "model=auto" in o.page.url
    assert o.page.inner_text("[data-testid=trace-model]") == "smollm2"
    assert o.page.inner_text("[data-testid=trace-chosen]") == t("model_chosen", "ja", model="smollm2")
    assert o.page.locator("[data-testid=trace-warnings]").count() == 0 and notes_for(trace, CAT, lang="ja") == []
    assert f"{live_server.url}/api/traces/{tid}?lang=ja" in o.requests
    assert f"{live_server.url}/api/traces/{tid}/page-data?lang=ja" in o.requests
    shot(o, "explorer-auto-smollm2")
    # English text on auto: the model the server gives English (the explorer names none either)
    o.page.goto(f"{live_server.url}/?screen=text&lang=en")
    o.page.wait_for_selector("[data-testid=text-input]")
    tid, body = run_text(o, "Tokyo is beautiful", None)
    assert "model" not in body and o.page.inner_text("[data-testid=trace-model]") == "minilm"
    assert o.page.inner_text("[data-testid=trace-chosen]") == t("model_chosen", "en", model="minilm")
    assert o.outside(live_server.url) == [] and o.errors == []


def test_minilm_picked_for_japanese_shows_the_warning_in_the_apps_language(live_server, open_app):
    o = open_app(f"{live_server.url}/?screen=text&lang=ja")
    tid, body = run_text(o, CITY, "minilm")
    assert body["model"] == "minilm" and "model=" not in o.page.url.split("?", 1)[1]
    trace = live_server.state.texts.get(tid).trace
    assert o.page.locator("[data-testid=trace-chosen]").count() == 0  # picked by hand: nothing to say

    def warnings() -> list[str]:
        return o.page.locator("[data-testid=trace-warnings] p").all_inner_texts()

    expected = {lang: notes_for(trace, CITY, lang=lang) for lang in ("ja", "en")}
    assert expected["ja"] and expected["en"] != expected["ja"]
    assert warnings() == expected["ja"]
    shot(o, "trace-minilm-japanese-warning")
    o.page.click("[data-testid=lang-switch]")
    o.page.wait_for_url(re.compile(r"lang=en"))
    o.page.wait_for_selector("[data-testid=trace-warnings]")
    assert warnings() == expected["en"]
    assert f"{live_server.url}/api/traces/{tid}?lang=en" in o.requests
    assert o.outside(live_server.url) == [] and o.errors == []
