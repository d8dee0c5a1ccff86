"""The README, true line by line: its Python snippets run in order, and its printouts are what the
commands print (the README cannot drift from the code again).

Blocks are read from README.md: every ```python block, and the ``` blocks that show a command's
output. In an output block, "..." stands for lines left out; every other line must appear in the
command's output, in the same order.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from attnlab.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"


def blocks(kind: str) -> list[str]:
    """The README's fenced blocks of one kind ("python", or "" for plain output blocks), in order."""
    found, info, lines = [], None, []
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            if info is None:  # an opening fence and its info string
                info, lines = line[3:].strip(), []
            else:
                if info == kind:
                    found.append("\n".join(lines) + "\n")
                info = None
        elif info is not None:
            lines.append(line)
    return found


def run_snippets(snippets: list[str], tmp_path, monkeypatch) -> dict:
    monkeypatch.chdir(tmp_path)  # snippets may write files (the page)
    namespace: dict = {}
    for code in snippets:
        exec(compile(code, str(README), "exec"), namespace)
    return namespace


def test_the_toy_snippets_run_in_order(tmp_path, monkeypatch):
    snippets = [b for b in blocks("python") if "run_text" not in b]
    assert snippets, "the README has toy snippets"
    ns = run_snippets(snippets, tmp_path, monkeypatch)
    assert (tmp_path / "toy.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert ns["t2"].n_heads == 2


@pytest.mark.model
def test_every_python_snippet_runs_in_order(tmp_path, monkeypatch):
    ns = run_snippets(blocks("python"), tmp_path, monkeypatch)
    assert ns["trace"].model == "smollm2"  # the README's Japanese sentence, no model named: smollm2


def shown_lines(block: str) -> list[str]:
    return [line for line in block.splitlines() if line.strip() and line.strip() != "..."]


def assert_in_order(lines: list[str], out: str) -> None:
    """Each line appears in `out`, after the previous one."""
    at = 0
    for line in lines:
        found = out.find(line, at)
        assert found >= 0, f"README line not in the output (in order): {line!r}"
        at = found + len(line)


def output_block(first_line: str) -> str:
    (block,) = [b for b in blocks("") if b.startswith(first_line)]
    return block


def test_the_demo_printout_is_what_the_demo_prints(capsys, tmp_path):
    assert main(["demo", "--no-model", "--out", str(tmp_path)]) == 0
    assert_in_order(shown_lines(output_block("入力ベクトル形状")), capsys.readouterr().out)


@pytest.mark.model
def test_the_step_4_reading_is_what_the_demo_prints(capsys, tmp_path):
    assert main(["demo", "--out", str(tmp_path)]) == 0
    assert_in_order(shown_lines(output_block("$ attnlab demo"))[1:], capsys.readouterr().out)


@pytest.mark.model
def test_the_models_table_is_what_attnlab_models_prints(capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out.splitlines()
    for line in shown_lines(output_block("$ attnlab models"))[1:]:
        columns = line.split()[:7]  # the location differs per machine
        assert any(row.split()[:7] == columns for row in out), line
