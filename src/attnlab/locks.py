"""One advisory file lock for every "one process at a time": a model's conversion into the cache, a
corpus run into its folder.

`held(path)` takes an exclusive lock on the file `path` (made when missing): `flock` where the OS has
it, `msvcrt.locking` on Windows. The OS releases it when the process dies, so a killed process leaves
no stale lock. The lock file itself is never removed: a process waiting on it would then hold a lock
on a file nobody else sees.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: msvcrt's byte-range lock instead of flock
    fcntl = None  # type: ignore[assignment]
    import msvcrt

_OPEN = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)


def _try(fd: int) -> bool:
    """Take the exclusive lock on `fd` if it is free; False when another process holds it."""
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:  # BlockingIOError (flock), PermissionError (msvcrt)
        return False
    return True


def _wait(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX)
        return
    while not _try(fd):
        time.sleep(0.5)


@contextlib.contextmanager
def held(path: Path, *, wait: bool = False,
         waiting: Callable[[], AbstractContextManager[object]] | None = None) -> Iterator[bool]:
    """Hold the lock on `path` for the block; yields True when held. wait=False: yields False at once
    when another process holds it (nothing is held then). wait=True: blocks until it is free, inside
    `waiting()` (e.g. a notice saying what it waits for). OSError when the lock file cannot be opened."""
    fd = os.open(path, _OPEN, 0o666)
    try:
        got = _try(fd)
        if not got and wait:
            with waiting() if waiting is not None else contextlib.nullcontext():
                _wait(fd)
            got = True
        yield got
    finally:
        os.close(fd)  # releases the lock
