"""The value-weighted switch's page data: per layer, head and key ||v_k W_O^h||, and per layer, head
and query row the exact total S[q] = sum_k w[q, k] ||v_k W_O^h|| (fp32, from the trace's weights).

The page turns its weights into value-weighted shares as w_page[q, k] * norm[k] / S[q] (one
multiply; no second N x N map in the page). Because S is exact, the share's error is only the
weight's, scaled: |w_page - w| <= step/2 gives |share_page - share| <= (step[q] / 2) * norm[k] / S[q],
a bound the page computes per cell (valueweighted.js). A total summed from the page's 8-bit weights
instead would add up to N such errors (0.002 x N x the norms' spread): too loose to state.
`analysis.value_weighted.value_weighted_pattern` gives the exact shares.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ...trace import AttentionTrace


def value_weighted_page_data(trace: AttentionTrace, layers: Sequence[int] | None = None) -> dict[str, Any]:
    """{"layers": [l], "value_norms": float32 [len(layers), head, k_pos]: ||v_k W_O^h||, "row_totals":
    float32 [len(layers), head, q_pos]: sum_k w[q, k] ||v_k W_O^h||} (see the module docstring).

    Raises AttnlabError (from `value_weighted.value_norms`) when the trace has no output projection
    attnlab understands."""
    from ...analysis.value_weighted import value_norms
    from ...trace.rows import weighted_row_sums

    layers = list(range(trace.n_layers)) if layers is None else list(layers)
    norms, totals = [], []
    for layer in layers:
        n = value_norms(trace, layer)  # [head, k_pos]
        norms.append(n.cpu().numpy())
        totals.append(weighted_row_sums(trace, layer, n).cpu().numpy())  # [head, q_pos], no N x N
    return {"layers": layers, "value_norms": np.stack(norms).astype(np.float32),
            "row_totals": np.stack(totals).astype(np.float32)}
