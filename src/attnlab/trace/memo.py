"""One cache per trace for what is derived from it: row log-sum-exps, row sums, value norms.

Why one: the deep zoom, the census, the rollout and the web app's store each kept their own cache
of the same trace (four dicts, one written into the trace's `__dict__` from another module). A
derived tensor now lives in the trace's `Memo`, keyed by what it is and its arguments, so every
reader shares one copy, the server counts it in the trace's size (`AttentionTrace.nbytes`), and
dropping the trace drops it.

Thread-safe: the web app reads one trace from several threads. A computation holds the memo's
(re-entrant) lock, so a value is computed once even when two threads ask at the same moment, and
a computation may ask the memo for another value (the row sums ask for the lse).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import torch

T = TypeVar("T")


class Memo:
    """Derived values of one trace, computed once each (see the module docstring)."""

    def __init__(self) -> None:
        self._values: dict[Hashable, Any] = {}  # key (name, arguments...) -> value
        self._lock = threading.RLock()  # one computation at a time; nested asks from the same thread pass

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value stored under `key`, computed by `compute()` the first time it is asked for."""
        with self._lock:
            if key not in self._values:
                self._values[key] = compute()
            return self._values[key]

    def names(self) -> set[str]:
        """The names of the values held (the first item of each key: "lse", "row_max", ...)."""
        with self._lock:
            return {key[0] if isinstance(key, tuple) else str(key) for key in self._values}

    def clear(self) -> None:
        """Forget every derived value (they are recomputed when asked for again)."""
        with self._lock:
            self._values.clear()

    def tensors(self) -> list[torch.Tensor]:
        """Every tensor held, inside dicts, lists and tuples too (for counting bytes)."""
        found: list[torch.Tensor] = []

        def walk(value: Any) -> None:
            if isinstance(value, torch.Tensor):
                found.append(value)
            elif isinstance(value, dict):
                for v in value.values():
                    walk(v)
            elif isinstance(value, (list, tuple)):
                for v in value:
                    walk(v)

        with self._lock:
            for v in self._values.values():
                walk(v)
        return found


def storage_bytes(tensors: list[torch.Tensor | None]) -> int:
    """Bytes of the storages behind these tensors, each storage counted once (views share one)."""
    seen: dict[int, int] = {}
    for t in tensors:
        if t is not None:
            s = t.untyped_storage()
            seen[s.data_ptr()] = s.nbytes()
    return sum(seen.values())
