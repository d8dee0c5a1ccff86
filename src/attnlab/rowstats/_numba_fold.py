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

Hidden cells (-inf, from any mask) add 0 to every sum, and a NaN score makes its row's `ent` NaN (the caller
checks); `causal` stops each row at its diagonal instead, for
tiles computed without the mask. `fold_tile` runs serially, or over the rows in parallel when asked for
more than one thread (`prange`, one launch at a time: numba's fallback threading layer is not thread-safe).
The compiled code is cached on disk (numba's cache: next to this file, else the user's cache folder); with
no writable place it is compiled once per process instead.
"""

from __future__ import annotations

import threading
from typing import Any

import numba
import numpy as np
from llvmlite import ir
from numba import prange
from numba.core import types
from numba.extending import intrinsic

LANES = 16  # partial sums per row: one AVX-512 vector of fp32 (two AVX2 ones)
CHUNK = 32  # rows per parallel work item
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
_config: Any = numba.config

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


def _serial(z: Any, q0: int, k0: int, causal: bool, den: Any, ent: Any, dist: Any, top: Any) -> None:
    lanes = _scratch()
    for g in range(z.shape[0]):
        _fold_rows(z, q0, k0, causal, den, ent, dist, top, g, 0, z.shape[1], lanes)


def _parallel(z: Any, q0: int, k0: int, causal: bool, den: Any, ent: Any, dist: Any, top: Any) -> None:
    rows = z.shape[1]
    chunks = (rows + CHUNK - 1) // CHUNK
    for item in prange(z.shape[0] * chunks):
        g, c = item // chunks, item % chunks
        _fold_rows(z, q0, k0, causal, den, ent, dist, top, g, c * CHUNK, min(rows, (c + 1) * CHUNK), _scratch())


def _compile(fn: Any, **options: Any) -> Any:
    """nogil: other threads (the web app's requests) run while a tile is folded."""
    try:
        return numba.njit(cache=True, nogil=True, fastmath=False, **options)(fn)
    except RuntimeError:  # no writable cache folder: compile in each process
        return numba.njit(nogil=True, fastmath=False, **options)(fn)


_fold_serial = _compile(_serial)
_fold_parallel = _compile(_parallel, parallel=True)
_launch = threading.Lock()


def fold_tile(z: np.ndarray, q0: int, k0: int, causal: bool, den: np.ndarray, ent: np.ndarray,
              dist: np.ndarray, top: np.ndarray, threads: int = 1) -> None:
    """Fold the tile z [head, rows, keys] (fp32, queries q0.., keys k0..) into den, ent, dist, top [head, n]
    (fp32, in place; see the module docstring). causal: stop each row at its diagonal."""
    if threads <= 1:
        _fold_serial(z, q0, k0, causal, den, ent, dist, top)
        return
    with _launch:
        numba.set_num_threads(min(threads, _config.NUMBA_NUM_THREADS))
        _fold_parallel(z, q0, k0, causal, den, ent, dist, top)
