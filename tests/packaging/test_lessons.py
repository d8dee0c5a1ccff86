"""The lesson notebooks inside the package: the stored notebooks byte for byte (`make lesson` copies
them), found by `attnlab.lesson_path`, copied by `attnlab lesson --copy DIR` without replacing a file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import attnlab
from attnlab import cli
from attnlab.errors import AttnlabError
from attnlab.lessons import HERE, LANGS, copy_lessons, lesson_path

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def test_packaged_lessons_are_the_stored_notebooks():
    stored = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
    assert stored and sorted(p.name for p in HERE.glob("*.ipynb")) == stored, "run make lesson"
    for name in stored:
        assert (HERE / name).read_bytes() == (NOTEBOOKS / name).read_bytes(), f"{name}: run make lesson"
    assert {lesson_path(lang).name for lang in LANGS} == set(stored)


def test_lesson_path_by_language():
    assert attnlab.lesson_path("en") == HERE / "attention_handson_en.ipynb"
    assert attnlab.lesson_path() == lesson_path("ja")
    with pytest.raises(AttnlabError, match="lang 'fr' is not available"):
        lesson_path("fr")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(["lesson", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_prints_the_paths_and_copies(tmp_path, capsys):
    assert run(capsys) == (0, f"{lesson_path('ja')}\n{lesson_path('en')}\n", "")
    code, out, _ = run(capsys, "--copy", str(tmp_path), "--lang", "en")
    assert code == 0 and out == f"{tmp_path / 'attention_handson_en.ipynb'}\n"
    assert (tmp_path / "attention_handson_en.ipynb").read_bytes() == lesson_path("en").read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["attention_handson_en.ipynb"]


def test_a_copy_never_replaces_a_file(tmp_path, capsys):
    mine = tmp_path / "attention_handson_ja.ipynb"
    mine.write_text("my own notes")
    code, out, err = run(capsys, "--copy", str(tmp_path))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert f"{mine} already exists" in err
    assert mine.read_text() == "my own notes" and sorted(os.listdir(tmp_path)) == [mine.name]  # nothing written
    link = tmp_path / "attention_handson_en.ipynb"
    link.symlink_to(tmp_path / "elsewhere.ipynb")  # a dangling link counts as taken too
    with pytest.raises(AttnlabError, match="already exists"):
        copy_lessons(tmp_path, ("en",))
    assert not (tmp_path / "elsewhere.ipynb").exists()


@pytest.mark.parametrize("where", ["missing", "afile"])
def test_a_copy_needs_an_existing_folder(tmp_path, capsys, where):
    (tmp_path / "afile").write_text("x")
    code, _, err = run(capsys, "--copy", str(tmp_path / where))
    assert code == 2 and "it is not an existing folder" in err and err.count("\n") == 1
