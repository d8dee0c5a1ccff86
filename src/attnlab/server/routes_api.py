"""JSON API, part 1: health, models, the toy and real text. Routes only: each calls what the CLI calls
(`toy.options.toy_spec` + `cli.limits` -> `toy.run_toy` -> `export.trace_to_dict`; `models.api.run_text` ->
`export.head_to_dict`), through `capture.py` for the model work queue."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse

from .. import __version__
from ..analysis.steps import steps_to_dict
from ..cli.limits import check_cli_limits
from ..export import head_to_dict, trace_to_dict
from ..jsonable import tensor_to_list
from ..toy import ToySpec, run_toy
from ..toy.options import toy_spec
from .capture import await_job, capture_job, head_json_cells, summary, text_notes
from .inputs import TEXT_SCHEMA, TOY_SCHEMA, text_request, toy_options
from .jsonbody import parse_body
from .pages_data import LANG_QUERY, MESSAGE_LANG, toy_page
from .state import error, errors, server_of

router = APIRouter()
PROGRESS_EVERY_S = 0.25  # how often the stream reports while a capture waits or runs
EVENT_SCHEMA = {  # one event of /api/text/stream: its name, and its data as one line of JSON
    "type": "object", "required": ["event", "data"],
    "properties": {"event": {"enum": ["progress", "result", "error"]},
                   "data": {"type": "string", "contentMediaType": "application/json"}},
}


def _body(schema: dict[str, Any], example: dict[str, Any]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema, "example": example}}}}


@router.get("/api/health", summary="Is the server up; what it holds")
def health(request: Request) -> dict[str, Any]:
    srv = server_of(request)
    return {"status": "ok", "version": __version__, "models": srv.models, "traces": srv.texts.usage(),
            "toys": srv.toys.usage(), "links": srv.links.usage() if srv.links is not None else None}


@router.get("/api/models", summary="The models a request may name (registry names and --model values)")
def models(request: Request) -> list[dict[str, Any]]:
    from dataclasses import asdict

    from ..models.registry import model_info

    out = []
    for name in server_of(request).models:
        try:
            out.append(asdict(model_info(name)))
        except Exception as e:  # a model given at start that became unreadable: listed, not ready
            out.append({"name": name, "kind": "?", "ready": False, "note": str(e)})
    return out


def spec_options(spec: ToySpec) -> dict[str, Any]:
    """A ToySpec as toy options (JSON-ready): the same spec gives the same trace id however it was asked.
    Its x is the spec's own rows, not a copy: the trace keeps the spec, and the store, counting these
    inputs, counts the numbers the spec holds (up to 256 x 512 Python floats, 4 MB)."""
    out = {name: getattr(spec, name) for name in ToySpec.__dataclass_fields__}
    out["tokens"] = list(spec.tokens)
    return out


def _toy_trace(raw: bytes, content_type: str | None):
    return run_toy(check_cli_limits(toy_spec(toy_options(parse_body(raw, content_type)))))


@router.post("/api/toy", summary="The toy lab: the same JSON as `attnlab toy --format json`",
             openapi_extra=_body(TOY_SCHEMA, {"tokens": "Tokyo is beautiful", "seed": 42}))
async def toy(request: Request) -> JSONResponse:
    raw = await request.body()
    trace = await asyncio.to_thread(_toy_trace, raw, request.headers.get("content-type"))
    return JSONResponse(await asyncio.to_thread(trace_to_dict, trace))


@router.post("/api/toy/page", summary="The toy as page data (the playground's views); its explanation: /explain",
             openapi_extra=_body(TOY_SCHEMA, {"tokens": "Tokyo is beautiful"}), responses=errors(413))
async def toy_page_data(request: Request, lang: str = LANG_QUERY, view: str | None = Query(None, max_length=32)):
    raw = await request.body()
    srv = server_of(request)

    def work() -> dict[str, Any]:
        options = toy_options(parse_body(raw, request.headers.get("content-type")))
        spec = check_cli_limits(toy_spec(options))
        trace = run_toy(spec)
        entry = srv.keep("toy", spec_options(spec), trace)
        return {**toy_page(entry, lang, view), "x": tensor_to_list(trace.stages.x), "options": options}

    return JSONResponse(await asyncio.to_thread(work))


@router.post("/api/text", summary="A real model on real text: the JSON of `attnlab text --format json`, its "
             "trace_id, and `warnings`: what the model did not read as written (Japanese through MiniLM)",
             openapi_extra=_body(TEXT_SCHEMA, {"text": "Tokyo is beautiful", "model": "minilm"}),
             responses=errors(413, 503))
async def text(request: Request, lang: str = MESSAGE_LANG) -> JSONResponse:
    srv = server_of(request)
    req = text_request(parse_body(await request.body(), request.headers.get("content-type")), srv.models)
    job = capture_job(srv, req)
    entry = await await_job(srv, job, request)
    if entry is None:  # the client went away
        return error(499, "the client closed the request")
    trace = entry.trace
    trace.check_layer_head(req.layer, req.head)
    head_json_cells(trace, req.words)
    out = await asyncio.to_thread(head_to_dict, trace, req.layer, req.head, words=req.words)
    gen = entry.extras.get("generation")  # a decoder's generation: its steps, as `--generate N --format json`
    steps = {} if gen is None else steps_to_dict(gen)
    return JSONResponse({**out, **steps, "trace_id": entry.id, "warnings": text_notes(entry, lang)})


@router.post("/api/text/stream", summary="/api/text as server-sent events: progress while capturing, then the trace",
             openapi_extra=_body(TEXT_SCHEMA, {"text": "Tokyo is beautiful"}), response_class=StreamingResponse,
             responses={200: {"description": "events: progress..., then result or error",
                              "content": {"text/event-stream": {"schema": EVENT_SCHEMA}}}, **errors(413, 503)})
async def text_stream(request: Request, lang: str = MESSAGE_LANG) -> StreamingResponse:
    srv = server_of(request)
    req = text_request(parse_body(await request.body(), request.headers.get("content-type")), srv.models)
    job = capture_job(srv, req)  # refusals (503) happen here, before the stream starts

    async def events():
        try:
            while not job.future.done():
                yield _event("progress", {**job.snapshot(), "position": srv.worker.position(job)})
                await asyncio.sleep(PROGRESS_EVERY_S)
            try:
                entry = job.future.result()
            except Exception as e:  # the library's message, as /api/text would answer it
                yield _event("error", {"error": str(e)})
                return
            yield _event("result", summary(entry, lang, lasting=srv.lasts(entry.id)))
        finally:
            srv.worker.leave(job)  # a client gone while queued cancels the capture

    return StreamingResponse(events(), media_type="text/event-stream", headers={"cache-control": "no-store"})


def _event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
