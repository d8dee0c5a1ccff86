"""Progress lines: on stderr where someone watches, silent in scripts and tests."""

from __future__ import annotations

import re
import sys

import pytest

from attnlab.progress import notice


def test_quiet_when_stderr_is_not_a_terminal(capsys, monkeypatch):
    monkeypatch.delenv("ATTNLAB_PROGRESS", raising=False)
    # not in a notebook either: the notebook tests' nbclient imports ipykernel into this process
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    with notice("running something long"):
        pass
    assert capsys.readouterr().err == ""


def test_one_line_with_the_seconds_when_asked(capsys, monkeypatch):
    monkeypatch.setenv("ATTNLAB_PROGRESS", "1")
    with notice("running smollm2 on 8192 tokens"):
        pass
    with notice("not long", when=False):
        pass
    captured = capsys.readouterr()
    assert captured.out == ""  # stdout stays clean for --format json
    assert re.fullmatch(r"attnlab: running smollm2 on 8192 tokens \.\.\. \d+\.\d s\n", captured.err)


def test_an_interrupted_step_says_stopped(capsys, monkeypatch):
    monkeypatch.setenv("ATTNLAB_PROGRESS", "1")
    with pytest.raises(KeyboardInterrupt), notice("converting"):
        raise KeyboardInterrupt
    assert capsys.readouterr().err == "attnlab: converting ... stopped\n"
