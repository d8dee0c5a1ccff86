"""The row sums of `trace.rows` in one fused CPU pass per tile, when numba is installed (the `models` extra).

`rows.row_entropy_distance` needs, per row, sum e, sum e z, sum e |q - k| and max z over the layer's tiles
(z = s - lse, e = exp(z)). torch makes about eight passes over each tile for them; `rowstats._numba_fold`
makes one while the tile is in cache (measured in docs/benchmarks.md, "Head census"). The scores themselves
still come from torch's matmul (MKL: numba's own dot products measured 4 to 14 times slower):

- a layer whose logits are plain scale * q . k, causal or not (`AttentionTrace.mask_kind`): the tiles are
  computed here straight from `qkv(layer)` into one reused buffer (`baddbmm`, the same formula as
  `QKTrace._tile_scores`), and the kernel stops each row at its diagonal, so no tile is masked or allocated;
- any other layer: the tiles of `score_tiles` (the one masked-score routine), whose hidden cells add 0.

`fused_row_sums` returns None where the torch path in `rows` must run instead: numba missing, a trace too
small for the kernel to pay for itself (importing numba and loading the cached kernel takes about 0.6 s of
CPU once per process, 1-1.5 s on a loaded machine; the first run on a machine compiles it, several seconds),
a tensor off the CPU, or a result that is not finite (the torch path then gives its own NaN or inf). Which
path runs depends only on the trace, so a result does not depend on what ran before in the process.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import torch

from .base import QKV, AttentionTrace

MIN_CELLS = 2**28  # score cells (layers x heads x N^2 / 2) from which the fused pass is used (SmolLM2: 1,400
# tokens): where one pass over the trace saves about the kernel's load (0.47 s CPU measured, docs/benchmarks.md).
Sums = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]  # den, ent, dist, top: [head, q_pos] each


@cache
def _kernel() -> Callable[..., None] | None:
    """`rowstats._numba_fold.fold_tile`, compiled (or loaded from numba's cache) on a small tile; None when
    numba is not installed or cannot compile here (the torch path is exact, only slower)."""
    try:
        from ..rowstats._numba_fold import fold_tile

        den, ent, dist, top = (np.zeros((1, 2), np.float32) for _ in range(4))
        fold_tile(np.zeros((1, 2, 2), np.float32), 0, 0, True, den, ent, dist, top)
    except Exception:  # ImportError, or numba's own errors on a platform it does not support
        return None
    return fold_tile


def fused_row_sums(trace: AttentionTrace, layer: int, rows: int, keys: int) -> Sums | None:
    """(den, ent, dist, top) as `rows._row_entropy_distance` defines them, or None (see the module docstring)."""
    if trace.n_layers * trace.n_heads * trace.n_tokens**2 // 2 < MIN_CELLS:
        return None
    fold = _kernel()
    lse = trace.lse(layer)  # [head, q_pos]
    if fold is None or lse.device.type != "cpu":
        return None
    n_heads, n = lse.shape
    den, ent, dist = (torch.zeros(n_heads, n) for _ in range(3))
    top = torch.full((n_heads, n), -math.inf)
    out = [t.numpy() for t in (den, ent, dist, top)]
    threads = torch.get_num_threads()
    kind = trace.mask_kind(layer)
    if kind in ("none", "causal"):
        qkv = trace.qkv(layer)
        if qkv.q.device.type != "cpu":
            return None
        _plain_tiles(qkv, lse, kind == "causal", rows, keys, lambda *a: fold(*a, *out, threads))
    else:
        for q0, k0, z, _ in trace.score_tiles(layer, rows=rows, keys=keys, minus=lse):
            fold(z.float().contiguous().numpy(), q0, k0, False, *out, threads)
    if not (bool(torch.isfinite(ent).all()) and bool((top < 80).all())):
        return None  # non-finite inputs (or an lse far from the scores): the torch path says what they give
    return den, ent, dist, top


def _plain_tiles(qkv: QKV, lse: torch.Tensor, causal: bool, rows: int, keys: int,
                 fold: Callable[[Any, int, int, bool], None]) -> None:
    """Hand fold every tile z = scale * q k^T - lse of a layer without added terms ([head, rows, keys] fp32
    numpy, one buffer reused), with a flag saying whether some of its keys lie after a row's diagonal."""
    n_heads, n, d_head = qkv.q.shape
    n_kv = qkv.k.shape[0]
    group = n_heads // n_kv
    q = qkv.q.float().contiguous().view(n_kv, group, n, d_head)  # heads of one kv group share a matmul
    k_t = qkv.k.float().transpose(1, 2)  # [kv_head, d_head, k_pos]
    minus = (-lse.float()).view(n_kv, group, n)
    buf = torch.empty(n_heads * min(rows, n) * min(keys, n))
    for q0 in range(0, n, rows):
        q1 = min(q0 + rows, n)
        block = q[:, :, q0:q1].reshape(n_kv, group * (q1 - q0), d_head)
        shift = minus[:, :, q0:q1].reshape(n_kv, group * (q1 - q0), 1)
        stop = q1 if causal else n
        for k0 in range(0, stop, keys):
            k1 = min(k0 + keys, stop)
            z = buf[: n_heads * (q1 - q0) * (k1 - k0)].view(n_kv, group * (q1 - q0), k1 - k0)
            torch.baddbmm(shift, block, k_t[:, :, k0:k1], alpha=qkv.scale, out=z)
            fold(z.view(n_heads, q1 - q0, k1 - k0).numpy(), q0, k0, causal and k1 - 1 > q0)
