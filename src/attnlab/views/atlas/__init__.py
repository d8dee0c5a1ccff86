"""The head census in the page: every layer x head coloured by one census score, roles outlined.

Page tab only (tab.js, grid drawn by html/js/headgrid.js, shared with the web app's
live `rowatlas`). The scores are the census's text scores (`analysis.census.text_scores`: prev_token,
self, first_token, entropy, mean_distance; definitions in docs/census.md) computed on the page's
own text, and the roles those scores earn (`analysis.roles.assign_roles`, as `attnlab heads` and the
atlas figure assign them). The probe's roles (induction, duplicate) need another forward on the
induction probe, which a page of a given trace does not run: the tab says so and names the command.
Clicking a head opens it in the heatmap (when its layer is in the page).

Cost: one census of the trace per page, N x N-free on a captured trace (measured in
docs/benchmarks.md, "Interactive pages").
"""

from __future__ import annotations

from ...trace import AttentionTrace
from ..base import View
from .data import page_meta


def applies(trace: AttentionTrace) -> bool:
    """Model traces (the toy's one layer has no census) of at least 2 tokens (a score averages q >= 1)."""
    return trace.stages is None and trace.n_tokens >= 2


VIEW = View(name="atlas", applies=applies, page_meta=page_meta, opens_first=lambda trace: False,
            needs="a model trace of at least 2 tokens (the toy has one layer)",
            labels=("atlas", "census_heads_n", "census_hint", "census_local_short", "census_measure", "census_no_role",
                    "census_not_in_page", "census_probe_note", "census_roles", "census_sink_vw", "head", "layer"))
