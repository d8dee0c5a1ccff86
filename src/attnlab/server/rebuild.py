"""A kept trace by id, made again from its link record when memory no longer holds it.

Every route that addresses a trace (`/api/traces/<id>/...`, what `/t/<id>` reads) asks `entry_of`:
the trace from memory when the store has it; else, when the link store has a record of its inputs
(`links.py`), the trace made again exactly as a new request would make it (the same checks, the
same queue, so a refusal now is the refusal a new request would get), kept, and answered. The first
open after a restart (or after an eviction) waits for that; later ones find it in memory.

When there is no record the store's answer stands (404 unknown, 410 evicted); when there is one but
it cannot make the trace, a `links.LinkProblem` (410) says why in the request's language, with what
made it and the app's address to run it again.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import Request

from ..errors import AttnlabError
from .capture import await_job, capture_job
from .inputs import text_request, toy_options
from .links import model_gone, refused
from .messages import ServerError
from .state import Server, server_of
from .store import Entry, TraceGone, TraceUnknown
from .work import Busy


class ClientGone(ServerError):
    """The client went away while its trace was being made again (499: nobody reads it)."""

    status = 499


async def entry_of(request: Request, tid: str) -> Entry:
    """The kept trace `tid`: from memory, else made again from its record (see the module docstring)."""
    srv = server_of(request)
    try:
        return srv.store_for(tid).get(tid)
    except (TraceUnknown, TraceGone) as e:
        missing = e
    record = await asyncio.to_thread(srv.links.load, tid) if srv.links is not None else None
    if record is None:
        raise missing
    kind, inputs = record
    if kind == "toy":
        return await asyncio.to_thread(_toy_again, srv, tid, inputs)
    return await _text_again(srv, tid, inputs, request)


def _toy_again(srv: Server, tid: str, inputs: dict[str, Any]) -> Entry:
    from ..cli.limits import check_cli_limits
    from ..toy import run_toy
    from ..toy.options import toy_spec
    from .routes_api import spec_options

    try:
        spec = check_cli_limits(toy_spec(toy_options(dict(inputs))))
        entry = srv.keep("toy", spec_options(spec), run_toy(spec))
    except AttnlabError as e:
        raise refused(tid, inputs, e) from None
    return _same(entry, tid, inputs)


async def _text_again(srv: Server, tid: str, inputs: dict[str, Any], request: Request) -> Entry:
    if inputs.get("model") not in srv.models:
        raise model_gone(tid, inputs, srv.models)
    try:
        req = text_request(dict(inputs), srv.models)
    except AttnlabError as e:
        raise refused(tid, inputs, e) from None
    job = capture_job(srv, req)  # a full queue is 503, as for a new request: the link is fine, try again
    try:
        entry = await await_job(srv, job, request)
    except Busy:
        raise
    except AttnlabError as e:  # the model's package is gone, the text is too long for it now, ...
        raise refused(tid, inputs, e) from None
    if entry is None:
        raise ClientGone("srv_client_gone")
    return _same(entry, tid, inputs)


def _same(entry: Entry, tid: str, inputs: dict[str, Any]) -> Entry:
    """`entry` when it is the trace the link names (the inputs, checked again, may have been normalised)."""
    if entry.id != tid:
        raise refused(tid, inputs, AttnlabError(f"its inputs now make another trace ({entry.id})"))
    return entry
