"""The head atlas: every layer x head as one cell coloured by a row statistic (web app only: live).

Page tab (tab.js): the mean over query rows of one of the trace's row statistics (`rowstats`: entropy
relative to uniform, weight on the first token, mean distance, max weight; `analysis.atlas`), read
from the server (`/api/traces/<id>/stats`, streamed, so it works at any length); clicking a head
opens it in the deep zoom. The grid itself is html/js/headgrid.js, shared with the page files'
census tab (`atlas`). Which statistics the tab offers, their words and colour ranges: `page_meta`.
"""

from __future__ import annotations

from typing import Any

from ...analysis.atlas import ATLAS_STATS
from ...i18n import t
from ...trace import AttentionTrace
from ..base import PageOptions, View

# the statistics the tab offers, in ATLAS_STATS's order: the raw entropy is offered as its ratio to the
# uniform row's (one 0..1 scale for rows of every length)
SHOWN = tuple(n for n in ATLAS_STATS if n != "entropy")
SHARES = ("entropy_ratio", "first_weight", "max_weight")  # on 0..1; the rest from 0 to their largest value


def page_meta(trace: AttentionTrace, page: PageOptions) -> dict[str, Any]:
    """{stats: [{name, label, range: [0, 1] | null}]}: the statistics, in the page's language."""
    return {"stats": [{"name": n, "label": t(f"stat_{n}", page.lang), "range": [0, 1] if n in SHARES else None}
                      for n in SHOWN]}


VIEW = View(name="rowatlas", applies=lambda trace: trace.stages is None, live=True, page_meta=page_meta,
            needs="a model trace (several layers and heads)",
            labels=("atlas_hint", "rowatlas", "computing", "head", "layer", "loading", "state_queued", "state_running",
                    "statistic", "tokens"))
