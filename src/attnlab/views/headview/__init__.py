"""The head view: tokens in two columns with a line per (query, key), one colour per head.

Page tab only (tab.js), drawn from the core weight maps every page has (a remote page of the app: the
layer's maps from the server). Beyond 1,024 tokens a row is a group of consecutive tokens.
"""

from __future__ import annotations

from ..base import View

VIEW = View(name="headview", applies=lambda trace: True, paired=True,
            labels=("clear", "head", "head_hint", "hv_grouped", "layer", "min_line", "query",
                    "selected_sum"))
