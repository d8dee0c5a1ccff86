"""Head effects beside attention: what editing each head does to the prediction, next to where it looks.

Page tab only (tab.js; the grid is html/js/headgrid.js, as the census atlas's): the layers x heads grid
coloured by one method's effect (a method switch over those computed: zero and mean ablation,
attribution patching, DLA, activation patching; the signed colour map centred on 0), the heads of a
chosen census role outlined; a scatter of "attention to X" (first token, previous token) against the
effect, one dot per head (scatter.js); the printout's target, readings and caveats; and a sortable
table of every head (table.js) under the Spearman correlations. Clicking a head anywhere opens it in the
heatmap (when its layer is in the page). The data: `data.tab_data` (docs/effects.md, "The page tab").

The effects are not part of the trace: they come beside it. A page file shows the tab when it is given
them (`render_page(trace, effects=...)`, `attnlab effects TEXT --html`, `attnlab.show(effects)`:
`PageOptions.given["effects"]`); the web app shows it on every text trace (live) and asks its server
to compute them (`server/routes_effects.py`: the model worker, with progress), then draws the same tab.
"""

from __future__ import annotations

from ...trace import AttentionTrace
from ..base import View
from .data import page_meta


def applies(trace: AttentionTrace) -> bool:
    """Model traces (a toy has no model to edit) of at least 2 tokens (the census reads q >= 1)."""
    return trace.stages is None and trace.n_tokens >= 2


VIEW = View(name="effects", applies=applies, live=True, page_meta=page_meta, opens_first=lambda trace: False,
            needs="a model trace of at least 2 tokens and its head effects (render_page(trace, effects=...), "
                  "attnlab effects TEXT --html, or the web app)",
            labels=("census_no_role", "census_not_in_page", "census_roles", "computing", "effects", "effects_compute",
                    "effects_compute_hint", "effects_corrupt_input", "effects_hint", "effects_method",
                    "effects_methods_pick", "effects_outline", "effects_outline_none", "effects_progress",
                    "effects_rho", "effects_rho_attention", "effects_rho_pair", "effects_scatter_hint",
                    "effects_scatter_label", "effects_scatter_pick", "effects_scatter_x", "effects_sort_abs",
                    "effects_table", "effects_table_hint", "effects_target_input", "effects_title_caveats",
                    "effects_title_readings", "head", "layer", "map_role", "state_loading", "state_queued"))
