"""What every route shares: the `Server` (config, trace stores, the link store, model worker, the gate
of heavy map computations) kept on the app's state, `server_of(request)` to reach it, and `error()`, the JSON error
answer every 4xx/5xx uses. Routes hold no state of their own: what requests share lives here."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from ..errors import AttnlabError
from ..models.registry import BUNDLED
from ..trace import AttentionTrace
from .config import ServeConfig
from .links import LinkStore
from .messages import printable
from .store import Entry, TraceStore
from .work import HeavyGate, Worker

ERROR_SCHEMA = {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}
WHY = {  # what each error code a route declares means (app.py adds 400, 401 and, for bodies, 403 and 413)
    404: "no such trace on this server (or no such layer, head or tile in it); for a trace, `rerun` is the "
         "app's address to start again",
    410: "the trace cannot be made again: evicted from memory with no saved record (`reason` evicted), or its "
         "saved record is damaged, too large, for a model not served now, or its inputs are refused now "
         "(`reason` damaged, too_large, model_gone, refused); `inputs` says what made it (when readable) and "
         "`rerun` is the app's address that runs it again",
    413: "the trace would need more memory than the server keeps",
    503: "too much work is waiting: try again after Retry-After seconds",
}
TRACE_ERROR_FIELDS = {  # what a trace's 404 and 410 answers carry besides "error" (a 404 of a tile: none)
    "reason": {"enum": ["unknown", "evicted", "damaged", "too_large", "model_gone", "refused"]},
    "inputs": {"type": "object"},
    "rerun": {"type": "string"},
}
TOY_CACHE = 64 * 2**20  # the toy traces' share of --max-cache, at most (each well under 20 MB)


@dataclass
class Server:
    """What every route shares."""

    config: ServeConfig  # how the server was started
    texts: TraceStore  # model traces, bounded by the rest of --max-cache
    toys: TraceStore  # toy traces, bounded by their share of --max-cache
    worker: Worker  # model work, one capture at a time
    heavy: HeavyGate  # map computations (overviews, pooled tiles, lse, page data), a few at a time
    links: LinkStore | None = None  # on disk, what each kept trace was made from (None: links last until exit)

    @classmethod
    def start(cls, config: ServeConfig) -> Server:
        """The shared state of a new app. The two stores share --max-cache: toys get half of it, at most
        TOY_CACHE, model traces the rest, so all the server keeps stays within what was configured."""
        toys = min(TOY_CACHE, config.max_cache // 2)
        return cls(config, TraceStore(config.max_cache - toys), TraceStore(toys), Worker(config.queue), HeavyGate(),
                   _links(config))

    def keep(self, kind: str, inputs: dict[str, Any], trace: AttentionTrace) -> Entry:
        """Keep a new trace in memory and, when its inputs make it again, their record on disk."""
        entry = (self.toys if kind == "toy" else self.texts).put(kind, inputs, trace)
        if self.links is not None and reproducible(kind, inputs):
            self.links.save(kind, inputs)
        return entry

    def lasts(self, tid: str) -> bool:
        """Whether `tid`'s link opens after a restart (its record is on disk)."""
        return self.links is not None and self.links.has(tid)

    @property
    def models(self) -> list[str]:
        """The models a request may name: the registry's, then those given with --model."""
        return [*BUNDLED, *(m for m in self.config.models if m not in BUNDLED)]

    def store_for(self, tid: str) -> TraceStore:
        return self.toys if tid.startswith("toy-") else self.texts


def reproducible(kind: str, inputs: dict[str, Any]) -> bool:
    """Whether the same inputs make the same trace again: all do but a toy without a seed (random weights)."""
    return kind != "toy" or inputs.get("seed") is not None


def _links(config: ServeConfig) -> LinkStore | None:
    """The link store the config names; None when off, or (said on stderr) when its folder cannot be used."""
    if config.links_dir is None or config.link_store <= 0:
        return None
    try:
        return LinkStore(Path(config.links_dir), config.link_store)
    except AttnlabError as e:
        print(f"attnlab serve: note: links will not last a restart: {e}", file=sys.stderr)
        return None


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI `responses` of a route's own error codes (see WHY)."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        schema = ERROR_SCHEMA
        if code in (404, 410):
            schema = {**ERROR_SCHEMA, "properties": {**ERROR_SCHEMA["properties"], **TRACE_ERROR_FIELDS}}
        out[code] = {"description": WHY[code], "content": {"application/json": {"schema": schema}}}
        if code == 503:
            out[code]["headers"] = {"Retry-After": {"description": "seconds", "schema": {"type": "integer"}}}
    return out


def server_of(request: Request) -> Server:
    return request.app.state.attnlab


def error(status: int, message: str, headers: dict[str, str] | None = None, **extra: object) -> JSONResponse:
    """{"error": message, **extra} with `status`, never cached."""
    headers = {"cache-control": "no-store", **(headers or {})}
    return JSONResponse({"error": printable(message), **extra}, status_code=status, headers=headers)
