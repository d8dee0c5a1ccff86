"""Page data for the web app: what a page file inlines (`encode_trace`'s meta and blob), served as
JSON so that the app draws a trace with the same JS modules as the page files, plus its live views.

A trace whose weight maps all fit a page (`layers.MAX_CELLS`) carries them, as a page file does. A
longer one is a remote page (`encode_trace(weights=False)`): every view is still there, for every
layer, but the data holds no weight map; each view asks the server for what it shows when it shows
it (one map, a layer's pooled maps, one layer's explanation: `html/remote.py`, the routes of
`server/routes_traces.py`), so every tab works at any length the server can compute.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..trace import AttentionTrace
from ..views import PageOptions, page_views
from .encode import encode_trace
from .layers import PageTooLargeError, most_layers, plan_layers

LEVEL = 1  # zlib level: 9 took ~40 ms a toy edit at 64 tokens, 1 a few ms, for a blob ~10 % larger


def fits_page(trace: AttentionTrace) -> bool:
    """Whether every layer's maps fit one page (else the app's page is remote)."""
    return most_layers(trace.n_tokens, trace.n_heads) >= trace.n_layers


def live_page_data(trace: AttentionTrace, *, labels: dict[str, str], live: dict[str, Any] | None = None,
                   view: str | None = None, lang: str = "ja", given: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """{"meta": ..., "blob": ...} as a page file holds them (meta with `labels`, the first `view`, and
    `live`: how the live views and a remote page reach the server, e.g. {"trace": id, "api":
    "/api/traces/<id>"}); `lang`: the language of the texts the tabs carry (the explanation); `given`: what was
    computed beside the trace for a view (`PageOptions.given`: a generation's steps)."""
    given = dict(given or {})
    views = page_views(trace, live=live is not None, given=given)
    static = [v for v in views if not v.live]
    remote = live is not None and not fits_page(trace)
    data = encode_trace(trace, views=static, level=LEVEL, lang=lang, weights=not remote, given=given)
    meta = data.meta
    names = [v.name for v in views]
    opening = [v.name for v in views if v.opens_first(trace)] or names
    first = view if view in names else opening[0]
    page = PageOptions(lang=lang, layers=tuple(meta["layers"]), focus=(meta["focus"][0], meta["focus"][1]),
                       remote=remote, given=given)
    view_meta = dict(meta["view_meta"])  # the live views' own (no arrays: they read from the server)
    for v in views:
        extra = v.page_meta(trace, page) if v.live else None
        if extra is not None:
            view_meta[v.name] = extra
    meta = dict(meta, views=names, view_meta=view_meta, labels=labels, view=first, live=live, fits=not remote,
                download=download_plan(trace))
    return {"meta": meta, "blob": data.blob_b64}


def download_plan(trace: AttentionTrace) -> dict[str, Any]:
    """What a page file of `trace` holds by default: {"layers": [...] (empty: not one layer fits), "most":
    how many layers fit}; the app offers the download with a control to choose others."""
    try:
        plan = plan_layers(trace.n_tokens, trace.n_layers, trace.n_heads)
    except PageTooLargeError:
        return {"layers": [], "most": 0}
    return {"layers": list(plan.layers), "most": plan.most}
