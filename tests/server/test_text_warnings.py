"""The server's side of issue 18 item 1: /api/text with no model chooses as the CLI does (Japanese ->
smollm2), and every answer about a text trace carries `warnings`: the notes the CLI prints when the
model did not read the text as written, in the request's language (?lang=, English when none)."""

from __future__ import annotations

import json

import pytest

from attnlab.models.notes import NotAsWrittenWarning, notes_for

CAT = "猫が窓辺で静かに眠っている"
CITY = "東京は美しい街です。"

pytestmark = pytest.mark.model


def test_japanese_gets_smollm2_when_no_model_is_named(client):
    r = client.post("/api/text", json={"text": CAT})
    assert r.status_code == 200 and r.json()["model"] == "smollm2" and r.json()["warnings"] == []
    r = client.post("/api/text", json={"text": "Tokyo is beautiful"})
    assert r.json()["model"] == "minilm" and r.json()["warnings"] == []


@pytest.mark.parametrize("text", [CAT, CITY])
def test_minilm_named_for_japanese_warns_on_every_answer(client, text):
    from attnlab.models.api import run_text

    with pytest.warns(NotAsWrittenWarning):
        reference = run_text(text, "minilm")
    expected = {lang: notes_for(reference, text, lang=lang) for lang in ("ja", "en")}
    assert expected["ja"] and expected["en"]
    body = {"text": text, "model": "minilm"}
    r = client.post("/api/text?lang=ja", json=body)
    assert r.status_code == 200 and r.json()["warnings"] == expected["ja"]
    tid = r.json()["trace_id"]
    assert client.post("/api/text", json=body).json()["warnings"] == expected["en"]  # no language: English
    for lang in ("ja", "en"):
        assert client.get(f"/api/traces/{tid}?lang={lang}").json()["warnings"] == expected[lang]
        assert client.get(f"/api/traces/{tid}/page-data?lang={lang}").json()["warnings"] == expected[lang]
    with client.stream("POST", "/api/text/stream?lang=ja", json=body) as s:
        events = [block for block in s.read().decode().split("\n\n") if block]
    result = json.loads(events[-1].split("\n")[1].removeprefix("data: "))
    assert result["warnings"] == expected["ja"] and result["trace_id"] == tid
