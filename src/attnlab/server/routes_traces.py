"""JSON API, part 2: a kept trace by id. Its summary, page data, the downloadable page (the same file
as `--html`), one head as JSON, and what the live views read: pooled overviews, tiles, row statistics.

Maps travel as raw little-endian float32 (`application/octet-stream`), shaped by the
`X-Attnlab-Shape` header ("planes,rows,cols"): a 256 x 256 tile is 256 KB of weights (+ as much of
scores), where JSON text would be ~2.5 MB. Heavy computations (an overview: one pass over the head)
run at most `HEAVY` at a time; more waiting than `HEAVY_QUEUE` get 503 + Retry-After.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import numpy as np
from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from ..analysis import zoom
from ..export import head_to_dict
from ..html import render_page
from ..views import file_stem
from .capture import head_json_cells, summary
from .pages_data import LANG_QUERY, trace_page
from .state import server_of
from .store import Entry
from .work import Busy

router = APIRouter()
HEAVY, HEAVY_QUEUE = 2, 8
_heavy = threading.BoundedSemaphore(HEAVY)
_waiting = 0
_waiting_lock = threading.Lock()


def _tutorial_id() -> str:
    """The id of the tutorial's toy (the playground's first screen): the example the schema gives."""
    from ..toy import ToySpec
    from .routes_api import spec_options
    from .store import trace_id

    return trace_id("toy", spec_options(ToySpec()))


TID = Path(pattern="^(toy|text)-[0-9a-f]{16}$", description="a trace id from /api/text or /api/toy/page",
           examples=[_tutorial_id()])
BINARY = {200: {"description": "float32 little-endian; shape in X-Attnlab-Shape",
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}}


def _entry(request: Request, tid: str) -> Entry:
    return server_of(request).store_for(tid).get(tid)


def _binary(planes: list[Any], extra: dict[str, str] | None = None) -> Response:
    arrays = [np.ascontiguousarray(p.numpy() if hasattr(p, "numpy") else p, dtype="<f4") for p in planes]
    rows, cols = arrays[0].shape
    headers = {"x-attnlab-shape": f"{len(arrays)},{rows},{cols}", "cache-control": "private, max-age=3600",
               **(extra or {})}
    return Response(b"".join(a.tobytes() for a in arrays), media_type="application/octet-stream", headers=headers)


async def _heavy_call(fn, *args) -> Any:
    """Run fn in a thread, at most HEAVY at a time; 503 when too many already wait."""
    global _waiting
    with _waiting_lock:
        if _waiting >= HEAVY_QUEUE:
            raise Busy(f"{_waiting} map computations are waiting: try again in a moment", retry_after=2)
        _waiting += 1

    def run() -> Any:
        global _waiting
        with _heavy:
            with _waiting_lock:
                _waiting -= 1
            return fn(*args)

    return await asyncio.to_thread(run)  # cancelled requests still run `run` to its end: the count stays right


@router.get("/api/traces/{tid}", summary="What a kept trace is (not its numbers)")
def trace_summary(request: Request, tid: str = TID) -> dict[str, Any]:
    return summary(_entry(request, tid))


@router.get("/api/traces/{tid}/page-data", summary="The trace's page data, as a page file inlines it")
async def page_data(request: Request, tid: str = TID, lang: str = LANG_QUERY,
                    view: str | None = Query(None, max_length=32)) -> JSONResponse:
    entry = _entry(request, tid)
    return JSONResponse(await _heavy_call(trace_page, entry, lang, view))


@router.get("/api/traces/{tid}/page", summary="The self-contained page, as `--html` writes it",
            response_class=HTMLResponse)
async def page(request: Request, tid: str = TID, lang: str = LANG_QUERY) -> HTMLResponse:
    entry = _entry(request, tid)
    html = await _heavy_call(lambda: render_page(entry.trace, lang=lang))
    name = f"attnlab-{file_stem(entry.trace.model)}-{entry.id}.html"
    return HTMLResponse(html, headers={"content-disposition": f'attachment; filename="{name}"'})


@router.get("/api/traces/{tid}/explain", summary="What a toy trace's numbers show, in words (as `attnlab toy` prints)")
def explanation(request: Request, tid: str = TID, lang: str = LANG_QUERY) -> dict[str, str]:
    from ..errors import AttnlabError
    from ..reporting import explain

    trace = _entry(request, tid).trace
    if trace.stages is None:
        raise AttnlabError("explanations in words are made for toy traces; a model trace's head census will say "
                           "what its heads do")
    return {"explanation": explain(trace, lang)}


@router.get("/api/traces/{tid}/head", summary="One head's weights as JSON (as `attnlab text --format json`)")
def head(request: Request, tid: str = TID, layer: int = Query(0, ge=0), head: int = Query(0, ge=0),
         words: bool = False) -> JSONResponse:
    trace = _entry(request, tid).trace
    trace.check_layer_head(layer, head)
    head_json_cells(trace, words)
    return JSONResponse(head_to_dict(trace, layer, head, words=words))


@router.get("/api/traces/{tid}/overview", summary="One head pooled to at most size x size cells", responses=BINARY)
async def overview(request: Request, tid: str = TID, layer: int = Query(0, ge=0), head: int = Query(0, ge=0),
                   mode: str = Query("max", pattern="^(max|mean)$"),
                   size: int = Query(512, ge=16, le=2048)) -> Response:
    trace = _entry(request, tid).trace
    trace.check_layer_head(layer, head)
    got = await _heavy_call(zoom.overview, trace, layer, head, size, mode)
    return _binary(list(got.planes), {"x-attnlab-cell": str(got.cell)})


@router.get("/api/traces/{tid}/tile", responses=BINARY,
            summary="A 256-position tile of one head: level z pools 2^z x 2^z cells (z = 0: weights and scores)")
async def tile(request: Request, tid: str = TID, layer: int = Query(0, ge=0), head: int = Query(0, ge=0),
               z: int = Query(0, ge=0, le=20), ty: int = Query(0, ge=0), tx: int = Query(0, ge=0),
               mode: str = Query("max", pattern="^(max|mean)$")) -> Response:
    trace = _entry(request, tid).trace
    trace.check_layer_head(layer, head)
    zoom.tile_span(trace.n_tokens, z, ty, tx)  # a tile outside the map is refused before any work
    call = asyncio.to_thread if z == 0 else _heavy_call  # a full-resolution tile is one small matmul
    got = await call(zoom.zoom_tile, trace, layer, head, z, ty, tx, mode)
    return _binary(list(got.planes), {"x-attnlab-cell": str(got.cell)})


@router.get("/api/traces/{tid}/lse", summary="Each row's log-sum-exp of one head's scores", responses=BINARY)
async def lse(request: Request, tid: str = TID, layer: int = Query(0, ge=0), head: int = Query(0, ge=0)) -> Response:
    trace = _entry(request, tid).trace
    trace.check_layer_head(layer, head)
    values = await _heavy_call(lambda: trace.lse(layer)[head].float().cpu())
    return _binary([values[None]])


@router.get("/api/traces/{tid}/stats", summary="Each head's row statistics averaged over rows (the head atlas)",
            responses={202: {"description": "being computed: ask again (the body says how far it is)"}})
def stats(request: Request, tid: str = TID) -> JSONResponse:
    from ..analysis.atlas import head_means

    srv = server_of(request)
    entry = _entry(request, tid)
    done = entry.extras.get("stats")
    if done is not None:
        return JSONResponse(done)
    tr = entry.trace

    def compute(job=None) -> dict[str, Any]:
        if job is not None:
            job.say("statistics")
        entry.extras["stats"] = head_means(tr.row_stats(), causal=bool(tr.causal))
        return entry.extras["stats"]

    if entry.kind == "toy" or tr.n_tokens <= 512:  # quick: answer now
        return JSONResponse(compute())
    job = srv.worker.submit(f"{tid}/stats", tr.model, compute)  # shared by every poller; runs to its end
    if job.future.done() and job.future.exception() is None:
        return JSONResponse(job.future.result())
    if job.future.done():
        raise job.future.exception()
    return JSONResponse({**job.snapshot(), "position": srv.worker.position(job)}, status_code=202,
                        headers={"retry-after": "1", "cache-control": "no-store"})
