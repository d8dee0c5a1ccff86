"""Links that last: on disk, what each kept trace needs to be rebuilt, so `/t/<id>` opens after a restart.

A record is the inputs a trace id is the hash of (`store.trace_id`): one small file per id,
`<id>.json` = {"attnlab_link": FORMAT, "kind": "toy" | "text", "inputs": {...}}, in the server's
link folder (`attnlab serve` uses `models.cache.cache_root()/links`, so ATTNLAB_CACHE moves it).
Content-addressed: a record is read back only when its inputs hash to its name, so a damaged or
edited file is never rebuilt into another trace. The traces themselves are not stored: a model's
q, k, v are megabytes, its inputs a few hundred bytes, and the rebuild is what made them at first.

Bounded (--link-store): the records' disk usage, each file rounded up to whole BLOCK bytes (what a
file system gives a small file), stays within `max_bytes`; the least recently saved or opened go
first. One record may take at most max_bytes // RECORD_SHARE (and MAX_RECORD): larger inputs (a toy's
x of thousands of numbers) are not kept, and a larger file found there is not read.

What it writes and removes: only regular files named like a record (or like fileio's temporaries of
one, once stale) in its own folder. Anything else there, and anything at a record's name that is not a
regular file (a symbolic link, a FIFO, a folder), is never read, written into, replaced or removed:
that id is simply not kept. Records are written by `fileio.write_bytes` (a temporary file, then a
rename): a reader sees a whole record or none. A record found damaged when opened is replaced by the
next save of its id. Several servers may share the folder; each indexes it when it starts, so the
bound holds per server process (and a record another process removed is just not there). The index
in memory holds one id per record, at most max_bytes / BLOCK of them: 16,384 at the default 64 MiB,
2.2 MiB (tracemalloc), besides --max-cache, which bounds the traces.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import stat
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

from ..checks import size_text
from ..errors import AttnlabError
from ..fileio import write_bytes
from ..i18n import t
from .messages import ServerError, brief, error_text, rerun_url
from .store import trace_id

log = logging.getLogger("attnlab.server")

FORMAT = 1  # the record's layout; a record of another format is not read
BLOCK = 4096  # bytes a file system gives a small file, at least: what a record costs
RECORD_SHARE = 8  # one record takes at most 1/8 of the store
MAX_RECORD = 8 * 2**20  # and at most 8 MiB (a toy's x of 256 x 512 numbers is ~3 MB of JSON)
STALE_TMP_S = 3600  # a temporary left by a killed write is removed after an hour
RECORD = re.compile(r"(?:toy|text)-[0-9a-f]{16}\.json")
TEMPORARY = re.compile(r"\.(?:toy|text)-[0-9a-f]{16}\.json\.[0-9a-f]{8}\.tmp")  # fileio's temporary names
_OPEN = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


class LinkProblem(ServerError):
    """A link whose record is there but cannot make its trace again (410): `reason` says why, `inputs`
    what made it (when they could be read), so the app can offer to run it again."""

    status = 410

    def __init__(self, key: str, reason: str, inputs: dict[str, Any] | None = None,
                 cause: BaseException | None = None, **fields: Any) -> None:
        self.reason = reason  # "damaged" | "too_large" | "model_gone" | "refused"
        self.inputs = inputs  # what made the trace, when readable (None: damaged or too large)
        self.cause = cause  # the refusal a rebuild met (its message is part of this one's)
        super().__init__(key, **fields, **({"why": error_text(cause, "en")} if cause is not None else {}))

    def text(self, lang: str) -> str:
        why = {"why": error_text(self.cause, lang)} if self.cause is not None else {}
        return t(self.key, lang, **{**self.fields, **why})

    def answer(self, lang: str) -> dict[str, Any]:
        inputs = self.inputs
        if inputs is not None and self.reason == "model_gone":  # the form then offers the models served now
            inputs = {k: v for k, v in inputs.items() if k != "model"}
        shown = {"inputs": self.inputs} if self.inputs is not None else {}
        return {"reason": self.reason, **shown, "rerun": rerun_url(self.fields["tid"], inputs, lang)}


def disk_bytes(size: int) -> int:
    """What a file of `size` bytes takes on disk, as counted here (whole blocks, at least one)."""
    return max(1, -(-size // BLOCK)) * BLOCK


class LinkStore:
    """id -> the inputs that made it, as files in `folder`, within `max_bytes` of disk (thread-safe)."""

    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder = folder  # where the records are (made here when missing)
        self.max_bytes = max_bytes  # disk the records may take in all
        self.max_record = min(MAX_RECORD, max_bytes // RECORD_SHARE)  # bytes one record may take
        self._index: OrderedDict[str, int] = OrderedDict()  # id -> disk bytes, least recently used first
        self._held = 0  # sum of the index's bytes
        self._damaged: set[str] = set()  # ids found damaged: the next save replaces their file
        self._lock = threading.Lock()
        self._open_folder()
        self._scan()

    def _open_folder(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise AttnlabError(f"cannot keep links in {str(self.folder)!r}: {e.strerror or e}") from None
        if not self.folder.is_dir() or not os.access(self.folder, os.W_OK | os.X_OK):
            raise AttnlabError(f"cannot keep links in {str(self.folder)!r}: not a writable folder")

    def _scan(self) -> None:
        """Index the records already there, oldest first; remove stale temporaries; prune to the bound."""
        found = []
        now = time.time()
        try:
            entries = list(os.scandir(self.folder))
        except OSError as e:
            raise AttnlabError(f"cannot keep links in {str(self.folder)!r}: {e.strerror or e}") from None
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            if RECORD.fullmatch(entry.name):
                found.append((st.st_mtime, entry.name[: -len(".json")], disk_bytes(st.st_size)))
            elif TEMPORARY.fullmatch(entry.name) and now - st.st_mtime > STALE_TMP_S:
                _unlink(Path(entry.path))
        with self._lock:
            for _, tid, size in sorted(found):
                self._index[tid] = size
                self._held += size
            self._prune()

    def path(self, tid: str) -> Path:
        return self.folder / f"{tid}.json"

    def has(self, tid: str) -> bool:
        with self._lock:
            return tid in self._index

    def usage(self) -> dict[str, int]:
        with self._lock:
            return {"records": len(self._index), "bytes": self._held, "max_bytes": self.max_bytes}

    def save(self, kind: str, inputs: dict[str, Any]) -> bool:
        """Keep what made a trace (True), or say why not in the log (False: that link lasts in memory only)."""
        tid = trace_id(kind, inputs)
        with self._lock:
            if tid in self._index and tid not in self._damaged:
                if _touch(self.path(tid)):
                    self._index.move_to_end(tid)
                    return True
                self._held -= self._index.pop(tid)  # removed by another server process: write it again
        data = _record(kind, inputs)
        if len(data) > self.max_record:
            return False  # too large to keep: the link lasts while the server keeps the trace
        path = self.path(tid)
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            st = None
        except OSError as e:
            log.warning("attnlab serve: link %s not kept: %s", tid, e.strerror or e)
            return False
        if st is not None and not stat.S_ISREG(st.st_mode):
            return False  # not ours: never written into or replaced
        try:
            write_bytes(path, data, what="the link record")
        except AttnlabError as e:
            log.warning("attnlab serve: link %s not kept: %s", tid, e)
            return False
        with self._lock:
            self._held += disk_bytes(len(data)) - self._index.pop(tid, 0)
            self._index[tid] = disk_bytes(len(data))
            self._damaged.discard(tid)
            self._prune()
        return True

    def load(self, tid: str) -> tuple[str, dict[str, Any]] | None:
        """(kind, inputs) of `tid`'s record; None when there is none; LinkProblem when it cannot be used."""
        try:
            data = self._read(tid)
        except FileNotFoundError:
            with self._lock:
                self._held -= self._index.pop(tid, 0)  # removed by another process, or never here
            return None
        record = _parse(data, tid)
        if record is None:
            with self._lock:
                self._damaged.add(tid)
            raise LinkProblem("srv_link_damaged", "damaged", tid=tid)
        with self._lock:
            if tid not in self._index:  # written by another server process since this one started
                self._index[tid] = disk_bytes(len(data))
                self._held += self._index[tid]
            self._index.move_to_end(tid)
            self._prune()
        _touch(self.path(tid))
        return record

    def _read(self, tid: str) -> bytes:
        """The record's bytes: a regular file only (never a link, FIFO or device), at most max_record."""
        try:
            fd = os.open(self.path(tid), _OPEN)
        except OSError as e:
            if e.errno in (errno.ENOENT, errno.ENOTDIR):
                raise FileNotFoundError(tid) from None
            raise LinkProblem("srv_link_damaged", "damaged", tid=tid) from None  # a symbolic link (ELOOP), ...
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise LinkProblem("srv_link_damaged", "damaged", tid=tid)
            if st.st_size > self.max_record:
                raise LinkProblem("srv_link_large", "too_large", tid=tid, size=size_text(st.st_size),
                                  cap=size_text(self.max_record))
            return f.read(self.max_record + 1)

    def _prune(self) -> None:
        """Remove the least recently used records until the rest fit (the lock is held)."""
        while self._index and self._held > self.max_bytes:
            tid, size = self._index.popitem(last=False)
            self._held -= size
            self._damaged.discard(tid)
            _unlink(self.path(tid))


def _record(kind: str, inputs: dict[str, Any]) -> bytes:
    return json.dumps({"attnlab_link": FORMAT, "kind": kind, "inputs": inputs}, ensure_ascii=False,
                      sort_keys=True, separators=(",", ":")).encode()


def _parse(data: bytes, tid: str) -> tuple[str, dict[str, Any]] | None:
    """(kind, inputs) when `data` is a record of this format whose inputs hash to `tid`; else None."""
    try:
        record = json.loads(data)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(record, dict) or record.get("attnlab_link") != FORMAT:
        return None
    kind, inputs = record.get("kind"), record.get("inputs")
    if kind not in ("toy", "text") or not isinstance(inputs, dict) or not tid.startswith(f"{kind}-"):
        return None
    try:
        same = trace_id(kind, inputs) == tid
    except (TypeError, ValueError):
        return None
    return (kind, inputs) if same else None


def _touch(path: Path) -> bool:
    """Mark a record used now (its mtime orders the records when a server starts); False: it is gone."""
    try:
        os.utime(path, follow_symlinks=False)
    except FileNotFoundError:
        return False
    except OSError:
        pass
    return True


def _unlink(path: Path) -> None:
    """Remove a regular file of ours; anything else at that name stays."""
    try:
        if stat.S_ISREG(os.lstat(path).st_mode):
            path.unlink()
    except OSError:
        pass


def model_gone(tid: str, inputs: dict[str, Any], models: list[str]) -> LinkProblem:
    return LinkProblem("srv_link_model", "model_gone", inputs, tid=tid, model=brief(inputs.get("model")),
                       models=", ".join(models))


def refused(tid: str, inputs: dict[str, Any], cause: BaseException) -> LinkProblem:
    return LinkProblem("srv_link_refused", "refused", inputs, cause, tid=tid)
