"""Information-flow routes (analysis/flow.py, docs/flow.md) as a page tab: the pruned graph of one token.

Page tab only (tab.js; the SVG drawing is graph.js): layers go up, tokens across; each kept edge is a line
whose width and opacity grow with its importance, its kind told by its dash as well as its colour
(attention solid, the residual stream dashed, the feed-forward block dotted); the attention edges are
listed under the graph, layer by layer, with the heads that carry them as buttons that open the head in
the heatmap (when its layer is in the page). The threshold is stated above the graph.

The graph is not part of the trace: it needs the residual streams (`run_text(..., streams=True)`). A page
file shows the tab when it is given one (`render_page(trace, flow=graph)`, `attnlab flow TEXT --html`:
`PageOptions.given["flow"]`); the web app shows it on model text traces (live) and asks its server
(`server/routes_flow.py`: the text run again with streams in the model worker), then draws the same tab.
"""

from __future__ import annotations

from ...trace import AttentionTrace
from ..base import View
from .data import page_meta


def applies(trace: AttentionTrace) -> bool:
    """Model traces that keep their values and output projections (the flow reads them; a toy has no
    residual stream)."""
    return trace.stages is None and trace.keeps_values


VIEW = View(name="flow", applies=applies, live=True, page_meta=page_meta, opens_first=lambda trace: False,
            needs="a model trace that keeps its values, and its flow graph (render_page(trace, flow=...), "
                  "attnlab flow TEXT --html, or the web app)",
            labels=("census_not_in_page", "computing", "flow_compute", "flow_compute_hint", "flow_edges", "flow_figure",
                    "flow_hint", "flow_none", "flow_threshold_input", "flow_token_input", "head", "layer",
                    "state_loading", "state_queued"))
