"""Per-row statistics of attention, streamed over key tiles so long inputs fit in memory.

For every layer, head and query row we keep five numbers that later views draw instead of the
full N x N maps (which at 30 layers x 9 heads x 32,768^2 would be terabytes):

    max_weight     the largest weight in the row (how peaked the head is)
    argmax         the k_pos holding it (first one on ties, as torch.argmax)
    entropy        -sum_k w_k log w_k, in nats (0: one key; log n: uniform over n keys)
    first_weight   the weight on k_pos 0 (the "attention sink" of decoders, [CLS] of encoders)
    mean_distance  sum_k w_k |i - k|: how far back (or ahead) the head looks, in positions

`head_row_stats` computes them from a layer's queries and keys with the online softmax of
Milakov & Gimelshein (2018) / FlashAttention: walking over key tiles it keeps, per row,

    m  = running max of the scores s_k              (rescaling point, for stability)
    l  = sum_k e^(s_k - m)                          (softmax denominator)
    t  = sum_k e^(s_k - m) (s_k - m)                (for the entropy)
    d  = sum_k e^(s_k - m) |i - k|                  (for the mean distance)

and rescales them by e^(m_old - m_new) whenever m grows. At the end w_k = e^(s_k - m) / l, so

    max_weight = 1 / l,   entropy = log l - t / l,   mean_distance = d / l.

(t is kept relative to m rather than as sum e^(s-m) s, so that large scores do not cancel:
log l + m - t'/l with m ~ 1e4 would lose every digit of the entropy in fp32.)
Memory is O(head x q_block x tile) whatever N is; `full_row_stats` is the reference from a
materialised [head, q_pos, k_pos] matrix (for tests and small toy traces).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from ..errors import AttnlabError
from ._fused import compiled_fold

STAT_NAMES = ("max_weight", "argmax", "entropy", "first_weight", "mean_distance")


def _check_inputs(q: torch.Tensor, k: torch.Tensor, key_mask: torch.Tensor | None, causal: bool) -> int:
    """Validate shapes; return the query's offset (k_pos - q_pos) in absolute positions."""
    if q.dim() != 3 or k.dim() != 3:
        shapes = f"{tuple(q.shape)} and {tuple(k.shape)}"
        raise AttnlabError(f"q and k must be [head, pos, d_head], got shapes {shapes}")
    if q.shape[-1] != k.shape[-1]:
        raise AttnlabError(f"q has d_head {q.shape[-1]} but k has d_head {k.shape[-1]}")
    if k.shape[0] == 0 or q.shape[0] % k.shape[0]:
        raise AttnlabError(f"q has {q.shape[0]} heads, not a multiple of k's {k.shape[0]} kv heads")
    offset = k.shape[1] - q.shape[1]
    if k.shape[1] == 0 or (causal and offset < 0):
        raise AttnlabError(f"{q.shape[1]} queries but {k.shape[1]} keys: causal rows would see no key")
    if key_mask is not None:
        if key_mask.shape != (k.shape[1],):
            raise AttnlabError(f"key_mask has shape {tuple(key_mask.shape)}, expected ({k.shape[1]},)")
        if not bool(key_mask.any()):
            raise AttnlabError("key_mask hides every key: no row has anything to attend to")
    return offset


def head_row_stats(
    q: torch.Tensor,
    k: torch.Tensor,
    *,
    scale: float,
    causal: bool,
    key_mask: torch.Tensor | None = None,
    tile: int | None = None,
    q_block: int | None = None,
    fused: bool | None = None,
) -> dict[str, torch.Tensor]:
    """Row statistics of softmax(scale * q k^T) without building the [head, q_pos, k_pos] matrix.

    Args:
        q: [head, q_pos, d_head] queries (post-RoPE for decoders), any float dtype; computed in fp32.
        k: [kv_head, k_pos, d_head]; grouped-query attention: head h reads kv head h // (head // kv_head).
        scale: multiplies q . k (the model's `scaling`, usually 1 / sqrt(d_head)).
        causal: query row i sits at absolute position i + (k_pos - q_pos) and sees keys j up to it.
        key_mask: [k_pos] bool, True = a real token; False keys (padding) get no weight.
        tile, q_block: keys and queries per step (default: 256 x 256 on CPU, where blocks that fit the
            cache were fastest in bench/bench_stats.py; 4096 x 4096 on GPUs, fastest on an H200).
            Working memory is about 5 x 4 bytes x head x q_block x tile.
        fused: fold each tile with `torch.compile`d `_fused.fold_tile` (about two passes over a tile
            instead of ten). Default: on GPUs only (the first call compiles, for tens of seconds).

    Returns:
        {name: [head, q_pos]} for the names in STAT_NAMES (argmax int64, the rest fp32). A row that
        sees no key at all (causal + left padding) gets NaN and argmax -1, as softmax gives NaN there.
    """
    offset = _check_inputs(q, k, key_mask, causal)
    on_cpu = q.device.type == "cpu"
    default = 256 if on_cpu else 4096  # H200, 32k tokens, fused: 4096^2 1.4 s, 2048^2 1.6-1.8 s
    tile, q_block = tile or default, q_block or default
    fold = None if not (fused if fused is not None else not on_cpu) else compiled_fold()
    if key_mask is not None:
        key_mask = key_mask.to(q.device)
    n_heads, n_q, _ = q.shape
    group = n_heads // k.shape[0]
    q32 = (q.float() * scale).reshape(k.shape[0], group * n_q, -1)  # [kv_head, group*q_pos, d_head]
    k32 = k.float()  # [kv_head, k_pos, d_head]
    q4 = q32.view(k.shape[0], group, n_q, -1)  # [kv_head, group, q_pos, d_head]
    blocks = [
        _stream_block(q4[:, :, lo : lo + q_block], k32, lo + offset, causal, key_mask, tile, fold)
        for lo in range(0, n_q, q_block)
    ]
    return {name: torch.cat([b[name] for b in blocks], dim=1) for name in STAT_NAMES}


def _stream_block(
    qb: torch.Tensor, k: torch.Tensor, pos0: int, causal: bool, key_mask: torch.Tensor | None, tile: int,
    fold: Any = None,
) -> dict[str, torch.Tensor]:
    """Stream one query block over all key tiles. qb: [kv_head, group, rows, d_head], already scaled."""
    n_kv, group, rows, d_head = qb.shape
    q_flat = qb.reshape(n_kv, group * rows, d_head)  # heads of one kv group share a matmul
    run = _Running((n_kv * group, rows), pos0, qb.device)
    n_keys = k.shape[1] if not causal else min(k.shape[1], pos0 + rows)  # later keys are all hidden
    for lo in range(0, n_keys, tile):
        hi = min(lo + tile, n_keys)
        s = torch.bmm(q_flat, k[:, lo:hi].transpose(1, 2)).view(n_kv * group, rows, hi - lo)
        if fold is None:
            run.add(s, lo, _visible(run, lo, hi, causal, key_mask))
        else:
            run.add_fused(fold, s, lo, causal, key_mask)
    return run.finish()


class _Running:
    """The online-softmax sums of one query block (see the module docstring), [head, rows] each."""

    def __init__(self, shape: tuple[int, int], pos0: int, device: torch.device) -> None:
        self.first, self.last = pos0, pos0 + shape[1] - 1  # absolute positions of the first and last row
        self.q_abs = torch.arange(pos0, self.last + 1, dtype=torch.float32, device=device)  # [rows]
        self.mx = torch.full(shape, -math.inf, device=device)  # m: running max score
        self.den = torch.zeros(shape, device=device)  # l: sum e^(s - m)
        self.ent = torch.zeros(shape, device=device)  # t: sum e^(s - m) (s - m)
        self.dist = torch.zeros(shape, device=device)  # d: sum e^(s - m) |i - k|
        self.arg = torch.zeros(shape, dtype=torch.int64, device=device)  # k_pos of the running max
        self.s_first = torch.full(shape, -math.inf, device=device)  # the score of k_pos 0

    def add(self, s: torch.Tensor, lo: int, visible: torch.Tensor | None) -> None:
        """Fold in the scores s [head, rows, keys] of keys lo.. (visible: [rows, keys] or None = all)."""
        if visible is not None:
            s = s.masked_fill(~visible, -math.inf)
        if lo == 0:
            self.s_first = s[..., 0].clone()
        tile_max, tile_arg = s.max(dim=-1)  # [head, rows]
        m_old, m_new = self.mx, torch.maximum(self.mx, tile_max)
        self.arg = torch.where(tile_max > m_old, tile_arg + lo, self.arg)  # first index wins ties
        m_safe = torch.where(torch.isinf(m_new), torch.zeros_like(m_new), m_new)  # rows that saw nothing
        alpha = torch.exp(m_old - m_safe)  # rescales the old sums; 0 while m_old is -inf
        shift = torch.where(torch.isinf(m_old), torch.zeros_like(m_old), m_old - m_safe)
        z = s.sub_(m_safe.unsqueeze(-1))  # [head, rows, keys], <= 0 (s is a fresh tensor: in place)
        e = torch.exp(z)  # [head, rows, keys]; 0 where hidden
        if visible is not None:
            z = z.masked_fill_(~visible, 0.0)  # so that e * z is 0 there, not 0 * -inf
        e_sum = e.sum(-1)
        self.ent = alpha * (self.ent + shift * self.den) + torch.linalg.vecdot(e, z)
        self.den = alpha * self.den + e_sum
        self.dist = alpha * self.dist + self._distance_sum(e, e_sum, lo)
        self.mx = m_new

    def add_fused(self, fold: Any, s: torch.Tensor, lo: int, causal: bool, key_mask: torch.Tensor | None) -> None:
        """`add` through the compiled `_fused.fold_tile` (same state, same result)."""
        hi = lo + s.shape[-1]
        k_idx = torch.arange(lo, hi, dtype=torch.float32, device=s.device)
        key_ok = key_mask[lo:hi] if key_mask is not None else torch.ones_like(k_idx, dtype=torch.bool)
        if lo == 0 and bool(key_ok[0]):  # a padded first key keeps its score at -inf (weight 0)
            self.s_first = s[..., 0].clone()
        self.mx, self.den, self.ent, self.dist, self.arg = fold(
            s, k_idx, key_ok, self.q_abs, self.mx, self.den, self.ent, self.dist, self.arg, causal
        )

    def _distance_sum(self, e: torch.Tensor, e_sum: torch.Tensor, lo: int) -> torch.Tensor:
        """sum_k e_k |i - k| over one tile; a matrix-vector product when the tile lies on one side."""
        hi = lo + e.shape[-1]
        k_idx = torch.arange(lo, hi, dtype=torch.float32, device=e.device)
        if hi - 1 <= self.first:  # every key at or before every row: |i - k| = i - k
            return self.q_abs * e_sum - e @ k_idx
        if lo >= self.last:  # every key at or after every row
            return e @ k_idx - self.q_abs * e_sum
        return torch.linalg.vecdot(e, (self.q_abs.unsqueeze(1) - k_idx).abs_())

    def finish(self) -> dict[str, torch.Tensor]:
        """The statistics; rows that saw no key (causal + left padding) get NaN and argmax -1."""
        seen = self.den > 0
        den = torch.where(seen, self.den, torch.ones_like(self.den))
        mx = torch.where(seen, self.mx, torch.zeros_like(self.mx))
        nan = torch.full_like(den, math.nan)
        return {
            "max_weight": torch.where(seen, 1.0 / den, nan),
            "argmax": torch.where(seen, self.arg, torch.full_like(self.arg, -1)),
            "entropy": torch.where(seen, (torch.log(den) - self.ent / den).clamp_min(0.0), nan),
            "first_weight": torch.where(seen, torch.exp(self.s_first - mx) / den, nan),
            "mean_distance": torch.where(seen, self.dist / den, nan),
        }


def _visible(
    run: _Running, lo: int, hi: int, causal: bool, key_mask: torch.Tensor | None
) -> torch.Tensor | None:
    """[rows, keys] bool: which keys lo..hi-1 each row may see; None when it sees them all."""
    vis = None
    if causal and hi - 1 > run.first:  # some key lies beyond the first row's position
        keys = torch.arange(lo, hi, dtype=torch.float32, device=run.q_abs.device)
        vis = keys.unsqueeze(0) <= run.q_abs.unsqueeze(1)
    if key_mask is not None and not bool(key_mask[lo:hi].all()):
        km = key_mask[lo:hi].unsqueeze(0)
        vis = km if vis is None else vis & km
    return vis


def full_row_stats(weights: torch.Tensor) -> dict[str, torch.Tensor]:
    """The same statistics from a materialised weights matrix [head, q_pos, k_pos] (rows sum to 1).

    Query row i sits at absolute position i + (k_pos - q_pos), as in `head_row_stats`.
    Zero weights (masked keys) add nothing to the entropy (0 log 0 = 0); rows of NaN or zeros (no
    visible key) give NaN and argmax -1, like `head_row_stats`.
    """
    w = weights.float()
    n_q, n_k = w.shape[-2], w.shape[-1]
    q_abs = torch.arange(n_k - n_q, n_k, dtype=torch.float32, device=w.device)
    k_idx = torch.arange(n_k, dtype=torch.float32, device=w.device)
    dist = (q_abs.unsqueeze(1) - k_idx).abs()  # [q_pos, k_pos]
    seen = w.nan_to_num(0.0).sum(-1) > 0  # rows with no visible key: softmax gave NaN (or zeros)
    w = w.nan_to_num(0.0)
    max_weight, argmax = w.max(dim=-1)
    plogp = torch.where(w > 0, w * torch.log(w), torch.zeros_like(w))
    nan = torch.full_like(max_weight, math.nan)
    return {
        "max_weight": torch.where(seen, max_weight, nan),
        "argmax": torch.where(seen, argmax, torch.full_like(argmax, -1)),
        "entropy": torch.where(seen, -plogp.sum(-1), nan),
        "first_weight": torch.where(seen, w[..., 0], nan),
        "mean_distance": torch.where(seen, (w * dist).sum(-1), nan),
    }


@dataclass(frozen=True)
class RowStats:
    """Row statistics of every layer and head of a trace; each field is [layer, head, q_pos]."""

    max_weight: torch.Tensor  # fp32, the row's largest weight
    argmax: torch.Tensor  # int64, the k_pos of that weight
    entropy: torch.Tensor  # fp32, nats
    first_weight: torch.Tensor  # fp32, weight on k_pos 0
    mean_distance: torch.Tensor  # fp32, sum_k w_k |i - k| in positions

    @classmethod
    def stack(cls, per_layer: Sequence[Mapping[str, torch.Tensor]]) -> RowStats:
        """Stack per-layer dicts ({name: [head, q_pos]}, as head_row_stats returns) along layer."""
        if not per_layer:
            raise AttnlabError("no layers to stack: give at least one layer's statistics")
        return cls(**{name: torch.stack([d[name] for d in per_layer]) for name in STAT_NAMES})

    @property
    def shape(self) -> tuple[int, int, int]:
        """(n_layers, n_heads, n_tokens)."""
        return tuple(self.max_weight.shape)  # type: ignore[return-value]

    def layer(self, layer: int) -> dict[str, torch.Tensor]:
        """{name: [head, q_pos]} of one layer."""
        return {name: getattr(self, name)[layer] for name in STAT_NAMES}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: {name: nested lists [layer][head][q_pos]} (floats to 8 significant digits)."""
        from ..jsonable import tensor_to_list

        out: dict[str, Any] = {"shape": list(self.shape)}
        for name in STAT_NAMES:
            value = getattr(self, name)
            out[name] = value.tolist() if name == "argmax" else tensor_to_list(value)
        return out


def layers_row_stats(
    queries: Sequence[torch.Tensor],
    keys: Sequence[torch.Tensor],
    *,
    scale: float,
    causal: bool,
    key_mask: torch.Tensor | None = None,
) -> RowStats:
    """RowStats of a model from its captured per-layer queries [head, q_pos, d_head] and keys
    [kv_head, k_pos, d_head], streamed layer by layer (`head_row_stats`)."""
    if len(queries) != len(keys):
        raise AttnlabError(f"{len(queries)} layers of queries but {len(keys)} layers of keys")
    return RowStats.stack(
        [head_row_stats(q, k, scale=scale, causal=causal, key_mask=key_mask) for q, k in zip(queries, keys)]
    )

