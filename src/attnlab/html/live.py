"""Page data for the web app: what a page file inlines (`encode_trace`'s meta and blob), served as
JSON so that the app draws a trace with the same JS modules as the page files, plus its live views.

A trace whose weight maps fit a page (`encode.MAX_CELLS`) gets every static view (pipeline, heatmap,
head view, model view) and the live ones (deep zoom, head atlas); a longer one gets the live views
only, with no weight arrays: those read tiles and statistics from the server instead.
"""

from __future__ import annotations

import base64
import zlib
from typing import Any

from ..trace import AttentionTrace
from ..views import PageOptions, page_views
from .encode import PageTooLargeError, encode_trace, trace_meta

LEVEL = 1  # zlib level: 9 took ~40 ms a toy edit at 64 tokens, 1 a few ms, for a blob ~10 % larger
EMPTY_BLOB = base64.b64encode(zlib.compress(b"", 9)).decode("ascii")  # what core.js inflates to no arrays


def live_page_data(trace: AttentionTrace, *, labels: dict[str, str], live: dict[str, Any] | None = None,
                   view: str | None = None, lang: str = "ja") -> dict[str, Any]:
    """{"meta": ..., "blob": ...} as a page file holds them (meta with `labels`, the first `view`, and
    `live`: how the live views reach the server, e.g. {"trace": id, "api": "/api/traces/<id>"});
    `lang`: the language of the texts the tabs carry (the explanation)."""
    views = page_views(trace, live=live is not None)
    static = [v for v in views if not v.live]
    try:
        data = encode_trace(trace, views=static, level=LEVEL, lang=lang)
        meta, blob, names = data.meta, data.blob_b64, [v.name for v in views]
    except PageTooLargeError:
        names = [v.name for v in views if v.live]
        meta, blob = shell_meta(trace), EMPTY_BLOB
    if not names:
        raise PageTooLargeError(f"{trace.n_tokens} tokens are too many for one page of {trace.model}, and no live "
                                "view applies to it")
    opening = [v.name for v in views if v.name in names and v.opens_first(trace)] or names
    first = view if view in names else opening[0]
    page = PageOptions(lang=lang, layers=tuple(meta["layers"]), focus=(meta["focus"][0], meta["focus"][1]))
    view_meta = dict(meta["view_meta"])  # the live views' own (no arrays: they read from the server)
    for v in views:
        extra = v.page_meta(trace, page) if v.live and v.name in names else None
        if extra is not None:
            view_meta[v.name] = extra
    meta = dict(meta, views=names, view_meta=view_meta, labels=labels, view=first, live=live,
                fits=bool(meta["arrays"]))
    return {"meta": meta, "blob": blob}


def shell_meta(trace: AttentionTrace) -> dict[str, Any]:
    """The keys of `encode_trace`'s meta without any weight array (every layer listed)."""
    return dict(trace_meta(trace, list(range(trace.n_layers))), has_scores=False, has_stages=False, views=[],
                view_meta={}, focus=[0, 0], arrays={})
