"""One key tile of the streamed row statistics as a pure function, for `torch.compile`.

The eager path in `stats._Running.add` makes about ten passes over each [head, rows, keys] score
tile (mask, max, subtract, exp, three reductions, ...): on a GPU that is memory traffic, and it
measured 3.0 s for all 30 x 9 heads of SmolLM2 at 32,768 tokens on an H200. Written as one pure
function, inductor fuses the mask and max into one kernel and the exp and the three sums into
another, so the tile is read about twice. Same math and state as `_Running` (see `stats`'s
module docstring); the tests check both paths against `full_row_stats`.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import torch


def fold_tile(
    s: torch.Tensor,  # [head, rows, keys] scaled scores of keys k_idx
    k_idx: torch.Tensor,  # [keys] fp32 absolute key positions
    key_ok: torch.Tensor,  # [keys] bool, False = padding
    q_abs: torch.Tensor,  # [rows] fp32 absolute query positions
    mx: torch.Tensor,  # [head, rows] running max
    den: torch.Tensor,  # [head, rows] sum e^(s - m)
    ent: torch.Tensor,  # [head, rows] sum e^(s - m) (s - m)
    dist: torch.Tensor,  # [head, rows] sum e^(s - m) |i - k|
    arg: torch.Tensor,  # [head, rows] int64 k_pos of the running max
    causal: bool,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The running sums after folding in one tile: (mx, den, ent, dist, arg)."""
    vis = key_ok.unsqueeze(0)  # [1, keys]
    if causal:
        vis = vis & (k_idx.unsqueeze(0) <= q_abs.unsqueeze(1))  # [rows, keys]
    s = torch.where(vis, s, -math.inf)
    tile_max, tile_arg = s.max(dim=-1)
    m_new = torch.maximum(mx, tile_max)
    arg = torch.where(tile_max > mx, tile_arg + k_idx[0].long(), arg)  # first index wins ties
    m_safe = torch.where(torch.isinf(m_new), 0.0, m_new)
    alpha = torch.exp(mx - m_safe)
    shift = torch.where(torch.isinf(mx), 0.0, mx - m_safe)
    z = s - m_safe.unsqueeze(-1)
    e = torch.exp(z)  # 0 where hidden
    z = torch.where(vis, z, 0.0)  # e * z is 0 there, not 0 * -inf
    far = (q_abs.unsqueeze(1) - k_idx.unsqueeze(0)).abs()  # [rows, keys]
    ent = alpha * (ent + shift * den) + (e * z).sum(-1)
    dist = alpha * dist + (e * far).sum(-1)
    den = alpha * den + e.sum(-1)
    return m_new, den, ent, dist, arg


@cache
def compiled_fold() -> Any:
    """fold_tile compiled once per process (dynamic shapes: edge tiles differ in size)."""
    return torch.compile(fold_tile, dynamic=True)
