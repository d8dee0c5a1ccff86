"""Nothing half-written: a refusal that comes after the work (a page too large) leaves no figure behind,
and SIGTERM or SIGHUP stops a command through its cleanup (no hidden staging folder, exit 128 + signal)."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest

from attnlab.cli import main
from attnlab.html import layers as page_layers


def files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.parametrize("argv", [
    ["toy", "--html", "p.html"],
    ["toy", "--html", "p.html", "--out", "figs"],
    ["toy", "--html", "p.html", "--format", "json"],
    ["toy", "--html", "p.html", "--seeds", "1,2"],
    ["demo", "--no-model", "--html", "p.html"],
])
def test_a_page_too_large_is_refused_before_any_figure_or_printout(argv, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(page_layers, "MAX_CELLS", 1)  # every trace is "too large" now
    assert main([*argv, "--lang", "en"]) == 2
    out, err = capsys.readouterr()
    assert "more than one page holds" in err and err.count("\n") == 1 and out == ""
    assert files(tmp_path) == []


@pytest.mark.model
def test_text_over_the_page_limit_writes_no_figure(tmp_path, monkeypatch, capsys):
    """The reviewed case: `text` with --html over the limit wrote its figures first."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(page_layers, "MAX_CELLS", 100)
    assert main(["text", "a sentence of a few words", "--html", "p.html", "--out", "o", "--lang", "en"]) == 2
    out, err = capsys.readouterr()
    assert "more than one page holds" in err and out == "" and files(tmp_path) == []


KILL_WHILE_WRITING = textwrap.dedent("""
    import os, signal, sys
    from attnlab.cli import main, output

    made = output.figure_writers

    def writers(jobs):  # the second figure's writer sends the signal: the first is staged by then
        found = made(jobs)
        name = list(found)[1]
        first = found[name]

        def kill(path):
            first(path)
            os.kill(os.getpid(), getattr(signal, sys.argv[1]))
        found[name] = kill
        return found

    output.figure_writers = writers
    sys.exit(main(["toy", "--out", "figs", "--lang", "en"]))
""")


@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP"])
def test_a_signal_while_writing_removes_the_staging_folder(name, tmp_path):
    (tmp_path / "figs").mkdir()
    p = subprocess.run([sys.executable, "-c", KILL_WHILE_WRITING, name], cwd=tmp_path, capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 128 + getattr(signal, name), p.stderr
    assert p.stderr == f"attnlab: stopped by {name} (nothing half-written was left)\n"
    assert list((tmp_path / "figs").iterdir()) == []  # no .attnlab-* staging folder, no figure


def test_the_handlers_are_put_back_after_a_command(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    before = signal.getsignal(signal.SIGTERM)
    assert main(["toy", "--format", "json"]) == 0
    assert signal.getsignal(signal.SIGTERM) is before
