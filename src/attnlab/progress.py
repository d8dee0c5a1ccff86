"""Saying what long work is doing: one line on stderr, only where a person is watching.

A forward pass over 8,192 tokens takes a minute on a laptop CPU, a 20-token generation half of one;
without a word it looks hung. `notice` says "attnlab: generating 20 tokens with smollm2 ... 12/20
tokens, 9 s" on stderr once the work has lasted DELAY_S (KERNEL_DELAY_S in a notebook; shorter waits
pass without a word), redraws its count and seconds in place, and ends with the seconds it took.
stdout stays clean.

Where: a terminal (stdout and stderr both: `attnlab text ... | less` must not get a line drawn over
its pager) or a Jupyter kernel; never in scripts, pipes and tests, nor inside `speaking(quiet=True)`
(a command printing JSON: its stdout may be read by a program while stderr is still a terminal).
ATTNLAB_PROGRESS=1 or 0 forces it on or off, JSON or not (a user who sets it has asked). Notices do
not nest: while one is open in a thread, inner ones are silent (the outer line covers their time).
Messages are plain strings or `i18n.Msg`s, said in the language `speaking` set (the CLI's --lang),
English by default.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import TextIO

from .i18n import Msg, t

DELAY_S = 2.0  # a wait shorter than this passes without a word
# In a notebook the cell's [*] already says it is busy, and what goes to stderr is stored in the
# .ipynb: only a wait this long gets a line there (a generation, a long text; not a model's load).
KERNEL_DELAY_S = 10.0
TICK_S = 0.5  # how often a shown line's count and seconds are redrawn on a terminal
Count = Callable[[], "str | Msg"]  # the work done so far, e.g. Msg("progress_tokens", done=12, total=20)

_quiet: ContextVar[bool] = ContextVar("attnlab_progress_quiet", default=False)  # a JSON command runs
_lang: ContextVar[str] = ContextVar("attnlab_progress_lang", default="en")  # the language of notices
_open = threading.local()  # .depth: notices open in this thread (an inner one stays silent)


def _is_tty(stream: TextIO | None) -> bool:
    return bool(stream is not None and hasattr(stream, "isatty") and stream.isatty())


def interactive() -> bool:
    """True where progress lines are wanted: ATTNLAB_PROGRESS=1 (asked for, even with JSON on stdout),
    else a terminal or a notebook outside `speaking(quiet=True)`; never with ATTNLAB_PROGRESS=0."""
    forced = os.environ.get("ATTNLAB_PROGRESS", "").strip()
    if forced in ("0", "1"):
        return forced == "1"
    if _quiet.get():
        return False
    if "ipykernel" in sys.modules:
        return True
    return _is_tty(sys.stdout) and _is_tty(sys.stderr)


@contextlib.contextmanager
def speaking(lang: str = "en", *, quiet: bool = False) -> Iterator[None]:
    """Within the block (this thread and what it starts), notices in `lang`; none when `quiet`."""
    lang_token, quiet_token = _lang.set(lang), _quiet.set(quiet)
    try:
        yield
    finally:
        _quiet.reset(quiet_token)
        _lang.reset(lang_token)


class _Line:
    """One notice's line: drawn by a daemon thread once the delay has passed, redrawn every TICK_S where
    the stream is a live display, finished by `close` in the thread that opened it."""

    def __init__(self, stream: TextIO, text: str, count: Count | None, lang: str) -> None:
        self.stream = stream  # stderr as it was when the notice opened (pytest's capture swaps it)
        self.text = f"attnlab: {text} ..."  # what the line says before its count and seconds
        self.count = count  # the work's count so far ("12/20 tokens"), or None
        self.lang = lang  # the language of the count (read in the drawing thread, outside the context)
        self.live = _is_tty(stream) or "ipykernel" in sys.modules  # \r redraws the line in place
        self.start = time.perf_counter()
        self.shown = False  # the line is on the screen, unfinished (so `close` finishes it)
        self.paused = False  # another display owns stderr (`aside`): draw nothing
        self.width = 0  # characters of the last drawing, blanked by a shorter redraw
        self.lock = threading.Lock()  # one drawing at a time: the ticker's, a pause's or the last
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, name="attnlab-progress", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        kernel = "ipykernel" in sys.modules and not _is_tty(self.stream)
        if self.done.wait(KERNEL_DELAY_S if kernel else DELAY_S):
            return  # finished before anyone would wonder
        while True:
            with self.lock:
                if not self.paused and (self.live or not self.shown):  # a log gets the start once
                    self._draw(final=None)
            if self.done.wait(TICK_S):
                return

    def _draw(self, final: str | None) -> None:
        """The line so far (final None: its count and seconds), or finished with `final` and a newline."""
        if not self.live:  # a log: the start, then the end on the same line, nothing between
            self.stream.write(self.text if final is None else f" {final}\n")
        else:
            now = f"{time.perf_counter() - self.start:.0f} s"
            said = final if final is not None else ", ".join([self._counted(), now] if self.count else [now])
            body = f"{self.text} {said}"
            pad = " " * max(0, self.width - len(body))  # blanks what a longer drawing left
            self.width = len(body)
            self.stream.write(f"\r{body}{pad}" + ("\n" if final is not None else ""))
        self.stream.flush()
        self.shown = final is None

    def _counted(self) -> str:
        try:
            said = self.count() if self.count is not None else ""
            return said if isinstance(said, str) else said.text(self.lang)
        except Exception as e:  # a count that cannot be read says so; the work goes on
            return f"({type(e).__name__})"

    def pause(self, paused: bool) -> None:
        """Stop drawing (a shown line ends here, so the other display starts on a line of its own), or
        draw again (a new line, from the next tick)."""
        with self.lock:
            if paused and self.shown:
                self.stream.write("\n")
                self.stream.flush()
                self.shown, self.width = False, 0
            self.paused = paused

    def close(self, end: str | None) -> None:
        """Stop the thread; finish a shown line with `end` (None: the seconds it took)."""
        self.done.set()
        self.thread.join()
        if self.shown:
            self._draw(final=end if end is not None else f"{time.perf_counter() - self.start:.1f} s")


@contextlib.contextmanager
def aside() -> Iterator[None]:
    """Within the block another display draws on stderr (a tqdm bar): this thread's open notice ends
    its line and draws nothing until the block ends."""
    line = getattr(_open, "line", None)
    if line is None:
        yield
        return
    line.pause(True)
    try:
        yield
    finally:
        line.pause(False)


@contextlib.contextmanager
def notice(message: str | Msg, *, when: bool = True, count: Count | None = None) -> Iterator[None]:
    """Around work that may be long: "attnlab: <message> ..." once it has lasted DELAY_S, then
    " <seconds> s" (or " stopped"); `count()` (e.g. "12/20 tokens") is shown beside the seconds on a
    terminal. Silent when `when` is false, where nobody watches, and inside another notice."""
    depth = getattr(_open, "depth", 0)
    if not (when and depth == 0 and interactive()):
        _open.depth = depth + 1
        try:
            yield
        finally:
            _open.depth = depth
        return
    lang = _lang.get()
    line = _Line(sys.stderr, message if isinstance(message, str) else message.text(lang), count, lang)
    _open.depth, _open.line = 1, line
    try:
        yield
    except BaseException:
        line.close(t("progress_stopped", lang))
        raise
    finally:
        _open.depth, _open.line = 0, None
    line.close(None)
