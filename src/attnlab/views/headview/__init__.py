"""The head view: tokens in two columns with a line per (query, key), one colour per head.

Page tab only (tab.js), drawn from the core weight maps every page has (a remote page of the app: the
layer's maps from the server). Beyond 1,024 tokens a row is a group of consecutive tokens.

Its way into the heatmap's "why this score" panel (whykeys.js: one query token selected, one head shown,
a key token clicked) travels with the heatmap's carried cells (the array `why`) as the panel does, so a
page without them (a notebook's) carries neither.
"""

from __future__ import annotations

from ..base import DataModule, View

VIEW = View(name="headview", applies=lambda trace: True, paired=True,
            labels=("clear", "head", "head_hint", "hv_grouped", "layer", "min_line", "query",
                    "selected_sum"),
            data_modules=(DataModule("whykeys", "why", labels=("key", "why_hv_grouped", "why_hv_hint",
                                                              "why_hv_one_head", "why_hv_one_query")),))
