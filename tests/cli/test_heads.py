"""`attnlab heads`: the JSON schema, the printout in both languages, files, and one-line errors (exit 2)."""

from __future__ import annotations

import json

import pytest

import attnlab.cli as cli

pytestmark = pytest.mark.model


@pytest.fixture
def run(capsys):
    def call(*argv: str) -> tuple[int, str, str]:
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return call


def test_heads_is_registered():
    assert "heads" in cli.COMMAND_MODULES


def test_json_schema_with_a_text(run, tmp_path):
    code, out, _ = run("heads", "東京はとても美しい街です。Tokyo is beautiful.", "--model", "minilm",
                       "--probe-length", "12", "--seed", "3", "--format", "json", "--html", str(tmp_path / "p.html"))
    assert code == 0
    data = json.loads(out)  # stdout is pure JSON even with --html
    assert list(data) == ["model", "n_layers", "n_heads", "tokens", "token_ids", "probe", "scores", "roles"]
    assert data["model"] == "minilm" and data["tokens"][0] == "[CLS]" and len(data["tokens"]) == len(data["token_ids"])
    assert data["probe"]["length"] == 12 and data["probe"]["seed"] == 3 and len(data["probe"]["token_ids"]) == 25
    assert set(data["scores"]) == {"prev_token", "self", "first_token", "entropy", "mean_distance", "induction",
                                   "duplicate"}
    assert all(len(rows) == 6 and all(len(r) == 12 for r in rows) for rows in data["scores"].values())
    for role in data["roles"]:
        assert data["scores"][{"previous_token": "prev_token", "first_token_sink": "first_token", "broad": "entropy",
                               "local": "mean_distance"}.get(role["role"], role["role"])][role["layer"]][role["head"]] \
            == pytest.approx(role["score"], abs=1e-6)
    assert (tmp_path / "p.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_probe_only_printout_and_figures(run, tmp_path):
    code, out, _ = run("heads", "--model", "smollm2", "--lang", "en", "--out", str(tmp_path))
    assert code == 0
    assert "no text (probe only)" in out and "induction probe R = 50, seed 0 (100 tokens)" in out
    assert " heads induction >= 0.3; strongest: L" in out  # SmolLM2 has induction heads (measured 12)
    assert "not judged: needs a text" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["smollm2-atlas.png", "smollm2-atlas.svg"]


def test_text_printout_in_japanese(run, tmp_path):
    code, out, _ = run("heads", "The cat sat on the mat because it was tired.", "--model", "minilm", "--out",
                       str(tmp_path))
    assert code == 0
    assert "ヘッド調査（6 層 x 12 ヘッド = 72 ヘッド）" in out
    assert "しきい値（induction >= 0.3）に届くヘッドはありません" in out  # MiniLM has no induction head: said so
    assert "先頭トークン [CLS]: 重み" in out and "ロールアウト" in out
    stems = ("atlas", "rollout", "value-weighted")
    want = sorted(f"minilm-{s}.{e}" for s in stems for e in ("png", "svg"))
    assert sorted(p.name for p in tmp_path.iterdir()) == want


@pytest.mark.parametrize("argv, message", [
    (("heads", "", "--model", "minilm"), "the text is empty"),
    (("heads", "--model", "minilm", "--probe-length", "300"), "accepts at most 512; give --probe-length 255"),
    (("heads", "--model", "minilm", "--seed=-2"), "--seed -2 "),
    (("heads", "--model", "minilm", "--seed", str(10**23)), "--seed 100000000000000000000000 "),
])
def test_bad_input_is_one_line(run, argv, message):
    code, out, err = run(*argv, "--lang", "en")  # the English message (--lang ja's: tests/test_errors.py)
    assert code == 2 and out == ""
    assert err.startswith("attnlab: error: ") and message in err and err.count("\n") == 1
