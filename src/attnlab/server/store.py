"""Traces the server keeps: a least-recently-used store bounded by bytes, with stable ids.

An id is derived from what made the trace (`trace_id`): the same text, model and options give the
same id on every browser, so `/t/<id>` is a link another reader on the same server can open. A model
trace holds its captured q, k, v (O(layers x N x d)) and, once asked, each head's row log-sum-exp
(O(N)); never an N x N map.

Everything a store holds counts against its `max_bytes`: each kept trace's tensors, its inputs (a
toy's x as Python numbers: 32 bytes each, more than its tensor), its maps' caches and what routes
keep with it (page data, statistics), and the inputs of evicted traces, kept as compact JSON so an
evicted id answers 410 with what to run again rather than 404. Those take at most 1/REMEMBER_SHARE
of the budget (and MAX_REMEMBERED ids); the oldest are forgotten first, and inputs too large for that
share are not kept at all (that id then answers 404). What a trace gains after it was kept (lse
caches, page data) is measured again by `settle`, which routes call after computing it.
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import torch

from ..checks import size_text
from ..trace import AttentionTrace
from .messages import ServerError, rerun_url

MAX_REMEMBERED = 10_000  # evicted ids whose inputs are kept for the 410 answer
REMEMBER_SHARE = 16  # those inputs take at most 1/16 of the store's bytes
RECORD_OVERHEAD = 100  # bytes of one remembered id's OrderedDict slot and links, beyond its key and value


class TraceGone(ServerError):
    """The id was known but its trace was evicted (410); `inputs` says what to run again."""

    status = 410

    def __init__(self, inputs: dict[str, Any], **fields: Any) -> None:
        super().__init__("srv_trace_gone", **fields)
        self.inputs = inputs

    def answer(self, lang: str) -> dict[str, Any]:
        return {"reason": "evicted", "inputs": self.inputs, "rerun": rerun_url(self.fields["tid"], self.inputs, lang)}


class TraceUnknown(ServerError):
    """No trace with this id was ever made on this server, or it was forgotten (404)."""

    status = 404

    def answer(self, lang: str) -> dict[str, Any]:
        return {"reason": "unknown", "rerun": rerun_url(self.fields["tid"], None, lang)}


class TraceTooLarge(ServerError):
    """One trace needs more memory than the whole store may hold (413)."""

    status = 413


def trace_id(kind: str, inputs: dict[str, Any]) -> str:
    """A short stable id from the inputs ("text-3f9a...", "toy-...")."""
    return f"{kind}-{hashlib.sha256(_json(inputs)).hexdigest()[:16]}"


def _json(inputs: dict[str, Any]) -> bytes:
    return json.dumps(inputs, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def object_nbytes(*objs: Any) -> int:
    """Bytes of Python objects and all they contain (dicts, lists, tuples walked; each object counted
    once; a tensor by its storage): what a trace's inputs or a route's cached answer hold."""
    seen: set[int] = set()
    stack, total = list(objs), 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, torch.Tensor):
            total += obj.untyped_storage().nbytes()
            continue
        total += sys.getsizeof(obj)
        if isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, (list, tuple, set, frozenset)):
            stack.extend(obj)
    return total


@dataclass
class Entry:
    """One kept trace."""

    id: str  # trace_id of its inputs
    kind: str  # "toy" | "text"
    inputs: dict[str, Any]  # what made it (JSON-ready): shown again in a 410 and on /t/<id>
    trace: AttentionTrace  # the trace itself
    inputs_nbytes: int  # bytes of `inputs` (measured once: they never change)
    nbytes: int = 0  # bytes it holds in all (the trace with its memo, inputs, extras), as last measured
    extras: dict[Any, Any] = field(default_factory=dict)  # kept with it by routes: page data, row statistics

    def measure(self) -> int:
        return self.trace.nbytes + self.inputs_nbytes + object_nbytes(self.extras)


class TraceStore:
    """id -> Entry, least recently used first out, everything it holds within `max_bytes` (thread-safe)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes  # the whole budget: kept traces + remembered inputs
        self.remember_bytes = max_bytes // REMEMBER_SHARE  # the remembered inputs' share
        self.trace_bytes = max_bytes - self.remember_bytes  # the kept traces' share
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._held = 0  # sum of the entries' nbytes
        self._gone: OrderedDict[str, bytes] = OrderedDict()  # evicted id -> its inputs as compact JSON
        self._gone_held = 0  # bytes of those records
        self._lock = threading.Lock()

    def put(self, kind: str, inputs: dict[str, Any], trace: AttentionTrace) -> Entry:
        entry = Entry(trace_id(kind, inputs), kind, inputs, trace, object_nbytes(inputs))
        entry.nbytes = entry.measure()
        if entry.nbytes > self.trace_bytes:
            raise TraceTooLarge("srv_trace_large", need=size_text(entry.nbytes), cap=size_text(self.trace_bytes))
        with self._lock:
            old = self._entries.pop(entry.id, None)
            self._held += entry.nbytes - (old.nbytes if old is not None else 0)
            self._entries[entry.id] = entry
            self._forget(entry.id)
            self._evict()
        return entry

    def get(self, tid: str) -> Entry:
        with self._lock:
            entry = self._entries.get(tid)
            if entry is not None:
                self._entries.move_to_end(tid)
                return entry
            if tid in self._gone:
                raise TraceGone(json.loads(self._gone[tid]), tid=tid, cap=size_text(self.max_bytes))
        raise TraceUnknown("srv_trace_unknown", tid=tid)

    def settle(self, entry: Entry) -> None:
        """Measure `entry` again (after a route computed something it keeps) and evict if over budget."""
        size = entry.measure()
        with self._lock:
            if self._entries.get(entry.id) is entry:
                self._held += size - entry.nbytes
                entry.nbytes = size
                self._evict()

    def keep(self, entry: Entry, key: Any, value: Any) -> Any:
        """Keep `value` with `entry` (extras[key]), counted in its bytes; returns value."""
        entry.extras[key] = value
        self.settle(entry)
        return value

    def inputs(self, tid: str) -> dict[str, Any] | None:
        """What made `tid`, kept or evicted (None: never seen, or forgotten)."""
        with self._lock:
            entry = self._entries.get(tid)
            if entry is not None:
                return entry.inputs
            gone = self._gone.get(tid)
        return None if gone is None else json.loads(gone)

    def has(self, tid: str) -> bool:
        with self._lock:
            return tid in self._entries

    def usage(self) -> dict[str, int]:
        with self._lock:
            return {"traces": len(self._entries), "bytes": self.used(), "max_bytes": self.max_bytes,
                    "remembered": len(self._gone)}

    def used(self) -> int:
        """Bytes held now: kept traces and remembered inputs (never more than max_bytes once a call returns)."""
        return self._held + self._gone_held

    def _evict(self) -> None:
        while self._entries and self._held > self.trace_bytes:
            tid, entry = self._entries.popitem(last=False)
            self._held -= entry.nbytes
            self._remember(tid, _json(entry.inputs))

    def _remember(self, tid: str, data: bytes) -> None:
        size = _record_nbytes(tid, data)
        if size > self.remember_bytes:
            return  # too large to remember: this id will answer 404
        self._gone[tid] = data
        self._gone_held += size
        while self._gone_held > self.remember_bytes or len(self._gone) > MAX_REMEMBERED:
            self._forget(next(iter(self._gone)))

    def _forget(self, tid: str) -> None:
        data = self._gone.pop(tid, None)
        if data is not None:
            self._gone_held -= _record_nbytes(tid, data)


def _record_nbytes(tid: str, data: bytes) -> int:
    return sys.getsizeof(tid) + sys.getsizeof(data) + RECORD_OVERHEAD
