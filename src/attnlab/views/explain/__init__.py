"""読み取れること in the page: the explanation computed from the trace, next to its pictures.

Page tab only (tab.js). A toy page carries its whole explanation (the one
`print(trace)` ends with); a model page carries the reading of every head and head mean of the
layers it holds (`analysis.readings`), and the tab shows the one the heatmap has selected (a remote
page of the app, whose trace is too long for one page, asks the server for one layer's readings when
the tab shows that layer: each needs the layer's every map). The texts
are computed in Python in the page's language; the pipeline tab's in-page edits do not change them,
and the tab says so once the pipeline has been edited.
"""

from __future__ import annotations

from typing import Any

from ...trace import AttentionTrace
from ..base import PageOptions, View


def page_meta(trace: AttentionTrace, page: PageOptions) -> dict[str, Any]:
    from ...analysis.readings import overview, read_layer, reading_text
    from ...reporting import explain

    if trace.stages is not None:
        return {"source": "toy", "text": explain(trace, page.lang)}
    if page.remote:
        return {"source": "model", "deferred": "layer"}  # the tab asks for {texts: [[...]], overview} a layer at a time
    texts = [[reading_text(trace, r, page.lang) for r in read_layer(trace, layer)] for layer in page.layers]
    return {"source": "model", "texts": texts, "overview": overview(trace, page.lang)}


VIEW = View(name="explain", applies=lambda trace: True, page_meta=page_meta,
            labels=("explain_stale", "head", "layer"))
