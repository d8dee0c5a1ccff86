"""The model chosen for a text when none is named (`registry.model_for`): Japanese -> smollm2, else the
registry's default, on every surface (run_text, `attnlab text`, the server's /api/text); and when MiniLM
is named for Japanese, the note the CLI prints reaches every surface: a NotAsWrittenWarning in Python,
`attnlab: note:` lines from `text` and `heads`, `warnings` in the server's answers (tests/server)."""

from __future__ import annotations

import json
import warnings

import pytest

from attnlab.models.notes import NotAsWrittenWarning, notes_for
from attnlab.models.registry import BUNDLED, DEFAULT_MODEL, JAPANESE_MODEL, model_for

CAT = "猫が窓辺で静かに眠っている"
CITY = "東京は美しい街です。"


@pytest.mark.parametrize("text,model", [
    (CAT, JAPANESE_MODEL),
    ("Tokyo is beautiful", DEFAULT_MODEL),
    ("Tokyo is 美しい", JAPANESE_MODEL),  # one Japanese word is enough for MiniLM to drop or [UNK] it
    ("カタカナ", JAPANESE_MODEL),
    ("café 😀 123", DEFAULT_MODEL),
    ("", DEFAULT_MODEL),
    (None, DEFAULT_MODEL),  # not a text: run_text refuses it with its own message
])
def test_model_for(text, model):
    assert model_for(text) == model


def test_the_choice_reads_japanese_and_the_default_does_not():
    assert BUNDLED[JAPANESE_MODEL].reads_japanese and not BUNDLED[DEFAULT_MODEL].reads_japanese
    assert notes_for(JAPANESE_MODEL, CAT) == [] and notes_for(DEFAULT_MODEL, CAT) != []


def test_the_servers_text_request_chooses_the_same_way():
    from attnlab.server.inputs import text_request

    models = list(BUNDLED)
    assert text_request({"text": CAT}, models).model == JAPANESE_MODEL
    assert text_request({"text": "Tokyo is beautiful"}, models).model == DEFAULT_MODEL
    assert text_request({"text": CAT, "model": "minilm"}, models).model == "minilm"  # named: kept


@pytest.mark.model
@pytest.mark.parametrize("text", [CAT, CITY])
def test_run_text_reads_japanese_with_smollm2_and_warns_when_minilm_is_named(text):
    from attnlab.models.api import run_text

    with warnings.catch_warnings():
        warnings.simplefilter("error", NotAsWrittenWarning)  # none for the chosen model
        chosen = run_text(text)
        assert chosen.model == JAPANESE_MODEL and run_text("Tokyo is beautiful").model == DEFAULT_MODEL
    with pytest.warns(NotAsWrittenWarning) as caught:
        named = run_text(text, "minilm")
    (w,) = [w for w in caught if issubclass(w.category, NotAsWrittenWarning)]
    assert str(w.message).split("\n") == notes_for(named, text, lang="ja") + notes_for(named, text, lang="en")
    assert w.filename == __file__  # points at the caller's line


@pytest.mark.model
def test_the_cli_chooses_and_notes(run_cli):
    from attnlab.models.api import run_text

    code, out, err = run_cli("text", CAT, "--format", "json")
    assert code == 0 and json.loads(out)["model"] == JAPANESE_MODEL and "note" not in err
    with pytest.warns(NotAsWrittenWarning):  # the reference traces, as Python sees them
        city, cat = run_text(CITY, "minilm"), run_text(CAT, "minilm")
    for lang in ("ja", "en"):
        code, out, err = run_cli("text", CITY, "--model", "minilm", "--format", "json", "--lang", lang)
        expected = notes_for(city, CITY, lang=lang)
        assert code == 0 and expected and err.splitlines() == [f"attnlab: note: {line}" for line in expected]
    code, out, err = run_cli("heads", CAT, "--model", "minilm", "--format", "json", "--lang", "en")
    expected = notes_for(cat, CAT, lang="en")
    assert code == 0 and [f"attnlab: note: {line}" for line in expected] == err.splitlines()
    code, out, err = run_cli("heads", CAT, "--format", "json")  # its default (a decoder) reads Japanese
    assert code == 0 and "note" not in err


@pytest.fixture
def run_cli(capsys):
    from attnlab.cli import main

    def call(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return call
