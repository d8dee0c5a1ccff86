"""What every route shares: the `Server` (config, trace stores, model worker) kept on the app's state,
`server_of(request)` to reach it, and `error()`, the JSON error answer every 4xx/5xx uses."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import JSONResponse

from ..models.registry import BUNDLED
from .config import ServeConfig
from .store import TraceStore
from .work import Worker


@dataclass
class Server:
    """What every route shares."""

    config: ServeConfig  # how the server was started
    texts: TraceStore  # model traces, bounded by --max-cache
    toys: TraceStore  # toy traces, bounded by TOY_CACHE
    worker: Worker  # model work, one capture at a time

    @property
    def models(self) -> list[str]:
        """The models a request may name: the registry's, then those given with --model."""
        return [*BUNDLED, *(m for m in self.config.models if m not in BUNDLED)]

    def store_for(self, tid: str) -> TraceStore:
        return self.toys if tid.startswith("toy-") else self.texts


def server_of(request: Request) -> Server:
    return request.app.state.attnlab


def error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    headers = {"cache-control": "no-store", **(headers or {})}
    return JSONResponse({"error": message}, status_code=status, headers=headers)
