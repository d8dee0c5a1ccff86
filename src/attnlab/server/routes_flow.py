"""JSON API, part 5: the information-flow routes of one token of a kept text trace (the flow tab of the app).

GET /api/traces/{tid}/flow?lang= (no token) says whether this server can compute the flow of the trace,
and why not ({"can", "why", "most"}: the tab's form asks first, so a refusal is words, not a failed load);
GET /api/traces/{tid}/flow?token=&threshold=&lang= computes `analysis.flow.flow` as `attnlab flow` does:
the kept trace holds no residual stream, so its text is run again with `streams=True` in the model worker
(work.py: one capture at a time, a short queue per model, 503 + Retry-After beyond), answering 202 with
the job's progress until it is done, then 200 with the tab's data (`views.flow.data.tab_data`, in the
request's language). Asking again polls the same job; the graph (not the re-run trace) is kept with the
trace, counted in the store's bytes. Texts are bounded at MAX_TOKENS tokens here (`attnlab flow` has no
bound). The refusals are 400 in the request's language: a toy, a trace with generated tokens, a model
this server does not run, a trace keeping no values, a text past MAX_TOKENS, a token past the text; a
threshold outside (0, 1] is the query's own validation (400, naming it).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from ..analysis.flow import DEFAULT_THRESHOLD
from ..i18n import LANGS
from .messages import ServerError, error_text
from .pages_data import LANG_QUERY
from .rebuild import entry_of
from .routes_effects import job_outcome, model_refusal, outcome
from .routes_traces import TID
from .state import Server, errors, server_of
from .store import Entry
from .work import Job

router = APIRouter()
MAX_TOKENS = 512  # one forward with the streams kept, then O(nodes x heads x N x d_model): seconds on a CPU


def refusal(srv: Server, entry: Entry) -> ServerError | None:
    """Why this server cannot compute the flow of `entry` (None: it can)."""
    found = model_refusal(srv, entry, "flow")
    if found is not None:
        return found
    if not entry.trace.keeps_values:
        return ServerError("srv_flow_keeps", model=entry.trace.model)
    if entry.trace.n_tokens > MAX_TOKENS:
        return ServerError("srv_flow_long", n=entry.trace.n_tokens, most=MAX_TOKENS)
    return None


@router.get("/api/traces/{tid}/flow", responses={202: {"description": "being computed: ask again (the answer says "
                                                                      "how far it is)"}, **errors(404, 410, 503)},
            summary="The information-flow routes of one token (as `attnlab flow`): the text run again with its "
                    "residual streams; 202 with the progress until done, then the flow tab's data")
async def flow(request: Request, tid: str = TID,
               token: int | None = Query(None, ge=0, description="the token to explain (none: whether it can)"),
               threshold: float = Query(DEFAULT_THRESHOLD, gt=0, le=1, description="keep edges above it"),
               lang: str = LANG_QUERY) -> JSONResponse:
    srv = server_of(request)
    entry = await entry_of(request, tid)
    why = refusal(srv, entry)
    if token is None:
        return JSONResponse({"can": why is None, "why": None if why is None else error_text(why, lang),
                             "most": MAX_TOKENS})
    if why is None and token >= entry.trace.n_tokens:
        why = ServerError("srv_why_position", name="token", pos=token, last=entry.trace.n_tokens - 1)
    if why is not None:
        raise why
    kept = job_outcome(srv, entry, ("flow", token, float(threshold)), f"{tid}/flow/{token}/{threshold!r}",
                       lambda job: _compute(job, srv, entry, token, float(threshold), lang))
    if isinstance(kept, JSONResponse):
        return kept
    return JSONResponse(kept["data"][lang], headers={"cache-control": "no-store"})


def _compute(job: Job, srv: Server, entry: Entry, token: int, threshold: float, lang: str) -> None:
    """In the worker: the text again with its streams, the graph, the tab's data in both languages (or the
    error, in `lang`), kept with the trace."""
    from ..analysis.flow import flow as flow_graph
    from ..models import api
    from ..views.flow.data import check_same_trace, tab_data

    model = entry.inputs["model"]
    job.say("loading" if not api.is_loaded(model) else "flow")

    def run() -> dict[str, Any]:
        trace = api.run_text(entry.inputs["text"], model, truncate=bool(entry.inputs.get("truncate")), streams=True)
        graph = flow_graph(trace, token, threshold)
        check_same_trace(graph, entry.trace, lang)  # the same text and model give the same tokens
        return {code: tab_data(graph, code) for code in LANGS}

    kept = outcome(entry, lang, "flow", run)
    srv.store_for(entry.id).keep(entry, ("flow", token, threshold), kept)
