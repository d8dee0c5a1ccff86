"""Deep zoom over a trace: one head's weights by tile or pooled, never its whole N x N map at once.

Why: a page holds at most 2^25 weight cells (`html.encode.MAX_CELLS`); one SmolLM2 head at 8,192
tokens is 67 M. The web app shows such a head like a map viewer: a pooled overview, then full-
resolution tiles where the reader zooms in, each computed when asked for.

How (see `rowstats.tiles`): for a model trace whose layer is unmasked or plainly causal, a weight is
`exp(scale * q.k - lse[q])`, from the trace's own q, k and each row's log-sum-exp
(`ModelTrace.lse(layer)`, [head, q_pos]: the attention kernel's, kept by the capture, or streamed
once by the trace): O(N) per head beside q and k. Every other trace (the toy, the eager fallback,
masks with a bias or a window) is read from `trace.pattern`, a full map per call, so only up to
DENSE_LIMIT tokens; its lse comes from its full scores.
"""

from __future__ import annotations

import math
import threading

import torch

from ..errors import AttnlabError
from ..rowstats.tiles import POOL_MODES, pooled_weights, score_tile, weight_tile
from ..trace import AttentionTrace

DENSE_LIMIT = 4096  # tokens up to which a trace without q/k streaming is read from full maps (64 MB a head)


class HeadMaps:
    """Tiles and pooled maps of any head of one trace (see the module docstring)."""

    def __init__(self, trace: AttentionTrace) -> None:
        self.trace = trace  # the trace the maps are read from
        self._lse: dict[tuple[int, int], torch.Tensor] = {}  # (layer, head) -> [q_pos] fp32, traces read whole
        self._kinds: dict[int, bool] = {}  # layer -> streamed (q/k/lse) or dense (pattern)
        self._lock = threading.Lock()  # one lse computation at a time; readers share the results

    @property
    def n(self) -> int:
        return self.trace.n_tokens

    @property
    def nbytes(self) -> int:
        """Memory held here beyond the trace: lse vectors of traces read whole (a model trace keeps its own)."""
        return sum(t.numel() * t.element_size() for t in self._lse.values())

    def streamed(self, layer: int) -> bool:
        """True when `layer`'s weights can be computed from q, k and lse (no mask but none or causal)."""
        if layer not in self._kinds:
            kind = getattr(self.trace, "_mask_kind", None)
            self._kinds[layer] = (callable(getattr(self.trace, "lse", None)) and hasattr(self.trace, "q")
                                  and kind is not None and kind(layer) in ("none", "causal"))
        return self._kinds[layer]

    def _check(self, layer: int, head: int) -> None:
        self.trace.check_layer_head(layer, head)
        if head is None:
            raise AttnlabError("deep zoom shows one head at a time: give a head number")
        if not self.streamed(layer) and self.n > DENSE_LIMIT:
            raise AttnlabError(f"layer {layer} of {self.trace.model} uses a mask other than causal, so its maps are "
                               f"read in full; that needs {self.n} <= {DENSE_LIMIT} tokens")

    def _qk(self, layer: int, head: int) -> tuple[torch.Tensor, torch.Tensor, float, bool]:
        """One head's q [q_pos, d_head], its kv head's k [k_pos, d_head], the scale, causal or not."""
        tr = self.trace
        group = tr.n_heads // tr.n_kv_heads
        return tr.q(layer)[head], tr.k(layer)[head // group], tr.scale(layer), tr._mask_kind(layer) == "causal"

    def lse(self, layer: int, head: int) -> torch.Tensor:
        """[q_pos] fp32 log-sum-exp of one head's rows (the trace's; else from its scores, once)."""
        self._check(layer, head)
        if self.streamed(layer):
            with self._lock:  # the trace streams a missing lse once per layer; one caller at a time
                return self.trace.lse(layer)[head]
        key = (layer, head)
        if key not in self._lse:
            with self._lock:
                if key not in self._lse:
                    self._lse[key] = self._compute_lse(layer, head)
        return self._lse[key]

    def _compute_lse(self, layer: int, head: int) -> torch.Tensor:
        """A trace read whole: lse from its full scores, where it has them."""
        scores = self.trace.scores(layer, head)
        if scores is None:
            raise AttnlabError(f"{self.trace.model} keeps no scores for layer {layer}, so no log-sum-exp")
        return torch.logsumexp(scores.float(), dim=-1).cpu()

    def tile(self, layer: int, head: int, rows: tuple[int, int],
             cols: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
        """(weights, scores), each [rows, cols] fp32, of one head's q_pos rows[0]..rows[1]-1 and k_pos
        cols[0]..cols[1]-1. Scores are -inf where hidden and NaN where the trace keeps none."""
        self._check(layer, head)
        (r0, r1), (c0, c1) = rows, cols
        if not self.streamed(layer):
            w = self.trace.pattern(layer, head)[r0:r1, c0:c1].float().cpu()
            s = self.trace.scores(layer, head)
            s = torch.full_like(w, math.nan) if s is None else s[r0:r1, c0:c1].float().cpu()
            _same_shape(w, rows, cols)
            return w, s
        q, k, scale, causal = self._qk(layer, head)
        lse = self.lse(layer, head).to(q.device)
        s = score_tile(q, k, scale=scale, causal=causal, rows=rows, cols=cols)
        w = weight_tile(q, k, lse, scale=scale, causal=causal, rows=rows, cols=cols)
        return w.cpu(), s.cpu()

    def pooled(self, layer: int, head: int, cell: int, rows: tuple[int, int] | None = None,
               cols: tuple[int, int] | None = None, mode: str = "max") -> torch.Tensor:
        """[ceil(rows / cell), ceil(cols / cell)] fp32: max (or mean) weight of each cell x cell block."""
        self._check(layer, head)
        if mode not in POOL_MODES:
            raise AttnlabError(f"pooling {mode!r} is not available: choose one of {', '.join(POOL_MODES)}")
        rows, cols = rows or (0, self.n), cols or (0, self.n)
        if not self.streamed(layer):
            w = self.trace.pattern(layer, head)[rows[0] : rows[1], cols[0] : cols[1]].float().cpu()
            _same_shape(w, rows, cols)
            return pool_dense(w, cell, mode)
        q, k, scale, causal = self._qk(layer, head)
        lse = self.lse(layer, head).to(q.device)
        return pooled_weights(q, k, lse, scale=scale, causal=causal, cell=cell, rows=rows, cols=cols,
                              mode=mode).cpu()


def _same_shape(w: torch.Tensor, rows: tuple[int, int], cols: tuple[int, int]) -> None:
    if w.shape != (rows[1] - rows[0], cols[1] - cols[0]) or rows[0] < 0 or cols[0] < 0:
        raise AttnlabError(f"rows {rows[0]}..{rows[1]} x cols {cols[0]}..{cols[1]} is outside the map")


def pool_dense(w: torch.Tensor, cell: int, mode: str) -> torch.Tensor:
    """[ceil(r / cell), ceil(c / cell)]: max or mean of each cell x cell block of w [r, c] (edge blocks
    partial; a mean counts only the cells that exist), as `rowstats.tiles.pooled_weights` pools."""
    if not isinstance(cell, int) or cell < 1:
        raise AttnlabError(f"cell must be a positive integer, got {cell!r}")
    r, c = w.shape
    cell = min(cell, max(r, c, 1))  # a cell larger than the map pools it whole, like a cell of its size
    out_r, out_c = -(-r // cell), -(-c // cell)
    padded = w.new_zeros(out_r * cell, out_c * cell)
    padded[:r, :c] = w
    blocks = padded.view(out_r, cell, out_c, cell)
    if mode == "max":
        return blocks.amax(dim=(1, 3))
    ones = w.new_zeros(out_r * cell, out_c * cell)
    ones[:r, :c] = 1
    return blocks.sum(dim=(1, 3)) / ones.view(out_r, cell, out_c, cell).sum(dim=(1, 3))
