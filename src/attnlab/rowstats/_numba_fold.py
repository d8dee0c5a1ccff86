"""The row sums of one score tile in a single pass, compiled by numba (imported only when numba is installed).

For a tile z[head, rows, keys] = s - lse (a weight is e = exp(z)) it adds, per row, in fp32:

    den += sum_k e        ent -= sum_k e z        dist += sum_k e |q - k|        top = max(top, max_k z)

which torch does as about eight passes over the tile (exp, max, sum, two products and their sums); here the
tile is read once while it is in cache. exp is Cephes' expf (a degree-7 polynomial after a Cody-Waite range
reduction, error under 1.5 ulp, measured 8.1e-8 relative), written out in plain arithmetic so that LLVM
vectorizes it (numba's own exp is a scalar libm call). Everything is IEEE arithmetic with fastmath off: no
reassociation, no fused multiply-add, so the result does not depend on the CPU's vector width. Each row's
sums are kept in LANES partial sums (lane j takes keys j, j + LANES, ...: the vectorized dimension) and
added up in a fixed order at the end of the row.

Hidden cells (-inf, from any mask) add 0 to every sum, and a NaN score makes its row's `ent` NaN (the
caller checks); `causal` stops each row at its diagonal instead, for tiles computed without the mask.
`fold_tile` runs in the calling thread, or splits the rows among worker threads when asked for more than
one (the kernel releases the GIL). Not numba's `parallel=True`: its threading layer here is a second
OpenMP runtime beside torch's (two pools of spinning threads), and its fallback layer is not thread-safe.
The compiled code is cached on disk (numba's cache: next to this file, else the user's cache folder); with
no writable place it is compiled once per process instead.
"""

from __future__ import annotations

import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numba
import numpy as np
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic

LANES = 16  # partial sums per row: one AVX-512 vector of fp32 (two AVX2 ones)
CHUNK = 32  # rows per work item (the unit split among threads)
_F = np.float32
_LOG2E, _LN2_HI, _LN2_LO = _F(1.4426950408889634), _F(0.693359375), _F(-2.12194440e-4)
_P0, _P1, _P2 = _F(1.9875691500e-4), _F(1.3981999507e-3), _F(8.3334519073e-3)
_P3, _P4, _P5 = _F(4.1665795894e-2), _F(1.6666665459e-1), _F(5.0000001201e-1)
_ONE, _HALF, _ZERO = _F(1.0), _F(0.5), _F(0.0)
_LOW, _HIGH = _F(-87.0), _F(88.0)  # exp below -87 is < 2e-38 (counted as 0); above 88 overflows fp32


@intrinsic
def _bits_to_float(typingctx: Any, x: Any) -> Any:
    """The fp32 whose bit pattern is the int32 x (builds 2^n from its exponent bits)."""

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.bitcast(args[0], ir.FloatType())

    return types.float32(types.int32), codegen


_as_float: Any = _bits_to_float  # (typed Any: mypy reads the intrinsic's Python signature, not numba's)


@numba.njit(inline="always", fastmath=False)
def _exp(z: float) -> float:
    """exp(z) in fp32 for z <= 88 (the tiles' z = s - lse is <= 0 up to rounding); z < -87 (and -inf) give 0."""
    zc = min(max(z, _LOW), _HIGH)
    n = np.floor(zc * _LOG2E + _HALF)  # z = n ln 2 + f, |f| <= ln 2 / 2
    f = zc - n * _LN2_HI - n * _LN2_LO
    p = ((((_P0 * f + _P1) * f + _P2) * f + _P3) * f + _P4) * f + _P5
    p = p * f * f + f + _ONE
    e = p * _as_float((np.int32(n) + np.int32(127)) << np.int32(23))
    return e if z >= _LOW else _ZERO


@numba.njit(inline="always", fastmath=False)
def _fold_rows(z: Any, q0: int, k0: int, causal: bool, den: Any, ent: Any, dist: Any, top: Any, g: int,
               i0: int, i1: int, lanes: Any) -> None:
    """Fold rows i0..i1-1 of head g of the tile z into den, ent, dist, top (see the module docstring).

    lanes: [5, LANES] fp32 scratch (four partial sums and the lane offsets 0..LANES-1)."""
    keys = z.shape[2]
    l_den, l_ent, l_dist, l_top, lane = lanes[0], lanes[1], lanes[2], lanes[3], lanes[4]
    for i in range(i0, i1):
        q = q0 + i
        stop = keys
        if causal:
            stop = min(keys, q - k0 + 1)  # keys after the diagonal are hidden
            if stop <= 0:
                continue
        l_den[:] = 0
        l_ent[:] = 0
        l_dist[:] = 0
        l_top[:] = -np.inf
        full = stop // LANES * LANES
        for c in range(0, full, LANES):
            rel = _F(q - k0 - c)  # q - (first key of the chunk): an exact integer
            for j in range(LANES):
                zz = z[g, i, c + j]
                e = _exp(zz)
                l_den[j] += e
                l_ent[j] += _ZERO if zz < _LOW else e * zz  # hidden: 0, not 0 * -inf; NaN stays NaN
                l_dist[j] += e * abs(rel - lane[j])
                l_top[j] = max(l_top[j], zz)
        s_den, s_ent, s_dist, t = _ZERO, _ZERO, _ZERO, top[g, q]
        for j in range(LANES):
            s_den += l_den[j]
            s_ent += l_ent[j]
            s_dist += l_dist[j]
            t = max(t, l_top[j])
        for kk in range(full, stop):
            zz = z[g, i, kk]
            e = _exp(zz)
            s_den += e
            s_ent += _ZERO if zz < _LOW else e * zz
            s_dist += e * _F(abs(q - k0 - kk))
            t = max(t, zz)
        den[g, q] += s_den
        ent[g, q] -= s_ent
        dist[g, q] += s_dist
        top[g, q] = t


@numba.njit(inline="always")
def _scratch() -> Any:
    """[5, LANES] fp32: four rows of partial sums, then the lane offsets 0 .. LANES - 1."""
    lanes = np.zeros((5, LANES), np.float32)
    lanes[4] = np.arange(LANES)
    return lanes


def _fold_items(z: Any, q0: int, k0: int, causal: bool, den: Any, ent: Any, dist: Any, top: Any, first: int,
                stop: int) -> None:
    """Fold work items first..stop-1 of the tile: item = head * chunks + chunk, a chunk being CHUNK rows."""
    rows = z.shape[1]
    chunks = (rows + CHUNK - 1) // CHUNK
    lanes = _scratch()
    for item in range(first, stop):
        g, c = item // chunks, item % chunks
        _fold_rows(z, q0, k0, causal, den, ent, dist, top, g, c * CHUNK, min(rows, (c + 1) * CHUNK), lanes)


try:  # nogil: other threads (the web app's requests, the workers below) run while a tile is folded
    _fold = numba.njit(cache=True, nogil=True, fastmath=False)(_fold_items)
except RuntimeError:  # no writable cache folder: compile in each process
    _fold = numba.njit(nogil=True, fastmath=False)(_fold_items)
_pools: dict[tuple[int, int], ThreadPoolExecutor] = {}  # (process id, threads) -> workers
_pools_lock = threading.Lock()


def _pool(threads: int) -> ThreadPoolExecutor:
    """Worker threads for `threads`-way folds, made once per process (a forked child makes its own)."""
    key = (os.getpid(), threads)
    with _pools_lock:
        if key not in _pools:
            _pools[key] = ThreadPoolExecutor(threads, thread_name_prefix="attnlab-fold")
        return _pools[key]


def fold_tile(z: np.ndarray, q0: int, k0: int, causal: bool, den: np.ndarray, ent: np.ndarray,
              dist: np.ndarray, top: np.ndarray, threads: int = 1) -> None:
    """Fold the tile z [head, rows, keys] (fp32, queries q0.., keys k0..) into den, ent, dist, top [head, n]
    (fp32, in place; see the module docstring). causal: stop each row at its diagonal. threads > 1 splits
    the rows among that many worker threads (each row is folded the same way: the result does not change)."""
    items = z.shape[0] * -(-z.shape[1] // CHUNK)
    if threads <= 1 or items < 2:
        _fold(z, q0, k0, causal, den, ent, dist, top, 0, items)
        return
    bounds = [items * i // threads for i in range(threads + 1)]
    jobs = [_pool(threads).submit(_fold, z, q0, k0, causal, den, ent, dist, top, a, b)
            for a, b in itertools.pairwise(bounds) if b > a]
    for job in jobs:
        job.result()
