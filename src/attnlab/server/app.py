"""`create_app(config)`: the FastAPI app of `attnlab serve`, its error answers and its OpenAPI schema.

Every error is JSON `{"error": "..."}` with a 4xx status: the library's `AttnlabError` message (the
CLI's text for the same mistake) as 400; the server's own refusals (`messages.ServerError`) with
their status, in the request's language: an unknown trace 404, an evicted one or a link that cannot be
made again 410 (both with `reason` and `rerun`, see state.WHY), a body or trace over the limit 413, a
full queue 503 with Retry-After. A layer, head or tile a kept trace lacks is
404 on the GET routes that address it (400 in a POST body). FastAPI's own validation errors (a query
parameter that is not a number) are rewritten to the same shape as 400. The schema at /openapi.json
lists exactly these codes per route (`_document_errors`); FastAPI's 422, never sent, is dropped.
Swagger UI and ReDoc, which load from a CDN, are off; /docs is a local page over /openapi.json.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..errors import AttnlabError, LayerHeadError
from . import routes_api, routes_effects, routes_flow, routes_pages, routes_traces, routes_why
from .config import ServeConfig, apply_threads
from .messages import ServerError, brief, error_text, lang_of
from .security import Guard
from .state import ERROR_SCHEMA, Server, error
from .work import Busy

log = logging.getLogger("attnlab.server")


def create_app(config: ServeConfig | None = None) -> Any:
    """The ASGI app: FastAPI behind the `Guard` middleware (Host, token, origin, body size, headers)."""
    config = config or ServeConfig()
    apply_threads(config.threads)
    app = FastAPI(title="attnlab", version=__version__, docs_url=None, redoc_url=None,
                  description="Self-attention, live: the toy lab and real models' attention on this machine.")
    app.state.attnlab = Server.start(config)
    _handlers(app)
    for module in (routes_api, routes_traces, routes_effects, routes_why, routes_flow, routes_pages):
        app.include_router(module.router)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    guarded = Guard(app, config)
    guarded.fastapi = app  # tests and the CLI reach the FastAPI object through this
    return guarded


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(AttnlabError)
    async def attnlab_error(request: Request, e: AttnlabError) -> JSONResponse:
        lang = lang_of(request.url.query)
        text = error_text(e, lang)
        if isinstance(e, Busy):
            return error(503, text, {"retry-after": str(e.retry_after)})
        if isinstance(e, ServerError):  # a trace's refusals carry what made it and how to run it again
            return error(e.status, text, **e.answer(lang))
        return error(404 if isinstance(e, LayerHeadError) and request.method == "GET" else 400, text)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, e: RequestValidationError) -> JSONResponse:
        return error(400, validation_message(e.errors(), lang_of(request.url.query)))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, e: StarletteHTTPException) -> JSONResponse:
        lang = lang_of(request.url.query)
        message = e.detail if isinstance(e.detail, str) else error_text(ServerError("srv_refused"), lang)
        if e.status_code == 404 and message == "Not Found":
            message = error_text(ServerError("srv_not_found", path=request.url.path), lang)
        headers = getattr(e, "headers", None)
        if e.status_code == 405:
            message = error_text(ServerError("srv_method", method=request.method, path=request.url.path), lang)
            headers = {**{k: v for k, v in (headers or {}).items() if k.lower() != "allow"},
                       "allow": allowed_methods(request)}
        return error(e.status_code, message, headers)

    @app.exception_handler(Exception)
    async def bug(request: Request, e: Exception) -> JSONResponse:  # a bug: logged with its traceback
        log.exception("attnlab serve: unexpected error on %s", request.url.path)
        return error(500, error_text(ServerError("srv_internal", name=type(e).__name__), lang_of(request.url.query)))


def allowed_methods(request: Request) -> str:
    """Every method the API documents at this path (Starlette's 405 names only the first route's, and a
    path with a GET route and a POST route, such as a trace's effects, has two): read from the OpenAPI
    schema, the list of what this server answers."""
    path, methods = request.url.path, set()
    for template, ops in request.app.openapi()["paths"].items():
        if re.fullmatch(re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template)), path):
            methods |= {m.upper() for m in ops if m in ("get", "post", "put", "delete", "patch")}
    return ", ".join(sorted(methods))


def validation_message(errors: Any, lang: str = "en") -> str:
    """FastAPI's first validation error as one line naming the parameter and the value (pydantic's
    words for what is wrong stay English)."""
    first = next(iter(errors), {}) if errors else {}
    name = ".".join(str(p) for p in first.get("loc", ())[1:]) or "request"
    msg = str(first.get("msg", "is not valid")).replace("Input should be", "should be")
    given = first.get("input")
    got = f", got {brief(given)}" if given is not None and not isinstance(given, dict) else ""
    return error_text(ServerError("srv_invalid", name=name, msg=msg, got=got), lang)


# the codes every operation may get, besides those its route declares
ALWAYS = {400: "a parameter or the Host is not valid", 401: "the server's access token is missing or wrong"}
WRITES = {403: "a browser page of another site sent it", 413: "the body is over the server's limit"}


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        _document_errors(schema)
        app.openapi_schema = schema
    return app.openapi_schema


def _document_errors(schema: dict[str, Any]) -> None:
    """Each operation lists the error codes the server really sends it (see the module docstring)."""
    body = {"application/json": {"schema": ERROR_SCHEMA}}
    for operations in schema.get("paths", {}).values():
        for method, op in operations.items():
            responses = op.setdefault("responses", {})
            responses.pop("422", None)
            codes = {**ALWAYS, **(WRITES if method in ("post", "put", "patch", "delete") else {})}
            for code, why in codes.items():
                responses.setdefault(str(code), {"description": why, "content": body})
    schema.get("components", {}).get("schemas", {}).pop("HTTPValidationError", None)
    schema.get("components", {}).get("schemas", {}).pop("ValidationError", None)
