"""Small statistics of head effects: ranks and Spearman's rho (no scipy needed)."""

from __future__ import annotations

import math

import torch


def ranks(x: torch.Tensor) -> torch.Tensor:
    """[n] -> [n] float64 ranks 1 .. n, ties given the mean of the ranks they share."""
    x = x.double().flatten()
    order = torch.argsort(x, stable=True)
    sorted_x = x[order]
    r = torch.empty_like(x)
    i, n = 0, len(x)
    while i < n:
        j = i
        while j + 1 < n and sorted_x[j + 1] == sorted_x[i]:
            j += 1
        r[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return r


def spearman(a: torch.Tensor, b: torch.Tensor) -> float:
    """Spearman's rank correlation of two [n] tensors (Pearson's r of their ranks); NaN when either is constant."""
    ra, rb = ranks(a), ranks(b)
    ra, rb = ra - ra.mean(), rb - rb.mean()
    denominator = float(ra.norm() * rb.norm())
    return float((ra * rb).sum()) / denominator if denominator > 0 else math.nan
