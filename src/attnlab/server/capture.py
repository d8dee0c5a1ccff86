"""Model captures as queued jobs: `models.api.run_text` in the worker thread, the trace kept in the store.

Progress while a long input is captured: the capture records one `LayerCapture` per attention layer
as the forward pass goes (`models.capture.recording`), so the number recorded so far is the number of
layers done. The worker thread runs the capture inside `models.capture.watching()`, whose PassWatch
the progress poller (another thread) reads: the recorder itself is local to the worker's context.
"""

from __future__ import annotations

import asyncio
import sys
import warnings
from typing import Any

from fastapi import Request

from ..errors import AttnlabError
from ..trace import AttentionTrace
from .inputs import TextRequest
from .state import Server
from .store import Entry
from .work import Job

MAX_JSON_CELLS = 2**20  # a head's weights as JSON numbers: 1 M cells is ~10 MB of text
DISCONNECT_POLL_S = 0.5  # how often a waiting request checks that its client is still there


def capture_job(srv: Server, req: TextRequest) -> Job:
    """The job that makes `req`'s trace: a finished one when the store has it, else queued (or shared)."""
    store = srv.texts
    from .store import trace_id

    tid = trace_id("text", req.capture_inputs)
    if store.has(tid):
        job = Job(tid, req.model, lambda job: None)
        job.state = "done"
        job.future.set_result(store.get(tid))
        return job
    return srv.worker.submit(tid, req.model, lambda job: _capture(job, srv, req))


def _capture(job: Job, srv: Server, req: TextRequest) -> Entry:
    from ..models import api, capture
    from ..models.parts import EncoderDecoderTraces

    if not api.is_loaded(req.model):
        job.say("loading")
    lm = api.load(req.model)
    n_layers = lm.model.config.num_hidden_layers
    with capture.watching() as now, warnings.catch_warnings(record=True) as caught:
        job.say("generating" if req.generate else "capturing",
                lambda: {"layers_done": now.layers_done, "n_layers": n_layers})
        warnings.simplefilter("always", api.CaptureFallbackWarning)
        gen = _generation(req, lm.kind)
        trace = gen.trace if gen is not None else api.run_text(req.text, req.model, truncate=req.truncate,
                                                                generate=req.generate)
    if isinstance(trace, EncoderDecoderTraces):  # the app shows self-attention: the encoder's, as the CLI's default
        print(f"attnlab serve: note: {trace.model} is an encoder-decoder: showing its encoder's self-attention",
              file=sys.stderr)
        trace = trace.encoder
    for w in caught:  # the CLI prints this as a note; the server log gets it (the notes on the text: the answer)
        if issubclass(w.category, api.CaptureFallbackWarning):
            print(f"attnlab serve: note: {w.message}", file=sys.stderr)
    job.say("keeping")
    entry = srv.keep("text", req.capture_inputs, trace)
    if gen is not None:  # its steps: the trace page's steps tab (pages_data.trace_page)
        srv.texts.keep(entry, "generation", gen)
    return entry


def _generation(req: TextRequest, kind: str) -> Any:
    """A decoder's generation with every step kept (`attnlab.generate`, the request's sampling settings), or
    None: no generation asked, another kind of model, or a greedy one whose attention bypasses the capture
    (then run_text generates and falls back to eager, as the CLI does)."""
    from ..models import api

    if not req.generate or kind != "decoder":
        return None
    try:
        return api.generate(req.text, req.model, req.generate, temperature=req.temperature, top_k=req.top_k,
                            seed=req.seed, truncate=req.truncate)
    except api.StepsNotCapturedError:
        if req.temperature:
            raise
        return None


async def await_job(srv: Server, job: Job, request: Request) -> Entry | None:
    """The job's result; None when the client went away first (then a queued job is cancelled)."""
    future = asyncio.wrap_future(job.future)
    try:
        while True:
            done, _ = await asyncio.wait({future}, timeout=DISCONNECT_POLL_S)
            if done:
                return future.result()
            if await request.is_disconnected():
                return None
    except asyncio.CancelledError:
        return None
    finally:
        srv.worker.leave(job)


def head_json_cells(trace: AttentionTrace, words: bool) -> None:
    """Refuse a head too large to send as JSON numbers (the page reads tiles instead)."""
    n = len({t.word for t in trace.tokens}) if words else trace.n_tokens
    if n * n > MAX_JSON_CELLS:
        raise AttnlabError(f"one head at {n} {'words' if words else 'tokens'} is {n * n:,} weights, too many for JSON "
                           f"(at most {MAX_JSON_CELLS:,}): read tiles from /api/traces/<trace_id>/tile, or open the "
                           "trace in the app")


def text_notes(entry: Entry, lang: str) -> list[str]:
    """What the model did not read as written in a text trace's text (`models.notes`; the CLI prints the
    same lines as notes), in `lang`: the `warnings` of every answer about the trace. A toy has none."""
    from ..models.notes import notes_for

    return notes_for(entry.trace, entry.inputs["text"], lang=lang) if entry.kind == "text" else []


def summary(entry: Entry, lang: str, *, lasting: bool) -> dict[str, Any]:
    """What the app needs to know about a kept trace (not its numbers). lasting: its link opens after a
    restart (a record of it is on disk)."""
    tr = entry.trace
    return {
        "trace_id": entry.id,
        "kind": entry.kind,
        "model": tr.model,
        "n_tokens": tr.n_tokens,
        "n_layers": tr.n_layers,
        "n_heads": tr.n_heads,
        "n_kv_heads": tr.n_kv_heads,
        "causal": bool(tr.causal),
        "truncated": int(getattr(tr, "truncated", 0) or 0),
        "prompt_len": tr.prompt_len,
        "inputs": entry.inputs,
        "url": f"/t/{entry.id}",
        "link_lasts": lasting,
        "warnings": text_notes(entry, lang),
    }
