"""The CLI's progress lines: shown on a terminal (a real pty), never in a pipe, never with --format json;
and their counts are true (the generation's streamer counts the tokens it made)."""

from __future__ import annotations

import io
import os
import pty
import re
import select
import subprocess
import sys
import textwrap

import pytest

from attnlab import progress
from attnlab.cli import main


@pytest.fixture
def shown(monkeypatch):
    """Progress forced on (capsys is no terminal) and shown at once (the toy's work is short)."""
    monkeypatch.setenv("ATTNLAB_PROGRESS", "1")
    monkeypatch.setattr(progress, "DELAY_S", 0.0)
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)


def test_writing_figures_and_the_page_say_so_in_the_language(shown, capsys, tmp_path):
    out = tmp_path / "figs"
    assert main(["toy", "--out", str(out), "--html", str(tmp_path / "p.html")]) == 0
    err = capsys.readouterr().err
    assert re.search(rf"attnlab: 図を {re.escape(str(out))}/ に書き込み中 \.\.\. \d+\.\d s\n", err), err
    assert "attnlab: ページを作成中 ... " in err
    assert main(["toy", "--out", str(out), "--lang", "en"]) == 0
    assert f"attnlab: writing figures into {out}/ ... " in capsys.readouterr().err


def test_json_mode_prints_no_progress_on_a_terminal(monkeypatch, tmp_path):
    """stdout and stderr terminals, nothing forced: the text printout speaks, the JSON one does not."""
    monkeypatch.delenv("ATTNLAB_PROGRESS", raising=False)
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    monkeypatch.setattr(progress, "DELAY_S", 0.0)
    said = {}
    for fmt in ("json", "text"):
        out, err = Tty(), Tty()
        monkeypatch.setattr(sys, "stdout", out)
        monkeypatch.setattr(sys, "stderr", err)
        assert main(["toy", "--format", fmt, "--html", str(tmp_path / f"{fmt}.html"), "--lang", "en"]) == 0
        said[fmt] = err.getvalue()
        assert (tmp_path / f"{fmt}.html").exists()  # the page was rendered: the wait was there
    assert said["json"] == "" and "attnlab: rendering the page ... " in said["text"]


class Tty(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


RUN = textwrap.dedent("""
    import sys
    from attnlab import progress
    from attnlab.cli import main
    progress.DELAY_S = 0.0  # the toy's figures take about a second here: show the line at once
    sys.exit(main(sys.argv[1:]))
""")


def run_in(argv: list[str], tmp_path, *, stdout_tty: bool, stderr_tty: bool) -> str:
    """Run the CLI in a fresh process with stdout / stderr on a pseudo-terminal or a pipe (no
    ATTNLAB_PROGRESS: the streams decide); returns stderr."""
    env = {k: v for k, v in os.environ.items() if k != "ATTNLAB_PROGRESS"}
    master, slave = pty.openpty()
    streams = {"stdout": slave if stdout_tty else subprocess.PIPE, "stderr": slave if stderr_tty else subprocess.PIPE}
    proc = subprocess.Popen([sys.executable, "-c", RUN, *argv], cwd=tmp_path, env=env, **streams)
    os.close(slave)
    seen = b""
    while True:  # read the terminal until the process has closed it (EIO on Linux)
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, (seen, err)
    return (seen.decode() if stderr_tty else err.decode()).replace("\r\n", "\n")


def test_a_terminal_sees_the_line_a_pipe_does_not(tmp_path):
    argv = ["toy", "--out", "figs", "--lang", "en"]
    on_terminal = run_in(argv, tmp_path, stdout_tty=True, stderr_tty=True)
    assert "\rattnlab: writing figures into figs/ ... " in on_terminal
    assert re.search(r"\rattnlab: writing figures into figs/ \.\.\. \d+\.\d s *\n", on_terminal)
    assert "attnlab:" not in run_in(argv, tmp_path, stdout_tty=False, stderr_tty=False)
    assert "attnlab:" not in run_in(argv, tmp_path, stdout_tty=False, stderr_tty=True)  # `| less`
    json_argv = ["toy", "--format", "json", "--html", "p.html", "--lang", "en"]
    assert "attnlab:" not in run_in(json_argv, tmp_path, stdout_tty=True, stderr_tty=True)


@pytest.mark.model
def test_generation_counts_the_tokens_it_made():
    from attnlab.models import api
    from attnlab.models.generate import greedy_continue

    lm = api.load("smollm2")
    for prompt, n in [("The capital of Japan is", 4), ("東京は", 3)]:
        ids = lm.tokenizer(prompt)["input_ids"]
        steps: list[int] = []
        out = greedy_continue(lm, ids, n, on_tokens=steps.append)
        assert sum(steps) == len(out) - len(ids) and all(s == 1 for s in steps)
        assert out == greedy_continue(lm, ids, n)  # counting changes nothing


@pytest.mark.model
def test_text_says_what_it_waits_for(shown, capsys):
    assert main(["text", "The capital of Japan is", "--model", "smollm2", "--generate", "2", "--lang", "en"]) == 0
    err = capsys.readouterr().err
    for said in ("loading smollm2", "generating 2 tokens with smollm2", "reading every head"):
        assert f"attnlab: {said}" in err, err
    assert "running smollm2 on" not in err, err  # the generated trace comes from the decoding steps: no second pass
    assert main(["text", "The capital of Japan is", "--model", "smollm2", "--lang", "en"]) == 0
    assert "attnlab: running smollm2 on 5 tokens" in capsys.readouterr().err
