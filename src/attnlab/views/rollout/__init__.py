"""Attention rollout in the page (Abnar & Zuidema 2020): the whole matrix, and where a token draws from.

Page tab only (tab.js, on html/js/matrix.js's zoomable map): the rollout matrix
[q_pos, k_pos] of `analysis.rollout.rollout` (every layer's head mean mixed with the identity, rows
renormalised, multiplied from the first layer up) on a log colour scale (on SmolLM2 the rollout puts
0.9999 on token 0 and 1e-5 .. 1e-8 elsewhere: a linear scale would show one column), a hover with
query, key and value, and the top sources of the last token (or of a query row the reader picks).

The values travel as fp32, exactly as `rollout` returns them. The full matrix costs one N x N map
per layer and an N^3 product per layer, so the page carries it up to `MAX_TOKENS` (the CLI's figure
stops there too): measured on the 2-core CPU of docs/benchmarks.md, SmolLM2's 30 layers take 0.6 s
at 256 tokens, 2.9 s at 512 and 11.4 s at 1,024 (machine shared, load ~5.5). Longer traces get rows
instead (`rollout_rows`: one streamed pass per layer, no N x N): a page file the last token's row,
the app any row the reader picks (`/api/traces/<id>/rollout-row`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...analysis.rollout import DENSE_MAX, rollout, rollout_rows
from ...trace import AttentionTrace
from ..base import PageOptions, View

MAX_TOKENS = 512  # longest trace whose page carries the rollout (N^3 per layer, see the docstring)


def applies(trace: AttentionTrace) -> bool:
    """Model traces (the toy has one layer: its rollout is just A_hat) of 2 tokens or more."""
    return trace.stages is None and trace.n_tokens >= 2


def page_arrays(trace: AttentionTrace, page: PageOptions) -> dict[str, np.ndarray]:
    """{"rollout": fp32 [q_pos, k_pos]} up to MAX_TOKENS (every layer, whatever layers the page holds);
    beyond, {"rollout_rows": fp32 [1, k_pos]}, the last token's row (a remote page: nothing, the tab asks)."""
    if trace.n_tokens > MAX_TOKENS and page.remote:
        return {}
    data = rollout_page_data(trace, max_tokens=MAX_TOKENS)
    return {"rollout": data["rollout"]} if "rollout" in data else {"rollout_rows": data["rollout_rows"]}


def page_meta(trace: AttentionTrace, page: PageOptions) -> dict:
    """{"full": the whole matrix travels, "row": the row the tab opens on (the last token)}."""
    return {"full": trace.n_tokens <= MAX_TOKENS, "row": trace.n_tokens - 1}


def rollout_page_data(trace: AttentionTrace, rows: Sequence[int] | None = None, *,
                      max_tokens: int = DENSE_MAX) -> dict:
    """{"rollout": float32 [q_pos, k_pos]} when the trace fits, else {"rows": [q], "rollout_rows":
    float32 [len(rows), k_pos]} (rows default: the last token). Each row sums to 1."""
    if rows is None and trace.n_tokens <= max_tokens:
        return {"rollout": rollout(trace, max_tokens=max_tokens).numpy()}
    rows = [trace.n_tokens - 1] if rows is None else list(rows)
    return {"rows": rows, "rollout_rows": rollout_rows(trace, rows).numpy()}


VIEW = View(name="rollout", applies=applies, page_arrays=page_arrays, page_meta=page_meta,
            opens_first=lambda trace: False, needs="a model trace of 2 tokens or more (the toy has one layer)",
            labels=("key", "masked", "query", "reset", "rollout", "rollout_hint", "rollout_precision",
                    "rollout_row", "rollout_top_row", "zoom_in", "zoom_out"))
