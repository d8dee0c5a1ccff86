"""JSON API, part 4: why one cell of a kept trace scores as it does (the heatmap's "why this score" panel).

GET /api/traces/{tid}/why?layer=&head=&query=&key=&lang= answers `views.heatmap.why.why_answer`: the
panel's data (`analysis.why.why_to_dict` and `added`) and `attnlab why`'s printout in the request's
language, for any cell of any kept trace, toy or model, that keeps its queries and keys. A layer or head
the trace lacks is 404 (as every trace route); the refusals of this route are 400 in the request's
language: a trace keeping no q and k (the eager fallback), a query or key past the text, a cell the
mask hides.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from ..errors import AttnlabError
from .messages import ServerError
from .pages_data import LANG_QUERY
from .rebuild import entry_of
from .routes_traces import TID
from .state import errors, server_of

router = APIRouter()


@router.get("/api/traces/{tid}/why", responses=errors(404, 410),
            summary="Why one cell's score is what it is (as `attnlab why`): its per-dimension terms, its row, RoPE's "
                    "content / position split, the toy's x W_Q / x W_K")
async def why(request: Request, tid: str = TID, layer: int = Query(..., ge=0), head: int = Query(..., ge=0),
              query: int = Query(..., ge=0, description="the attending token's position"),
              key: int = Query(..., ge=0, description="the attended token's position"),
              lang: str = LANG_QUERY) -> JSONResponse:
    from ..views.heatmap.why import why_answer

    entry = await entry_of(request, tid)
    trace = entry.trace
    trace.check_layer_head(layer, head)
    if not trace.keeps_qkv:
        raise ServerError("srv_why_not_kept", model=trace.model)
    for name, pos in (("query", query), ("key", key)):
        if pos >= trace.n_tokens:
            raise ServerError("srv_why_position", name=name, pos=pos, last=trace.n_tokens - 1)
    try:
        answer: dict[str, Any] = await asyncio.to_thread(why_answer, trace, layer, head, query, key, lang)
    except AttnlabError as e:  # what is left once the cell is in range: its score is -inf
        raise ServerError("srv_why_hidden", q=query, k=key) from e
    server_of(request).store_for(tid).settle(entry)  # the trace may keep the lse it computed
    return JSONResponse(answer, headers={"cache-control": "private, max-age=3600"})
