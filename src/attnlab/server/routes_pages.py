"""The app's pages: `/` (the playground first), `/t/<id>` (a kept trace, to share), `/docs` (the API,
drawn locally from /openapi.json) and the two static files every page loads (`/static/app.js`,
`/static/app.css`). The HTML is one template; what varies (language, labels, the trace id) travels as
JSON in `<script type="application/json">` (never as markup) and the CSP allows only these files.
The view state an address holds (?view=, ?layer=, ?head=) comes back checked as BOOT.state; the
page reads its other parameters (a toy's edits, a text to run) from its own address."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from .. import __version__
from ..html.code import asset
from ..html.render import json_for_script
from ..views import VIEWS
from .bundle import app_labels, app_script, static_text
from .messages import NotFound
from .state import server_of

router = APIRouter(include_in_schema=False)
STATIC_CACHE = "no-cache"  # revalidate: a restarted server may bring other files
VIEW_NAMES = frozenset(v.name for v in VIEWS)  # what ?view= may name
MAX_INDEX_DIGITS = 6  # ?layer= and ?head= beyond 999999 are no layer or head of any model


def _shell(request: Request, lang: str, screen: str, trace: str | None = None) -> HTMLResponse:
    srv = server_of(request)
    boot: dict[str, Any] = {"lang": lang, "labels": app_labels(lang), "models": srv.models, "screen": screen,
                            "trace": trace, "version": __version__, "docs": srv.config.docs,
                            "state": page_state(request.query_params)}
    page = static_text("app.html").format(
        lang=lang, title=html.escape(f"attnlab {__version__}"), boot=json_for_script(boot))
    return HTMLResponse(page, headers={"cache-control": "no-store"})


def page_state(query: Mapping[str, str]) -> dict[str, Any]:
    """The view state a page's address holds (?view=heatmap&layer=3&head=2), as BOOT.state: the values
    that can be right kept, the others left out (a shared link with a stale value still opens). Whether
    the layer and head exist in the trace, the page checks: it may not be made yet."""
    state: dict[str, Any] = {}
    view = query.get("view")
    if view in VIEW_NAMES:
        state["view"] = view
    for name in ("layer", "head"):
        value = query.get(name, "")
        if value.isascii() and value.isdigit() and len(value) <= MAX_INDEX_DIGITS:
            state[name] = int(value)
    return state


def _lang(request: Request, lang: str | None) -> str:
    return lang if lang in ("ja", "en") else server_of(request).config.lang


@router.get("/")
def index(request: Request, lang: str | None = Query(None), screen: str = Query("toy")) -> HTMLResponse:
    return _shell(request, _lang(request, lang), screen if screen in ("toy", "text") else "toy")


@router.get("/t/{tid}")
def shared(request: Request, tid: str = Path(pattern="^(toy|text)-[0-9a-f]{16}$"),
           lang: str | None = Query(None)) -> HTMLResponse:
    return _shell(request, _lang(request, lang), "trace", tid)


@router.get("/docs")
def docs(request: Request, lang: str | None = Query(None)) -> HTMLResponse:
    if not server_of(request).config.docs:
        raise NotFound("srv_docs_off")
    return _shell(request, _lang(request, lang), "docs")


@router.get("/favicon.ico")
def favicon() -> Response:
    return Response(status_code=204, headers={"cache-control": "max-age=86400"})


@router.get("/static/app.js")
def script() -> Response:
    return Response(app_script(), media_type="text/javascript; charset=utf-8", headers={"cache-control": STATIC_CACHE})


@router.get("/static/app.css")
def style() -> Response:
    css = asset("page.css") + "\n" + static_text("app.css")
    return Response(css, media_type="text/css; charset=utf-8", headers={"cache-control": STATIC_CACHE})
