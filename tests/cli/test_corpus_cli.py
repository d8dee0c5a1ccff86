"""`attnlab corpus` and `attnlab corpus summarize`: both forms parse, errors are one line, files are written."""

from __future__ import annotations

import json

import pytest

from attnlab.cli import main
from attnlab.cli.corpus import run_parser
from attnlab.corpus import manifest as mf

from ..corpus.conftest import TEXTS, write_txt
from ..corpus.test_parts import H, L, write_fake


def one_line_error(capsys, argv) -> str:
    """Exit code 2 and one line on stderr (usage errors exit from argparse, the rest return 2)."""
    try:
        code = main(argv)
    except SystemExit as e:
        code = e.code
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("attnlab: error: ") and err.count("\n") == 1, err
    return err


def test_options_before_or_after_the_input():
    a = run_parser().parse_args(["--model", "smollm2", "in.txt", "--out", "d", "--truncate"])
    b = run_parser().parse_args(["in.txt", "--out", "d", "--model", "smollm2", "--truncate"])
    assert vars(a) == vars(b) and a.input == "in.txt" and a.model == "smollm2"


def test_usage_errors_are_one_line(capsys):
    assert "--out" in one_line_error(capsys, ["corpus", "in.txt"])
    assert "DIR" in one_line_error(capsys, ["corpus", "summarize"])
    assert "--batch-tokens" in one_line_error(capsys, ["corpus", "in.txt", "--out", "d", "--batch-tokens", "0"])
    assert "engine" in one_line_error(capsys, ["corpus", "in.txt", "--out", "d", "--engine", "spark"])


@pytest.fixture
def folder(tmp_path):
    for i in range(2):
        write_fake(tmp_path, i, [3 * i + j for j in range(3)])
    mf.write_manifest(tmp_path, {
        "format": 1, "model": {"name": "tiny", "kind": "encoder", "n_layers": L, "n_heads": H, "max_tokens": 64},
        "input": {"path": "/data/c.txt", "documents": 8, "parts": 2}, "options": {}, "versions": {}})
    return tmp_path


def test_summarize_json_is_pure_and_writes_no_figure_unless_asked(folder, capsys, tmp_path_factory, monkeypatch):
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
    assert main(["corpus", "summarize", str(folder), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["scored"] == 6 and data["complete"] is True and data["model"] == "tiny"
    assert not any(p.name == "attnlab-out" for p in folder.parent.iterdir())


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_summarize_printout_figure_and_page(folder, capsys, tmp_path_factory, lang):
    where = tmp_path_factory.mktemp("figs")
    page = where / "summary.html"
    assert main(["corpus", "summarize", str(folder), "--out", str(where), "--html", str(page), "--lang", lang]) == 0
    out = capsys.readouterr().out
    assert ("corpus head census (6 documents" in out) if lang == "en" else ("コーパスのヘッド調査（6 文書" in out)
    assert (where / "tiny-corpus-means.png").stat().st_size > 0 and (where / "tiny-corpus-means.svg").exists()
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_summarize_refuses_a_page_path_that_is_a_folder_before_reading(folder, capsys, tmp_path):
    assert "is a folder" in one_line_error(capsys, ["corpus", "summarize", str(folder), "--html", str(tmp_path)])


@pytest.mark.model
def test_run_prints_counts_and_names_bad_lines(tmp_path, capsys):
    src = write_txt(tmp_path / "c.txt", TEXTS)
    assert main(["corpus", str(src), "--out", str(tmp_path / "o"), "--part-docs", "4", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "7 documents scored" in out and "3 parts (0 written before)" in out and "skipped: 2 empty" in out
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine"}\n{"text": "broken"\n', encoding="utf-8")
    err = one_line_error(capsys, ["corpus", str(bad), "--out", str(tmp_path / "b")])
    assert "bad.jsonl, line 2: not valid JSON" in err
    err = one_line_error(capsys, ["corpus", str(src), "--out", str(tmp_path / "o"), "--max-tokens", "20"])
    assert "holds a run with other settings (options max_tokens: 512 there, 20 now)" in err
