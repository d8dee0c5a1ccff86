"""The head view: tokens in two columns with a line per (query, key), one colour per head.

Page tab only (tab.js), drawn from the core weight maps every page has.
"""

from __future__ import annotations

from ..base import View

VIEW = View(name="headview", applies=lambda trace: True,
            labels=("clear", "head", "head_hint", "layer", "min_line", "selected_sum", "too_many_tokens"))
