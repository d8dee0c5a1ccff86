"""What the interactive page's census tabs need, as numpy arrays: head atlas, rollout, value-weighted switch.

These functions are the whole Python side of three views; the page code only draws what they return
(the view registry wires them in). Arrays are fp32 numpy with the axis names of design.md.

- `census_page_data(census)`: the atlas tab, a layers x heads grid per score; clicking a head opens
  its heatmap (layer, head index the page's existing head maps).
- `rollout_page_data(trace)`: the rollout tab, the full [q_pos, k_pos] matrix when N <= DENSE_MAX,
  else the rows of chosen query positions (default: the last token).
- `value_weighted_page_data(trace)`: the "weight / value-weighted" switch of the heatmap: per layer,
  head and key, ||v_k W_O^h||, and per layer, head and query row the exact total
  S[q] = sum_k w[q, k] ||v_k W_O^h|| (fp32, from the trace's weights). The page turns its weights into
  value-weighted shares as w_page[q, k] * norm[k] / S[q] (one multiply; no second N x N map in the
  page). Because S is exact, the share's error is only the weight's, scaled: |w_page - w| <= step/2
  gives |share_page - share| <= (step[q] / 2) * norm[k] / S[q], a bound the page computes per cell.
  A total summed from the page's 8-bit weights instead would add up to N such errors (0.002 x N x
  the norms' spread): too loose to state. `value_weighted_pattern` gives the exact shares.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..trace import AttentionTrace
from .census import SCORE_NAMES, HeadCensus
from .census_text import s
from .roles import ROLE_RULES
from .rollout import DENSE_MAX, rollout, rollout_rows


def census_page_data(census: HeadCensus, lang: str = "ja") -> dict[str, Any]:
    """{model, n_layers, n_heads, scores: {name: float32 [layer, head]}, roles: [{layer, head, role,
    score}], rules: [{role, name, means, score, threshold, at_least}], probe: {length, seed} | None}."""
    return {
        "model": census.model,
        "n_layers": census.n_layers,
        "n_heads": census.n_heads,
        "scores": {n: census.scores[n].numpy().astype(np.float32) for n in SCORE_NAMES if n in census.scores},
        "roles": [{"layer": r.layer, "head": r.head, "role": r.role, "score": r.score} for r in census.roles],
        "rules": [
            {"role": r.role, "name": s("role_" + r.role, lang), "means": s("means_" + r.role, lang),
             "score": r.score, "threshold": r.threshold, "at_least": r.at_least}
            for r in ROLE_RULES
        ],
        "probe": None if census.probe is None else {"length": census.probe.length, "seed": census.probe.seed},
    }


def rollout_page_data(trace: AttentionTrace, rows: Sequence[int] | None = None, *, max_tokens: int = DENSE_MAX) -> dict:
    """{"rollout": float32 [q_pos, k_pos]} when the trace fits, else {"rows": [q], "rollout_rows":
    float32 [len(rows), k_pos]} (rows default: the last token). Each row sums to 1."""
    if rows is None and trace.n_tokens <= max_tokens:
        return {"rollout": rollout(trace, max_tokens=max_tokens).numpy()}
    rows = [trace.n_tokens - 1] if rows is None else list(rows)
    return {"rows": rows, "rollout_rows": rollout_rows(trace, rows).numpy()}


def value_weighted_page_data(trace: AttentionTrace, layers: Sequence[int] | None = None) -> dict[str, Any]:
    """{"layers": [l], "value_norms": float32 [len(layers), head, k_pos]: ||v_k W_O^h||, "row_totals":
    float32 [len(layers), head, q_pos]: sum_k w[q, k] ||v_k W_O^h||} (see the module docstring).

    Raises AttnlabError (from `value_weighted.value_norms`) when the trace has no output projection
    attnlab understands."""
    from ..trace.rows import weighted_row_sums
    from .value_weighted import value_norms

    layers = list(range(trace.n_layers)) if layers is None else list(layers)
    norms, totals = [], []
    for layer in layers:
        n = value_norms(trace, layer)  # [head, k_pos]
        norms.append(n.cpu().numpy())
        totals.append(weighted_row_sums(trace, layer, n).cpu().numpy())  # [head, q_pos], no N x N
    return {"layers": layers, "value_norms": np.stack(norms).astype(np.float32),
            "row_totals": np.stack(totals).astype(np.float32)}
