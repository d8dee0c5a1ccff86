"""Tensors to JSON-ready lists: the one tensor-to-number conversion of the project.

JSON has no infinity: a masked score (-inf) is written as null. Each float is written as the
shortest decimal that reads back as the same fp32 value (0.3, not 0.30000001192092896).
"""

from __future__ import annotations

import math
from typing import Any

import torch


def tensor_to_list(t: torch.Tensor) -> Any:
    """Nested lists of floats; non-finite values (masked scores) become None."""
    a = t.detach().to(torch.float32).cpu().numpy()
    flat = [float(str(v)) if math.isfinite(v) else None for v in a.ravel()]  # str: shortest fp32 repr
    for size in reversed(a.shape[1:]):
        flat = [flat[i : i + size] for i in range(0, len(flat), size)]
    return flat if a.ndim else flat[0]
