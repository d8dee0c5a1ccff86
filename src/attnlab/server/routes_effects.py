"""JSON API, part 3: the head effects of a kept text trace (docs/effects.md), for the effects tab of the app.

GET says whether this server can measure them for the trace (and why not) and hands back the effects
computed last, if any; POST measures them: `analysis.effects.head_effects` on the trace's own text and
model (its inputs), with the body's methods, target and corrupted text (`attnlab effects --method
--target --corrupt`), run in the model worker like a capture (work.py: one at a time, a short queue per
model, 503 + Retry-After beyond), and answers 202 with the job's progress (which method, how many heads)
until it is done, then 200 with the tab's data (`views.effects.data.tab_data`, in the request's
language). Asking again with the same body polls the same job; its outcome is kept with the trace
(counted in the store's bytes), so the tab reopens on it. The refusals are 400 in the request's
language: a toy, a trace with generated tokens, a model this server does not run, a text too long (the
exact methods, one forward per head, up to MAX_EXACT_TOKENS; any method up to MAX_TOKENS), and the
library's own (a target that is not one token, a corrupt text of another length: its messages in the
request's language). A failed computation answers its error once; asking again runs it again.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ..analysis.effects_names import EXACT
from ..errors import AttnlabError
from ..i18n import LANGS
from .inputs import EFFECTS_SCHEMA, EffectsRequest, effects_request
from .jsonbody import parse_body
from .messages import ServerError, brief, error_text
from .pages_data import LANG_QUERY
from .rebuild import entry_of
from .routes_traces import TID
from .state import Server, error, errors, server_of
from .store import Entry
from .work import Job

router = APIRouter()
log = logging.getLogger("attnlab.server")
MAX_TOKENS = 2048  # any method (DLA and attribution: one forward and one backward; measured there, docs/effects.md)
MAX_EXACT_TOKENS = 256  # zero, mean, patching: a forward per head (270 heads of SmolLM2: minutes beyond this)
LAST = "effects-last"  # the extras key of the effects computed last (the tab reopens on them)
WHERE = {"content": {"application/json": {"schema": EFFECTS_SCHEMA, "example": {"methods": ["attribution", "dla"]}}}}


def model_refusal(srv: Server, entry: Entry, what: str) -> ServerError | None:
    """Why this server cannot run `entry`'s text again in its model (None: it can): a toy, generated tokens,
    a model it does not run; the messages srv_<what>_toy, _generated, _model (the effects, the flow)."""
    inputs = entry.inputs
    if entry.kind != "text":
        return ServerError(f"srv_{what}_toy")
    if inputs.get("generate"):
        return ServerError(f"srv_{what}_generated", n=inputs["generate"])
    if inputs.get("model") not in srv.models:
        return ServerError(f"srv_{what}_model", model=brief(inputs.get("model")))
    return None


def refusal(srv: Server, entry: Entry) -> ServerError | None:
    """Why this server cannot measure the head effects of `entry` (None: it can)."""
    found = model_refusal(srv, entry, "effects")
    if found is not None:
        return found
    if entry.trace.n_tokens > MAX_TOKENS:
        return ServerError("srv_effects_long", n=entry.trace.n_tokens, most=MAX_TOKENS)
    return None


@router.get("/api/traces/{tid}/effects", responses=errors(404, 410),
            summary="Whether this server can measure the trace's head effects (`why` not), and the last computed")
async def effects_state(request: Request, tid: str = TID, lang: str = LANG_QUERY) -> dict[str, Any]:
    srv = server_of(request)
    entry = await entry_of(request, tid)
    why = refusal(srv, entry)
    if why is not None:
        return {"can": False, "why": error_text(why, lang)}
    last = entry.extras.get(LAST)
    kept = entry.extras.get(last) if last is not None else None
    return {"can": True, "done": kept["data"][lang] if kept is not None and "data" in kept else None}


@router.post("/api/traces/{tid}/effects", openapi_extra={"requestBody": {"required": True, **WHERE}},
             summary="Measure every head's effect on the trace's text (as `attnlab effects`); 202 with the progress "
                     "until done (ask again with the same body), then the effects tab's data",
             responses={202: {"description": "being computed: ask again with the same body (the answer says how far "
                                             "it is)"}, **errors(404, 410, 503)})
async def effects(request: Request, tid: str = TID, lang: str = LANG_QUERY) -> JSONResponse:
    srv = server_of(request)
    req = effects_request(parse_body(await request.body(), request.headers.get("content-type")))
    entry = await entry_of(request, tid)
    why = refusal(srv, entry)
    if why is None and req.methods is not None and entry.trace.n_tokens > MAX_EXACT_TOKENS:
        exact = [m for m in req.methods if m in EXACT]
        if exact:
            why = ServerError("srv_effects_long_exact", methods=", ".join(exact), most=MAX_EXACT_TOKENS,
                              n=entry.trace.n_tokens)
    if why is not None:
        raise why
    key = ("effects", req.key)
    digest = hashlib.sha256(req.key.encode()).hexdigest()[:16]
    kept = job_outcome(srv, entry, key, f"{tid}/effects/{digest}", lambda job: _compute(job, srv, entry, req, lang))
    if isinstance(kept, JSONResponse):
        return kept
    entry.extras[LAST] = key
    return JSONResponse(kept["data"][lang], headers={"cache-control": "no-store"})


def job_outcome(srv: Server, entry: Entry, key: Any, name: str,
                compute: Callable[[Job], None]) -> JSONResponse | dict[str, Any]:
    """What the model worker left with `entry` under `key` ({"data": ...}), running `compute` (job `name`,
    which keeps it there) first: a 202 with the job's progress while it runs, its error once (asking again
    runs it again). The effects' and the flow's (routes_flow.py)."""
    kept = entry.extras.get(key)
    if kept is None:
        job = srv.worker.submit(name, entry.inputs["model"], compute)
        kept = entry.extras.get(key) if job.future.done() else None
        if kept is None:
            return JSONResponse({**job.snapshot(), "position": srv.worker.position(job)},
                                status_code=202, headers={"retry-after": "1", "cache-control": "no-store"})
    if "error" in kept:  # answered once: asking again runs it again
        entry.extras.pop(key, None)
        return error(kept["status"], kept["error"])
    return kept


def outcome(entry: Entry, lang: str, what: str, run: Callable[[], Any]) -> dict[str, Any]:
    """{"data": run()}, or {"error": its message in `lang`, "status"}: a library refusal 400 (a server's
    own, its status), a bug 500 (logged with its traceback, answered as the app answers one)."""
    try:
        return {"data": run()}
    except AttnlabError as e:
        return {"error": error_text(e, lang), "status": e.status if isinstance(e, ServerError) else 400}
    except Exception as e:
        log.exception("attnlab serve: %s of %s failed", what, entry.id)
        return {"error": error_text(ServerError("srv_internal", name=type(e).__name__), lang), "status": 500}


def _compute(job: Job, srv: Server, entry: Entry, req: EffectsRequest, lang: str) -> None:
    """In the worker: the effects, the census of the same forward, the tab's data in both languages (or the
    error, in `lang`), kept with the trace."""
    from ..analysis.census import head_census
    from ..analysis.effects import head_effects
    from ..models import api
    from ..views.effects.data import tab_data

    model = entry.inputs["model"]
    if not api.is_loaded(model):
        job.say("loading")
    counts: dict[str, Any] = {}

    def progress(method: str, heads: int, n_tokens: int, estimate_s: float):
        counts.update(method=method, heads_done=0, heads=heads)

        def step(done: int) -> None:
            counts["heads_done"] += done

        return step

    job.say("effects", lambda: dict(counts))  # the snapshot's method, heads_done, heads (exact methods)

    def run() -> dict[str, Any]:
        found = head_effects(entry.inputs["text"], model, target=req.target, corrupt=req.corrupt, methods=req.methods,
                             truncate=bool(entry.inputs.get("truncate")), lang=lang, progress=progress)
        if not found.methods:
            raise ServerError("srv_effects_none")
        census = head_census(found.trace, probe=False)
        return {code: tab_data(found, census, code) for code in LANGS}

    kept = outcome(entry, lang, "head effects", run)
    srv.store_for(entry.id).keep(entry, ("effects", req.key), kept)
