"""`attnlab effects`: the JSON schema, the printout and figures, the estimate and bar, one-line errors (exit 2)."""

from __future__ import annotations

import json

import pytest

import attnlab.cli as cli
from attnlab.i18n import t

pytestmark = pytest.mark.model

IOI = "When Mary and John went to the store, John gave a drink to"
CAT = "The cat sat on the mat because it was tired."


@pytest.fixture
def run(capsys):
    def call(*argv: str) -> tuple[int, str, str]:
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return call


def test_help_gives_the_definitions(run):
    assert "effects" in cli.COMMAND_MODULES
    with pytest.raises(SystemExit) as stop:
        run("effects", "--help")
    assert stop.value.code == 0


def test_help_text(capsys):
    with pytest.raises(SystemExit):
        cli.main(["effects", "--help"])
    out = capsys.readouterr().out
    for words in ("Definitions", "Δ log p", "1 - cos", "frozen from the clean run", "share recovered",
                  "--corrupt", "--target", "--position", "--positions", "--method", "--edit"):
        assert words in out, words


def test_json_schema_of_a_decoder_target(run):
    code, out, _ = run("effects", IOI, "--target", " Mary", "--method", "attribution", "dla", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert list(data) == ["model", "tokens", "token_ids", "target", "method", "positions", "effects", "runtime_s"]
    assert data["model"] == "smollm2" and len(data["tokens"]) == len(data["token_ids"]) == 14
    assert data["method"] == ["attribution", "dla"] and data["positions"] == [14]
    assert data["target"]["kind"] == "token" and data["target"]["token"] == " Mary" and data["target"]["position"] == 14
    assert set(data["effects"]) == {"attribution", "dla"}
    assert all(len(g) == 30 and all(len(row) == 9 for row in g) for g in data["effects"].values())
    assert data["runtime_s"] > 0


def test_json_with_patching_reports_the_correlation(run):
    code, out, _ = run("effects", CAT, "--model", "minilm", "--corrupt", CAT.replace("cat", "dog"),
                       "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert list(data)[-1] == "spearman" and data["method"] == ["attribution", "patching"]
    assert set(data["spearman"]) == {"attribution~patching"} and -1 <= data["spearman"]["attribution~patching"] <= 1
    assert data["target"]["kind"] == "embedding" and data["target"]["pooling"] == "mean" and data["positions"] == []
    assert len(data["target"]["corrupt"]["token_ids"]) == len(data["token_ids"])


def test_printout_and_figures(run, tmp_path):
    code, out, _ = run("effects", CAT, "--model", "minilm", "--lang", "en", "--out", str(tmp_path))
    assert code == 0
    assert "minilm: head effects on 13 tokens (6 layers x 12 heads)" in out
    assert "methods: zero ablation, mean ablation" in out and "What this shows" in out and "Caveats" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["minilm-effects-atlas.png", "minilm-effects-atlas.svg",
                                                          "minilm-effects-scatter.png", "minilm-effects-scatter.svg"]


def test_estimate_first_then_a_progress_bar(run, monkeypatch):
    monkeypatch.setenv("ATTNLAB_PROGRESS", "1")
    code, _, err = run("effects", CAT, "--model", "minilm", "--method", "zero", "--lang", "en", "--format", "json")
    assert code == 0
    estimate = err.index("attnlab: zero ablation: 72 heads on 13 tokens, about ")
    assert err.index("72/72", estimate) > estimate  # tqdm's bar, after the estimate


def test_over_budget_methods_are_named_with_how_to_ask(run):
    code, out, _ = run("effects", IOI, "--budget", "0", "--lang", "en")
    assert code == 0
    assert "methods: attribution patching (linear estimate), direct logit attribution (DLA)" in out
    assert "not run by default: zero ablation (about" in out and "ask with --method zero" in out
    assert "not checked against zero ablation on this run" in out
    code, _, err = run("effects", CAT, "--model", "minilm", "--budget", "0", "--lang", "en")
    assert code == 2 and err == f"attnlab: error: {t('effects_none_run', 'en')}\n"


BAD = {
    "target": (["effects", IOI, "--target", " Mary and"], "1 トークンになる文字列", "give a string that is one token"),
    "position": (["effects", IOI, "--target", " Mary", "--position", "99"], "1〜14 を指定", "so give 1 to 14"),
    "positions": (["effects", IOI, "--positions", "0-3"], "1〜13 から選んで", "from 1 to 13"),
    "positions-form": (["effects", IOI, "--positions", "3-x"], "3,5-9 のように", "like 3,5-9"),
    "corrupt": (["effects", IOI, "--corrupt", "Mary gave it to"], "同じトークン数の文", "of the same token length"),
    "encoder": (["effects", CAT, "--model", "minilm", "--method", "dla"], "logits がありません", "it has no logits"),
    "encoder-target": (["effects", CAT, "--model", "minilm", "--target", " cat"], "--model smollm2",
                       "use --model smollm2"),
    "patching": (["effects", IOI, "--method", "patching"], "--corrupt", "patching needs a corrupted text"),
    "device": (["effects", IOI, "--device", "nowhere"], "--device cpu", "use --device cpu"),
}


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_one_line_in_the_chosen_language(run, case, lang):
    argv, ja, en = BAD[case]
    code, out, err = run(*argv, "--lang", lang)
    assert code == 2 and out == ""
    assert err.startswith("attnlab: error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert (ja if lang == "ja" else en) in err
