"""Pooling one head's weights into cell x cell blocks (the deep zoom's overview), written once.

A pooled cell covers `cell x cell` weights: their max (default: a sparse pattern such as a
previous-token diagonal keeps its full value) or their mean. Blocks at the bottom and right edges
may be partial: a mean counts only the cells that exist (`cell_counts`); hidden cells are weight 0.
"""

from __future__ import annotations

import torch

POOL_MODES = ("max", "mean")


def pool_block(w: torch.Tensor, cell: int, mode: str) -> torch.Tensor:
    """[ceil(r / cell), ceil(c / cell)]: the max, or the sum, of each cell x cell block of w [r, c]
    (`mode` "mean" sums here; the caller divides by `cell_counts` over the whole range)."""
    r, c = w.shape
    n_r, n_c = -(-r // cell), -(-c // cell)
    if r % cell or c % cell:  # pad to whole cells with zeros (no weight): edges only
        w = torch.nn.functional.pad(w, (0, n_c * cell - c, 0, n_r * cell - r))
    blocks = w.reshape(n_r, cell, n_c, cell)
    return blocks.amax(dim=(1, 3)) if mode == "max" else blocks.sum(dim=(1, 3))


def cell_counts(r0: int, r1: int, c0: int, c1: int, cell: int) -> torch.Tensor:
    """[out_rows, out_cols]: how many weights each pooled cell covers (fewer at the bottom and right edges)."""
    rs = torch.arange(r0, r1, cell)
    cs = torch.arange(c0, c1, cell)
    nr = (torch.clamp(rs + cell, max=r1) - rs).float()
    nc = (torch.clamp(cs + cell, max=c1) - cs).float()
    return nr.unsqueeze(1) * nc.unsqueeze(0)
