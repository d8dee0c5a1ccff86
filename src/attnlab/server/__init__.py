"""`attnlab serve`: the local web app. FastAPI routes over the same library calls as the CLI.

Layout (one job per module):
    config.py        how the server was started; loopback, token and Host rules
    security.py      the gate every request passes (Host, token, origin, body size, CSP headers)
    app.py           `create_app(config)`, errors as {"error": "..."} with 4xx, the OpenAPI error codes
    state.py         `Server`: what every request shares (config, stores, worker, heavy gate)
    messages.py      the server's own refusals (`ServerError`), in the language the request names
    jsonbody.py      a request body as a JSON object: no oversized int, deep nesting, lone surrogate
    inputs.py        request bodies: JSON types checked, named like the CLI's options; their schemas
    store.py         kept traces: stable ids, LRU within its bytes (all it holds counted), 410 after eviction
    links.py         on disk, each kept trace's inputs (content-addressed, within --link-store): links last
    rebuild.py       a trace by id: from memory, else made again from its link record (or a 410 saying why)
    work.py          bounded work: one model capture at a time, a short queue per model, a few map
                     computations at a time; 503 + Retry-After beyond
    capture.py       `run_text` as a queued job with progress
    routes_api.py    /api/health, /api/models, /api/toy, /api/toy/page, /api/text, /api/text/stream
    routes_traces.py /api/traces/<id>: summary, page data, page download, head JSON, overview, tiles, stats
    routes_pages.py  /, /t/<id>, /docs, /static/app.js, /static/app.css
    bundle.py        the app's one script: the page modules (html/assets) + the app's (static/*.js)

Needs the `serve` extra (fastapi, uvicorn): `pip install 'attnlab[serve]'`.
"""

from __future__ import annotations

from .config import ServeConfig

__all__ = ["ServeConfig", "create_app"]


def create_app(config: ServeConfig | None = None):
    """The ASGI app for `config` (see `app.create_app`)."""
    from .app import create_app as make

    return make(config)
