"""Traces to plain JSON-ready data: every tensor-to-list conversion of the project lives here.

JSON has no infinity: a masked score (-inf) is written as null. Each float is written as the
shortest decimal that reads back as the same fp32 value (0.3, not 0.30000001192092896).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import torch

if TYPE_CHECKING:
    from .toy import ToyTrace


def tensor_to_list(t: torch.Tensor) -> Any:
    """Nested lists of floats; non-finite values (masked scores) become None."""

    a = t.detach().to(torch.float32).cpu().numpy()
    flat = [float(str(v)) if math.isfinite(v) else None for v in a.ravel()]  # str: shortest fp32 repr
    for size in reversed(a.shape[1:]):
        flat = [flat[i : i + size] for i in range(0, len(flat), size)]
    return flat if a.ndim else flat[0]


def toy_trace_to_dict(trace: ToyTrace) -> dict[str, Any]:
    """design.md's keys: tokens, x, W_Q, W_K, W_V, Q, K, V, scores, weights, output.

    With one head the per-head arrays drop their head axis ([q_pos, ...], as in the tutorial);
    with several they keep it ([head, q_pos, ...]) and `weights_mean` is added.
    """
    spec = trace.spec
    squeeze = spec.heads == 1

    def per_head(t: torch.Tensor) -> Any:
        return tensor_to_list(t[0] if squeeze else t)

    out: dict[str, Any] = {
        "tokens": list(spec.tokens),
        "d_model": spec.d_model,
        "heads": spec.heads,
        "d_head": spec.d_head,
        "seed": spec.seed,
        "temperature": spec.temperature,
        "causal": spec.causal,
        "x": tensor_to_list(trace.x),
        "W_Q": tensor_to_list(trace.W_Q),
        "W_K": tensor_to_list(trace.W_K),
        "W_V": tensor_to_list(trace.W_V),
        "Q": per_head(trace.Q),
        "K": per_head(trace.K),
        "V": per_head(trace.V),
        "scores": per_head(trace.scores),
        "weights": per_head(trace.weights),
        "output": tensor_to_list(trace.output),
    }
    if not squeeze:
        out["weights_mean"] = tensor_to_list(trace.weights_mean)
    return out
