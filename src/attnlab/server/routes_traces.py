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
from ..html import remote, render_page
from ..html.layers import parse_layers
from ..views import VIEWS, file_stem
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
async def page(request: Request, tid: str = TID, lang: str = LANG_QUERY,
               layers: str | None = Query(None, max_length=200, pattern="^(all|[0-9,-]+)$",
                                          description="the layers the page holds, e.g. 0-11 or 0,5 (default: "
                                                      "as many as fit one page)")) -> HTMLResponse:
    entry = await entry_of(request, tid)
    held = None if layers is None else parse_layers(layers)
    if layers is not None and held is None:  # "all": every layer, or the page's own refusal
        held = tuple(range(entry.trace.n_layers))
    gen = entry.extras.get("generation")  # a generation's steps: the page's steps tab, as `--generate N --html`
    html = await _heavy_call(request, entry, lambda: render_page(entry.trace, lang=lang, layers=held, generation=gen))
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


# what the views of a page too long to hold every map read, one map at a time (html/remote.py) ----------

@router.get("/api/traces/{tid}/map", responses={**HEAVY, 200: {"description": "uint8 codes [N, N], then step "
            "float32 [N] (weight ~ code * step), then scores float32 [N, N] when X-Attnlab-Scores is 1; "
            "N in X-Attnlab-Shape", "content": BINARY[200]["content"]}},
            summary="One head (or, map = heads, the head mean) of one layer, quantised as a page file's maps")
async def one_map(request: Request, tid: str = TID, layer: int = Query(0, ge=0),
                  map: int = Query(0, ge=0, description="a head, or the number of heads for their mean")) -> Response:
    entry = await entry_of(request, tid)
    remote.check_map(entry.trace, layer, map)
    codes, step, scores = await _heavy_call(request, entry, remote.map_codes, entry.trace, layer, map)
    pad = b"\0" * ((-codes.size) % 4)
    body = b"".join([codes.tobytes(), pad, step.astype("<f4").tobytes(),
                     b"" if scores is None else scores.astype("<f4").tobytes()])
    return Response(body, media_type="application/octet-stream",
                    headers={"x-attnlab-shape": str(codes.shape[0]), "x-attnlab-scores": "0" if scores is None else "1",
                             "cache-control": "private, max-age=3600"})


@router.get("/api/traces/{tid}/pooled", responses=HEAVY,
            summary="Every head of one layer and their mean, pooled to cell x cell blocks (max or mean)")
async def pooled(request: Request, tid: str = TID, layer: int = Query(0, ge=0), cell: int = Query(1, ge=1, le=65536),
                 mode: str = Query("max", pattern="^(max|mean)$")) -> Response:
    entry = await entry_of(request, tid)
    entry.trace.check_layer_head(layer, None)
    maps = await _heavy_call(request, entry, remote.pooled_maps, entry.trace, layer, cell, mode)
    return _binary(list(maps), {"x-attnlab-cell": str(min(cell, entry.trace.n_tokens))})


@router.get("/api/traces/{tid}/view-meta", responses=errors(404, 410, 503),
            summary="The JSON a view's tab reads (its page_meta) for one layer or all, computed when the tab opens")
async def view_meta(request: Request, tid: str = TID,
                    view: str = Query(..., pattern=f"^({'|'.join(v.name for v in VIEWS)})$",
                                      description="a view that applies to the trace (400 names those that do)"),
                    lang: str = LANG_QUERY, layer: int | None = Query(None, ge=0)) -> JSONResponse:
    entry = await entry_of(request, tid)
    key = ("view-meta", view, lang, layer)
    kept = entry.extras.get(key)
    if kept is None:
        layers = None if layer is None else (layer,)
        got = await _heavy_call(request, entry, remote.view_meta, entry.trace, view, lang, layers)
        kept = server_of(request).store_for(tid).keep(entry, key, got)
    return JSONResponse(kept)


@router.get("/api/traces/{tid}/rollout-row", responses=HEAVY,
            summary="One row of the attention rollout (every layer), streamed: where a token draws from")
async def rollout_row(request: Request, tid: str = TID, row: int = Query(..., ge=0)) -> Response:
    from ..analysis.rollout import rollout_rows
    from ..errors import LayerHeadError

    entry = await entry_of(request, tid)
    if row >= entry.trace.n_tokens:  # a position the trace lacks: 404, as a layer it lacks
        raise LayerHeadError(f"row {row} is out of range: this trace has positions 0..{entry.trace.n_tokens - 1}")
    got = await _heavy_call(request, entry, rollout_rows, entry.trace, [row])
    return _binary([got])
