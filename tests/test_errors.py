"""Errors in the user's language (i18n.tr_error / error_text / set_error_lang): one mechanism, every
surface. The CLI prints --lang's language with a flag as advice; Python (a notebook) gets keywords
once set_error_lang is called; the web app's advice names its controls; str(e) stays English."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

import attnlab.cli as cli
from attnlab.errors import AttnlabError, LayerHeadError
from attnlab.i18n import STRINGS, SURFACES, Msg, error_text, set_error_lang, tr_error
from attnlab.toy import ToyInputError, ToySpec, run_toy
from attnlab.toy.options import toy_spec

SRC = Path(__file__).resolve().parents[1] / "src" / "attnlab"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def english_again():
    yield
    set_error_lang(None)


def test_one_error_three_surfaces_two_languages():
    e = tr_error(LayerHeadError, "err_layer_range", fix="fix_layer", layer="9", last=5)
    assert str(e) == "layer 9 is out of range: this trace has layers 0..5; give 0..5"
    assert error_text(e, "en", "cli").endswith("give --layer 0..5")
    assert error_text(e, "en", "python").endswith("pass layer=0..5")
    assert error_text(e, "en", "app").endswith("pick one in the layer selector")
    assert error_text(e, "ja", "cli") == ("層 9 は範囲外です: このトレースの層は 0〜5 です。"
                                          "--layer に 0〜5 を指定してください")
    assert "層の選択" in error_text(e, "ja", "app") and "--layer" not in error_text(e, "ja", "app")
    set_error_lang("ja")  # a notebook: str(e) in Japanese, with the keyword
    assert str(e) == "層 9 は範囲外です: このトレースの層は 0〜5 です。layer= に 0〜5 を渡してください"
    assert isinstance(e, AttnlabError) and e.args[0].startswith("layer 9")  # the English text stays in args


def test_nested_messages_are_said_in_the_same_language():
    e = tr_error(AttnlabError, "err_too_long", fix="fix_truncate", n=900, model="minilm", limit=512,
                 room=Msg("err_room_generating", {"reserve": 4}))
    assert str(e) == ("the text is 900 tokens but minilm accepts at most 512 while generating 4; "
                      "pass --truncate (truncate=True) to cut the rest")
    assert "（4 トークンを生成する分を除く）" in error_text(e, "ja", "python")


def test_an_error_without_a_key_keeps_its_english_text():
    e = AttnlabError("something plain")
    assert str(e) == error_text(e, "ja", "cli") == "something plain"


def test_toy_errors_come_in_the_chosen_language():
    cases = [dict(d_model=6, heads=4), dict(seed=-1), dict(temperature=0.0), dict(tokens=()),
             dict(x=((1.0, 2.0),)), dict(tokens="a b c")]
    for fields in cases:
        with pytest.raises(ToyInputError) as caught:
            run_toy(ToySpec(**fields))
        ja = error_text(caught.value, "ja", "python")
        assert JAPANESE.search(ja) and ja != str(caught.value), ja
    with pytest.raises(ToyInputError) as caught:
        toy_spec({"colour": "red"})
    assert error_text(caught.value, "ja") == ("トイのオプション 'colour' はありません: tokens, d_model, heads, "
                                              "seed, temperature, causal, x から選んでください")


def test_non_finite_toy_results_are_refused_in_the_chosen_language():
    with pytest.raises(ToyInputError) as caught:
        run_toy(x=((1e20,) * 4, (1.0,) * 4, (1.0,) * 4))
    assert "scale x down" in str(caught.value)
    assert "x を小さくしてください" in error_text(caught.value, "ja")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_cli_errors_come_in_lang(lang, capsys, tmp_path):
    argv = ["toy", "--d-model", "6", "--heads", "4", "--lang", lang, "--out", str(tmp_path)]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("attnlab: error: ") and err.count("\n") == 1
    assert bool(JAPANESE.search(err)) == (lang == "ja"), err


def test_cli_in_a_real_process_says_japanese_by_default():
    p = subprocess.run([sys.executable, "-m", "attnlab", "toy", "--seed", "-1"], capture_output=True, text=True)
    assert p.returncode == 2 and p.stderr.startswith("attnlab: error: --seed -1 は範囲外です: 0 から 4294967295 まで")


def _keys_used() -> set[tuple[str, str | None]]:
    """(message key, fix key) of every tr_error call in the source."""
    found = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "tr_error":
                key = node.args[1]
                fix = next((k.value for k in node.keywords if k.arg == "fix"), None)
                if isinstance(key, ast.Constant):
                    found.add((key.value, fix.value if isinstance(fix, ast.Constant) else None))
    return found


def test_every_key_an_error_names_exists_with_its_advice():
    used = _keys_used()
    assert len(used) > 30  # the core messages of toy/, models/, analysis/, lesson, trace are converted
    for key, fix in used:
        assert key in STRINGS, key
        if fix is not None:
            assert fix in STRINGS, fix
            assert all(f"{fix}_{s}" in STRINGS for s in SURFACES) or not any(
                f"{fix}_{s}" in STRINGS for s in SURFACES), fix  # all three surfaces, or only the generic


def test_japanese_error_strings_are_polite_and_japanese():
    for key, texts in STRINGS.items():
        if key.startswith(("err_", "fix_", "cause_")) and key != "err_with_fix":
            assert JAPANESE.search(texts["ja"]), key
            assert not texts["ja"].rstrip().endswith("。"), key  # "{said}。{fix}" adds the period
