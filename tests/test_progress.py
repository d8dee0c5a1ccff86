"""Progress lines: on stderr once a wait passes DELAY_S where someone watches, silent in scripts, pipes,
tests and JSON commands; redrawn with a count on a terminal; in the language `speaking` sets."""

from __future__ import annotations

import io
import re
import sys
import threading
import time

import pytest

from attnlab import progress
from attnlab.i18n import Msg
from attnlab.progress import interactive, notice, speaking


class Tty(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def no_kernel(monkeypatch):
    """Not in a notebook: the notebook tests' nbclient imports ipykernel into this process."""
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)


@pytest.fixture
def unforced(monkeypatch):
    monkeypatch.delenv("ATTNLAB_PROGRESS", raising=False)


@pytest.fixture
def at_once(monkeypatch):
    """No delay: every notice is shown (the tests' work is instant)."""
    monkeypatch.setattr(progress, "DELAY_S", 0.0)
    monkeypatch.setattr(progress, "TICK_S", 0.01)


def test_quiet_when_stderr_is_not_a_terminal(capsys, unforced, at_once):
    with notice("running something long"):
        time.sleep(0.05)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(("stdout_tty", "stderr_tty", "shown"),
                         [(True, True, True), (False, True, False), (True, False, False), (False, False, False)])
def test_only_where_stdout_and_stderr_are_both_terminals(monkeypatch, unforced, stdout_tty, stderr_tty, shown):
    """`attnlab text ... | less` (stdout a pipe) gets no line drawn over the pager; a log file neither."""
    monkeypatch.setattr(sys, "stdout", Tty() if stdout_tty else io.StringIO())
    monkeypatch.setattr(sys, "stderr", Tty() if stderr_tty else io.StringIO())
    assert interactive() is shown
    with speaking("en", quiet=True):  # a JSON command: never, terminal or not
        assert interactive() is False
    monkeypatch.setenv("ATTNLAB_PROGRESS", "1")
    with speaking("en", quiet=True):  # ... unless asked for by name
        assert interactive() is True
    monkeypatch.setenv("ATTNLAB_PROGRESS", "0")
    assert interactive() is False


def test_a_short_wait_passes_without_a_word(capsys, monkeypatch):
    monkeypatch.setenv("ATTNLAB_PROGRESS", "1")
    with notice("instant"):
        pass
    assert capsys.readouterr().err == ""


def test_one_line_with_the_seconds_in_a_log(capsys, monkeypatch, at_once):
    """A stream that is not a terminal (forced on): the start, then the seconds, no redraws."""
    monkeypatch.setenv("ATTNLAB_PROGRESS", "1")
    with notice("running smollm2 on 8192 tokens", count=lambda: "3/30 layers"):
        time.sleep(0.05)
    with notice("not long", when=False):
        time.sleep(0.05)
    captured = capsys.readouterr()
    assert captured.out == ""  # stdout stays clean
    assert re.fullmatch(r"attnlab: running smollm2 on 8192 tokens \.\.\. \d+\.\d s\n", captured.err)


def test_on_a_terminal_the_count_is_redrawn_then_the_seconds(monkeypatch, at_once):
    monkeypatch.setenv("ATTNLAB_PROGRESS", "1")
    err = Tty()
    monkeypatch.setattr(sys, "stderr", err)
    done = [0]
    with speaking("ja"), notice(Msg("progress_generating", {"model": "smollm2", "n": 5}),
                                count=lambda: Msg("progress_tokens", {"done": done[0], "total": 5})):
        for _ in range(5):
            time.sleep(0.03)
            done[0] += 1
    drawn = err.getvalue().split("\r")[1:]
    assert len(drawn) >= 2 and all(d.startswith("attnlab: smollm2 で 5 トークンを生成中 ... ") for d in drawn)
    counts = [int(m.group(1)) for d in drawn[:-1] if (m := re.search(r"(\d)/5 トークン, \d+ s", d))]
    assert counts and counts == sorted(counts)  # the count only grows
    assert re.fullmatch(r"attnlab: smollm2 で 5 トークンを生成中 \.\.\. \d+\.\d s *\n", drawn[-1])


def test_an_interrupted_step_says_stopped_in_its_language(capsys, monkeypatch, at_once):
    monkeypatch.setenv("ATTNLAB_PROGRESS", "1")
    for lang, said in [("en", "stopped"), ("ja", "中断")]:
        with pytest.raises(KeyboardInterrupt), speaking(lang), notice(Msg("progress_page", {})):
            time.sleep(0.05)
            raise KeyboardInterrupt
        expected = Msg("progress_page", {}).text(lang)
        assert capsys.readouterr().err == f"attnlab: {expected} ... {said}\n"


def test_an_inner_notice_is_silent(capsys, monkeypatch, at_once):
    """The outer line covers the inner work (a CLI's "loading" around the library's own)."""
    monkeypatch.setenv("ATTNLAB_PROGRESS", "1")
    with notice("outer"):
        with notice("inner"):
            time.sleep(0.05)
        time.sleep(0.05)
    err = capsys.readouterr().err
    assert "outer" in err and "inner" not in err and err.count("\n") == 1


def test_notices_in_other_threads_are_their_own(capsys, monkeypatch, at_once):
    """Only the thread's own open notice silences it (a server's worker and its main thread)."""
    monkeypatch.setenv("ATTNLAB_PROGRESS", "1")

    def work() -> None:
        with notice("in a thread"):
            time.sleep(0.05)

    with notice("in the main thread"):
        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
    err = capsys.readouterr().err
    assert "in a thread" in err and "in the main thread" in err


def test_another_display_gets_its_own_line_and_the_notice_comes_back(monkeypatch, at_once):
    """A tqdm bar inside a notice (the first conversion of a GGUF inside "loading smollm2")."""
    monkeypatch.setenv("ATTNLAB_PROGRESS", "1")
    err = Tty()
    monkeypatch.setattr(sys, "stderr", err)
    with notice("loading smollm2"):
        time.sleep(0.05)  # shown by now
        with progress.aside():
            drawn = len(err.getvalue())
            assert err.getvalue().endswith("\n")  # the bar starts on a line of its own
            time.sleep(0.05)
            assert len(err.getvalue()) == drawn  # nothing drawn over the bar
            err.write("converting [bar]\n")
        time.sleep(0.05)
    after = err.getvalue().split("converting [bar]\n")[1]
    assert after.startswith("\rattnlab: loading smollm2 ... ") and after.endswith(" s\n")
