"""The head atlas's numbers: each head's row statistics averaged over its query rows.

`rowstats.RowStats` gives, per layer, head and query row, the row's max weight, entropy, weight on
the first token and mean distance (streamed, exact for every mask the trace applies). The atlas
colours a layer x head grid by one of them, so it needs one number per head: the mean over the
rows that see at least one key (a row that sees none is NaN and is left out). The entropy is also
given relative to the uniform row's, log(keys visible), so that heads of long and short inputs, and
early and late rows of a causal model, compare on one 0..1 scale.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from ..jsonable import tensor_to_list
from ..rowstats import RowStats

ATLAS_STATS = ("entropy_ratio", "first_weight", "mean_distance", "max_weight", "entropy")


def head_means(stats: RowStats, *, causal: bool) -> dict[str, Any]:
    """{name: [layer][head]} means over query rows of each statistic in ATLAS_STATS (JSON-ready)."""
    n_layers, n_heads, n = stats.shape
    visible = torch.arange(1, n + 1, dtype=torch.float32) if causal else torch.full((n,), float(n))
    log_n = torch.log(visible).clamp_min(1e-12)  # rows that see one key have entropy 0: ratio 0
    ratio = torch.where(visible > 1, stats.entropy / log_n, torch.zeros_like(stats.entropy))
    values = {"entropy_ratio": ratio, "first_weight": stats.first_weight, "mean_distance": stats.mean_distance,
              "max_weight": stats.max_weight, "entropy": stats.entropy}
    out: dict[str, Any] = {"shape": [n_layers, n_heads], "n_tokens": n, "log_n": math.log(n) if n > 1 else 0.0}
    for name in ATLAS_STATS:
        out[name] = tensor_to_list(values[name].nanmean(dim=-1))  # [layer, head]
    return out
