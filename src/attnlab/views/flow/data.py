"""The flow tab's data: `analysis.flow.flow_to_dict` as it is, plus what the tab says in the page's language.

`tab_data(graph, lang)` adds `title` (the printout's first line: the token, the threshold, the edges kept),
`reached` (its last: the tokens that enter the routes at layer 0) and `words` (each edge kind's name).
`page_meta` gives a page file handed the graph (`PageOptions.given["flow"]`) this data, and the web app's
page what its form needs to ask the server (`server/routes_flow.py` answers with `tab_data`).
"""

from __future__ import annotations

from typing import Any

from ...analysis.flow import DEFAULT_THRESHOLD, KINDS, FlowGraph, flow_text, flow_to_dict
from ...errors import AttnlabError
from ...i18n import t
from ...trace import AttentionTrace
from ..base import PageOptions


def tab_data(graph: FlowGraph, lang: str) -> dict[str, Any]:
    """flow_to_dict(graph), the printout's title and last line, and the kinds' names in `lang`."""
    lines = flow_text(graph, lang).split("\n")
    return {**flow_to_dict(graph), "title": lines[0], "reached": lines[-1],
            "words": {kind: t(f"flow_kind_{kind}", lang) for kind in KINDS}}


def check_same_trace(graph: FlowGraph, trace: AttentionTrace, lang: str) -> None:
    """The graph must be of this trace's model and tokens (it is drawn over them)."""
    if graph.model != trace.model or graph.n_layers != trace.n_layers or list(graph.tokens) != trace.token_texts:
        raise AttnlabError(t("flow_err_other_trace", lang, model=graph.model, n=len(graph.tokens),
                             trace_model=trace.model, trace_n=trace.n_tokens))


def page_meta(trace: AttentionTrace, page: PageOptions) -> dict[str, Any]:
    """A page given the graph: {"data": tab_data}; the app's page: {"live": {lang, token, threshold}}."""
    graph = page.given.get("flow")
    if graph is None:
        return {"live": {"lang": page.lang, "token": trace.n_tokens - 1, "threshold": DEFAULT_THRESHOLD}}
    check_same_trace(graph, trace, page.lang)
    return {"data": tab_data(graph, page.lang)}
