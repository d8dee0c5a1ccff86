"""`create_app(config)`: the FastAPI app of `attnlab serve`, its shared state and its error answers.

Every error is JSON `{"error": "..."}` with a 4xx status: the library's `AttnlabError` message (the
CLI's text for the same mistake) as 400, an unknown trace 404, an evicted one 410, a body over the
limit 413, a full model queue 503 with Retry-After. FastAPI's own validation errors (a query
parameter that is not a number) are rewritten to the same shape. Swagger UI and ReDoc, which load
from a CDN, are off; /docs is a local page over /openapi.json.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..errors import AttnlabError
from . import routes_api, routes_pages, routes_traces
from .config import ServeConfig, apply_threads
from .security import BodyTooLarge, Guard
from .state import Server, error
from .store import TraceGone, TraceStore, TraceTooLarge, TraceUnknown
from .work import Busy, Worker

log = logging.getLogger("attnlab.server")
TOY_CACHE = 64 * 2**20  # toy traces kept for /t/<id> and downloads (each well under 1 MB)


def create_app(config: ServeConfig | None = None) -> Any:
    """The ASGI app: FastAPI behind the `Guard` middleware (Host, token, origin, body size, headers)."""
    config = config or ServeConfig()
    apply_threads(config.threads)
    app = FastAPI(title="attnlab", version=__version__, docs_url=None, redoc_url=None,
                  description="Self-attention, live: the toy lab and real models' attention on this machine.")
    app.state.attnlab = Server(config, TraceStore(config.max_cache), TraceStore(TOY_CACHE), Worker(config.queue))
    _handlers(app)
    for module in (routes_api, routes_traces, routes_pages):
        app.include_router(module.router)
    guarded = Guard(app, config)
    guarded.fastapi = app  # tests and the CLI reach the FastAPI object through this
    return guarded


def _handlers(app: FastAPI) -> None:
    statuses = ((TraceUnknown, 404), (TraceGone, 410), (TraceTooLarge, 413), (BodyTooLarge, 413))

    @app.exception_handler(AttnlabError)
    async def attnlab_error(request: Request, e: AttnlabError) -> JSONResponse:
        if isinstance(e, Busy):
            return error(503, str(e), {"retry-after": str(e.retry_after)})
        status = next((s for cls, s in statuses if isinstance(e, cls)), 400)
        response = error(status, str(e))
        if isinstance(e, TraceGone):  # what made it, so the page can offer to run it again
            response = JSONResponse({"error": str(e), "inputs": e.inputs}, status_code=410,
                                    headers={"cache-control": "no-store"})
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, e: RequestValidationError) -> JSONResponse:
        return error(400, validation_message(e.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, e: StarletteHTTPException) -> JSONResponse:
        message = e.detail if isinstance(e.detail, str) else "request refused"
        if e.status_code == 404 and message == "Not Found":
            message = f"nothing at {request.url.path}: see /docs for the API"
        if e.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}"
        return error(e.status_code, message, getattr(e, "headers", None))

    @app.exception_handler(Exception)
    async def bug(request: Request, e: Exception) -> JSONResponse:  # a bug: logged with its traceback
        log.exception("attnlab serve: unexpected error on %s", request.url.path)
        return error(500, f"internal error ({type(e).__name__}); the server log has the details")


def validation_message(errors: Any) -> str:
    """FastAPI's first validation error as one line naming the parameter and the value."""
    first = next(iter(errors), {}) if errors else {}
    name = ".".join(str(p) for p in first.get("loc", ())[1:]) or "request"
    msg = str(first.get("msg", "is not valid")).replace("Input should be", "should be")
    given = first.get("input")
    return f"{name} {msg}" + (f", got {given!r}" if given is not None and not isinstance(given, dict) else "")
