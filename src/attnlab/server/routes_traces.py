"""JSON API, part 2: a kept trace by id. Its summary, page data, the downloadable page (the same file
as `--html`), one head as JSON, and what the live views read: pooled overviews, tiles, row statistics.

Maps travel as raw little-endian float32 (`application/octet-stream`), shaped by the
`X-Attnlab-Shape` header ("planes,rows,cols"): a 256 x 256 tile is 256 KB of weights (+ as much of
scores), where JSON text would be ~2.5 MB. Heavy computations (an overview: one pass over the head)
go through the server's `HeavyGate` (work.py): a few at a time, 503 + Retry-After beyond. What a
computation leaves with the trace (lse, page data, statistics) is counted by the store (`settle`).
A layer, head, level or tile the trace lacks is 404. A trace memory no longer holds is made again
from its link record when there is one (`rebuild.entry_of`): every route here may wait for that.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from ..analysis import zoom
from ..export import head_to_dict
from ..html import render_page
from ..views import file_stem
from .capture import head_json_cells, summary, text_notes
from .messages import NotFound
from .pages_data import LANG_QUERY, MESSAGE_LANG, trace_page
from .rebuild import entry_of
from .state import errors, server_of
from .store import Entry

router = APIRouter()
T = TypeVar("T")


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
KEPT = errors(404, 410)  # every route here: an unknown id, an evicted trace
HEAVY = {**BINARY, **errors(404, 410, 503)}  # and those that go through the HeavyGate


def _binary(planes: list[Any], extra: dict[str, str] | None = None) -> Response:
    arrays = [np.ascontiguousarray(p.numpy() if hasattr(p, "numpy") else p, dtype="<f4") for p in planes]
    rows, cols = arrays[0].shape
    headers = {"x-attnlab-shape": f"{len(arrays)},{rows},{cols}", "cache-control": "private, max-age=3600",
               **(extra or {})}
    return Response(b"".join(a.tobytes() for a in arrays), media_type="application/octet-stream", headers=headers)


async def _heavy_call(request: Request, entry: Entry, fn: Callable[..., T], *args: Any) -> T:
    """fn(*args) through the server's HeavyGate, then the entry measured again (it may keep more now)."""
    srv = server_of(request)
    out = await srv.heavy.run(fn, *args)
    srv.store_for(entry.id).settle(entry)
    return out


@router.get("/api/traces/{tid}", summary="What a kept trace is (not its numbers); `warnings`: what the model did "
            "not read as written", responses=KEPT)
async def trace_summary(request: Request, tid: str = TID, lang: str = MESSAGE_LANG) -> dict[str, Any]:
    entry = await entry_of(request, tid)
    return summary(entry, lang, lasting=server_of(request).lasts(tid))


@router.get("/api/traces/{tid}/page-data", summary="The trace's page data, as a page file inlines it, and `warnings`",
            responses=errors(404, 410, 503))
async def page_data(request: Request, tid: str = TID, lang: str = LANG_QUERY,
                    view: str | None = Query(None, max_length=32)) -> JSONResponse:
    entry = await entry_of(request, tid)
    data = await _heavy_call(request, entry, trace_page, entry, lang, view)
    return JSONResponse({**data, "warnings": text_notes(entry, lang)})


@router.get("/api/traces/{tid}/page", summary="The self-contained page, as `--html` writes it",
            response_class=HTMLResponse, responses=errors(404, 410, 503))
async def page(request: Request, tid: str = TID, lang: str = LANG_QUERY) -> HTMLResponse:
    entry = await entry_of(request, tid)
    html = await _heavy_call(request, entry, lambda: render_page(entry.trace, lang=lang))
    name = f"attnlab-{file_stem(entry.trace.model)}-{entry.id}.html"
    return HTMLResponse(html, headers={"content-disposition": f'attachment; filename="{name}"'})


@router.get("/api/traces/{tid}/explain", summary="What a toy trace's numbers show, in words (as `attnlab toy` prints)",
            responses=KEPT)
async def explanation(request: Request, tid: str = TID, lang: str = LANG_QUERY) -> dict[str, str]:
    from ..reporting import explain

    trace = (await entry_of(request, tid)).trace
    if trace.stages is None:
        raise NotFound("srv_explain_toy")
    return {"explanation": await asyncio.to_thread(explain, trace, lang)}


@router.get("/api/traces/{tid}/head", summary="One head's weights as JSON (as `attnlab text --format json`)",
            responses=KEPT)
async def head(request: Request, tid: str = TID, layer: int = Query(0, ge=0), head: int = Query(0, ge=0),
               words: bool = False) -> JSONResponse:
    trace = (await entry_of(request, tid)).trace
    trace.check_layer_head(layer, head)
    head_json_cells(trace, words)
    return JSONResponse(await asyncio.to_thread(head_to_dict, trace, layer, head, words=words))


@router.get("/api/traces/{tid}/overview", summary="One head pooled to at most size x size cells", responses=HEAVY)
async def overview(request: Request, tid: str = TID, layer: int = Query(0, ge=0), head: int = Query(0, ge=0),
                   mode: str = Query("max", pattern="^(max|mean)$"),
                   size: int = Query(512, ge=16, le=2048)) -> Response:
    entry = await entry_of(request, tid)
    entry.trace.check_layer_head(layer, head)
    got = await _heavy_call(request, entry, zoom.overview, entry.trace, layer, head, size, mode)
    return _binary(list(got.planes), {"x-attnlab-cell": str(got.cell)})


@router.get("/api/traces/{tid}/tile", responses=HEAVY,
            summary="A 256-position tile of one head: level z pools 2^z x 2^z cells (z = 0: weights and scores)")
async def tile(request: Request, tid: str = TID, layer: int = Query(0, ge=0), head: int = Query(0, ge=0),
               z: int = Query(0, ge=0, le=20), ty: int = Query(0, ge=0), tx: int = Query(0, ge=0),
               mode: str = Query("max", pattern="^(max|mean)$")) -> Response:
    entry = await entry_of(request, tid)
    trace = entry.trace
    trace.check_layer_head(layer, head)
    try:
        zoom.tile_span(trace.n_tokens, z, ty, tx)  # a tile outside the map is refused before any work
    except zoom.OutsideMap as e:
        raise NotFound(e.key, **e.fields) from None
    if z == 0:  # a full-resolution tile is one small matmul
        got = await asyncio.to_thread(zoom.zoom_tile, trace, layer, head, z, ty, tx, mode)
        server_of(request).store_for(tid).settle(entry)  # the trace may keep the lse it computed
    else:
        got = await _heavy_call(request, entry, zoom.zoom_tile, trace, layer, head, z, ty, tx, mode)
    return _binary(list(got.planes), {"x-attnlab-cell": str(got.cell)})


@router.get("/api/traces/{tid}/lse", summary="Each row's log-sum-exp of one head's scores", responses=HEAVY)
async def lse(request: Request, tid: str = TID, layer: int = Query(0, ge=0), head: int = Query(0, ge=0)) -> Response:
    entry = await entry_of(request, tid)
    entry.trace.check_layer_head(layer, head)
    values = await _heavy_call(request, entry, lambda: entry.trace.lse(layer)[head].float().cpu())
    return _binary([values[None]])


@router.get("/api/traces/{tid}/stats", summary="Each head's row statistics averaged over rows (the head atlas)",
            responses={202: {"description": "being computed: ask again (the body says how far it is)"},
                       **errors(404, 410, 503)})
async def stats(request: Request, tid: str = TID) -> JSONResponse:
    from ..analysis.atlas import head_means

    srv = server_of(request)
    entry = await entry_of(request, tid)
    done = entry.extras.get("stats")
    if done is not None:
        return JSONResponse(done)
    tr = entry.trace

    def compute(job=None) -> dict[str, Any]:
        if job is not None:
            job.say("statistics")
        return srv.store_for(tid).keep(entry, "stats", head_means(tr.row_stats(), causal=bool(tr.causal)))

    if entry.kind == "toy" or tr.n_tokens <= 512:  # quick: answer now
        return JSONResponse(await asyncio.to_thread(compute))
    job = srv.worker.submit(f"{tid}/stats", tr.model, compute)  # shared by every poller; runs to its end
    if job.future.done() and job.future.exception() is None:
        return JSONResponse(job.future.result())
    if job.future.done():
        raise job.future.exception()
    return JSONResponse({**job.snapshot(), "position": srv.worker.position(job)}, status_code=202,
                        headers={"retry-after": "1", "cache-control": "no-store"})
