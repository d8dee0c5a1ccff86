"""What every route shares: the `Server` (config, trace stores, model worker, the gate of heavy map
computations) kept on the app's state, `server_of(request)` to reach it, and `error()`, the JSON error
answer every 4xx/5xx uses. Routes hold no state of their own: what requests share lives here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from ..models.registry import BUNDLED
from .config import ServeConfig
from .messages import printable
from .store import TraceStore
from .work import HeavyGate, Worker

ERROR_SCHEMA = {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}
WHY = {  # what each error code a route declares means (app.py adds 400, 401 and, for bodies, 403 and 413)
    404: "no such trace on this server (or no such layer, head or tile in it)",
    410: "the trace was evicted to keep memory within --max-cache: `inputs` says what to run again",
    413: "the trace would need more memory than the server keeps",
    503: "too much work is waiting: try again after Retry-After seconds",
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

    @classmethod
    def start(cls, config: ServeConfig) -> Server:
        """The shared state of a new app. The two stores share --max-cache: toys get half of it, at most
        TOY_CACHE, model traces the rest, so all the server keeps stays within what was configured."""
        toys = min(TOY_CACHE, config.max_cache // 2)
        return cls(config, TraceStore(config.max_cache - toys), TraceStore(toys), Worker(config.queue), HeavyGate())

    @property
    def models(self) -> list[str]:
        """The models a request may name: the registry's, then those given with --model."""
        return [*BUNDLED, *(m for m in self.config.models if m not in BUNDLED)]

    def store_for(self, tid: str) -> TraceStore:
        return self.toys if tid.startswith("toy-") else self.texts


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI `responses` of a route's own error codes (see WHY)."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        schema = ERROR_SCHEMA
        if code == 410:
            schema = {**ERROR_SCHEMA, "properties": {**ERROR_SCHEMA["properties"], "inputs": {"type": "object"}}}
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
