"""The deep zoom: one head of a long input browsed like a map viewer (web app only: a live view).

Page tab (tab.js): a pooled overview of the whole head (max-pooling by default,
which keeps a sparse diagonal visible; mean selectable), then full-resolution tiles as the reader
zooms in, each fetched from the server (`/api/traces/<id>/overview`, `/api/traces/<id>/tile`) and
computed there from q, k and each row's log-sum-exp (`analysis.zoom`), never as N x N. Hover shows
query, key, weight and score, as on the static pages; a click on a cell, or Enter on the keyboard's
cursor, opens the heatmap's "why this score" panel (views/heatmap/whypanel.js), which asks the server.
"""

from __future__ import annotations

from ..base import View

VIEW = View(name="deepzoom", applies=lambda trace: trace.stages is None, live=True,
            needs="a model trace (the toy's maps fit its page whole)",
            labels=("head", "hover_hint", "key", "layer", "loading", "masked", "pool", "pool_max", "pool_mean",
                    "query", "reset", "scale", "scale_linear", "scale_log", "score", "weight", "zoom_hint", "zoom_in",
                    "zoom_out", "zoom_overview", "zoom_precision"))
