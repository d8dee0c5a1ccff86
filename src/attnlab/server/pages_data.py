"""Page data of a kept trace for the app (`html.live.live_page_data`), cached per trace.

Made once per trace and language (the explanation tab carries texts in the page's language) and
kept with the trace while it is small, counted in the store's bytes (the route settles the entry
after this runs); the labels are added per request.
"""

from __future__ import annotations

from typing import Any

from fastapi import Query

from ..html.live import live_page_data
from .bundle import app_labels
from .messages import DEFAULT_LANG
from .store import Entry

LANG_QUERY = Query("ja", pattern="^(ja|en)$", description="labels' language: ja or en")
MESSAGE_LANG = Query(DEFAULT_LANG, pattern="^(ja|en)$",  # as the server's refusals (messages.py)
                     description="language of the warnings (and of any refusal): ja or en (default en)")
CACHE_BLOB_BYTES = 32 * 2**20  # page data kept with a trace up to this size (base64 text)


def trace_page(entry: Entry, lang: str, view: str | None = None) -> dict[str, Any]:
    """{"meta", "blob"} of a kept trace, with the live views pointed at this server."""
    live = {"trace": entry.id, "api": f"/api/traces/{entry.id}"}
    cached = entry.extras.get(("page", lang))
    if cached is None:
        cached = live_page_data(entry.trace, labels={}, live=live, lang=lang, given=given_of(entry))
        if len(cached["blob"]) <= CACHE_BLOB_BYTES:
            entry.extras[("page", lang)] = cached
    meta = dict(cached["meta"], labels=app_labels(lang))
    if view in meta["views"]:
        meta["view"] = view
    return {"meta": meta, "blob": cached["blob"], "trace_id": entry.id}


def given_of(entry: Entry) -> dict[str, Any]:
    """What was computed beside a kept trace for a view that shows it: a generation's steps (capture.py)."""
    gen = entry.extras.get("generation")
    return {} if gen is None else {"steps": gen}


def toy_page(entry: Entry, lang: str, view: str | None = None) -> dict[str, Any]:
    """A toy's page data: the playground's static views (no live ones: its maps fit a page whole)."""
    data = live_page_data(entry.trace, labels=app_labels(lang), live=None, view=view, lang=lang)
    return {**data, "trace_id": entry.id}
