"""Saying what long work is doing: one line on stderr, only where a person is watching.

A forward pass over 8,192 tokens takes a minute on a laptop CPU; without a word it looks hung.
`notice` prints "attnlab: running smollm2 on 8192 tokens ..." before the work and the seconds it took
after, on stderr (stdout stays clean for --format json). It speaks when stderr is a terminal or the
code runs in a Jupyter kernel, and stays quiet in scripts, pipes and tests;
ATTNLAB_PROGRESS=1 or 0 forces it on or off.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator


def interactive() -> bool:
    """True where progress lines are wanted (a terminal, a notebook, or ATTNLAB_PROGRESS=1)."""
    forced = os.environ.get("ATTNLAB_PROGRESS", "").strip()
    if forced in ("0", "1"):
        return forced == "1"
    if "ipykernel" in sys.modules:
        return True
    stream = sys.stderr
    return bool(stream is not None and hasattr(stream, "isatty") and stream.isatty())


@contextlib.contextmanager
def notice(message: str, *, when: bool = True) -> Iterator[None]:
    """Around long work: "attnlab: <message> ..." then " <seconds> s" (or " stopped") on one line."""
    if not (when and interactive()):
        yield
        return
    print(f"attnlab: {message} ...", end="", file=sys.stderr, flush=True)
    start = time.perf_counter()
    try:
        yield
    except BaseException:
        print(" stopped", file=sys.stderr, flush=True)
        raise
    print(f" {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
