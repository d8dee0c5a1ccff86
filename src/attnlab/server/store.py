"""Traces the server keeps: a least-recently-used store bounded by bytes, with stable ids.

An id is derived from what made the trace (`trace_id`): the same text, model and options give the
same id on every browser, so `/t/<id>` is a link another reader on the same server can open. A model
trace holds its captured q, k, v (O(layers x N x d)) and, once asked, each head's row log-sum-exp
(O(N)); never an N x N map. When the store is over `max_bytes` the least recently used traces go;
their inputs stay (small, bounded in count) so an evicted id answers 410 with what to rerun, not 404.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from ..checks import size_text
from ..errors import AttnlabError
from ..trace import AttentionTrace

MAX_REMEMBERED = 10_000  # evicted ids whose inputs are kept for the 410 answer


class TraceGone(AttnlabError):
    """The id was known but its trace was evicted (410); `inputs` says what to run again."""

    def __init__(self, message: str, inputs: dict[str, Any]) -> None:
        super().__init__(message)
        self.inputs = inputs


class TraceUnknown(AttnlabError):
    """No trace with this id was ever made on this server (404)."""


class TraceTooLarge(AttnlabError):
    """One trace needs more memory than the whole store may hold (413)."""


def trace_id(kind: str, inputs: dict[str, Any]) -> str:
    """A short stable id from the inputs ("text-3f9a...", "toy-...")."""
    text = json.dumps(inputs, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return f"{kind}-{hashlib.sha256(text.encode()).hexdigest()[:16]}"


@dataclass
class Entry:
    """One kept trace."""

    id: str  # trace_id of its inputs
    kind: str  # "toy" | "text"
    inputs: dict[str, Any]  # what made it (JSON-ready): shown again in a 410 and on /t/<id>
    trace: AttentionTrace  # the trace itself
    extras: dict[str, Any] = field(default_factory=dict)  # computed once per trace: row statistics, ...


class TraceStore:
    """id -> Entry, least recently used first out, bounded by bytes (thread-safe)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes  # the byte budget (--max-cache)
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._gone: OrderedDict[str, dict[str, Any]] = OrderedDict()  # evicted id -> inputs
        self._lock = threading.Lock()

    def put(self, kind: str, inputs: dict[str, Any], trace: AttentionTrace) -> Entry:
        size = trace.nbytes
        if size > self.max_bytes:
            raise TraceTooLarge(f"this trace needs {size_text(size)} of memory, more than the server's --max-cache "
                                f"{size_text(self.max_bytes)}: use a shorter text or restart with a larger --max-cache")
        entry = Entry(trace_id(kind, inputs), kind, inputs, trace)
        with self._lock:
            self._entries.pop(entry.id, None)
            self._entries[entry.id] = entry
            self._gone.pop(entry.id, None)
            self._evict()
        return entry

    def get(self, tid: str) -> Entry:
        with self._lock:
            entry = self._entries.get(tid)
            if entry is not None:
                self._entries.move_to_end(tid)
                return entry
            if tid in self._gone:
                raise TraceGone(f"trace {tid} was evicted from the server's memory (--max-cache "
                                f"{size_text(self.max_bytes)}) to make room for newer ones: run it again",
                                self._gone[tid])
        raise TraceUnknown(f"no trace {tid!r} on this server: it may have been made before the server restarted; "
                           "run it again")

    def inputs(self, tid: str) -> dict[str, Any] | None:
        """What made `tid`, kept or evicted (None: never seen)."""
        with self._lock:
            entry = self._entries.get(tid)
            return entry.inputs if entry is not None else self._gone.get(tid)

    def has(self, tid: str) -> bool:
        with self._lock:
            return tid in self._entries

    def usage(self) -> dict[str, int]:
        with self._lock:
            return {"traces": len(self._entries), "bytes": self.used(), "max_bytes": self.max_bytes}

    def used(self) -> int:
        return sum(e.trace.nbytes for e in self._entries.values())  # what each keeps now, derived values too

    def _evict(self) -> None:
        while self._entries and self.used() > self.max_bytes:
            tid, entry = self._entries.popitem(last=False)
            self._gone[tid] = entry.inputs
            while len(self._gone) > MAX_REMEMBERED:
                self._gone.popitem(last=False)

