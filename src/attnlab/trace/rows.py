"""Sums over a layer's attention rows without the N x N map: weights rebuilt tile by tile from q, k, lse.

Given each row's log-sum-exp (`AttentionTrace.lse`), a weight is `w[q, k] = exp(s[q, k] - lse[q])`, with
s the logit (the scaled, masked score). So any sum over a row is one pass over the score tiles
(`AttentionTrace.score_tiles`: [head, rows, keys] at a time, tiles hidden by a causal mask skipped), with
no running max and no rescaling, as an online softmax would need. Per tile, with z = s - lse <= 0 and
e = exp(z):

    den[q]  = sum_k e                   (1 up to rounding; dividing by it makes each row sum to 1 exactly)
    ent[q]  = -sum_k e z                (so entropy = ent / den + log den, in nats)
    dist[q] = sum_k e |q - k|           (mean distance = dist / den, in positions)

Every term of `ent` has the same sign, so nothing cancels however large the scores are (writing the
entropy as lse - sum_k w s_k, the form an attention output with the keys as values gives, loses digits
when scores are large). Near the diagonal |q - k| comes from a small matrix cached per tile offset
(exact integers in fp32); a tile at least one tile width away lies on one side of every row, so
sum_k e |q - k| = +-((q - k0) sum_k e - sum_k e (k - k0)), a matrix-vector product with positions
relative to the tile (relative rounding error a few ulp, since q - k > keys there).

On the CPU with numba installed, `row_entropy_distance` folds each tile in one compiled pass instead
(`trace.fused`: the same sums, fewer passes over memory); the torch code here is the fallback and the reference.

`left_multiply` is the other direction, r @ W (a row vector times the map), for attention rollout;
`weighted_row_sums` gives sum_k w[q, k] x[k] for per-key values (value-weighted attention).
"""

from __future__ import annotations

import math

import torch

from ..rowstats import RowStats
from .base import AttentionTrace
from .fused import Sums, fused_row_sums

_HIDDEN = -1e30  # hidden cells' z after exp: e = 0 and e * z = 0 (not 0 * -inf = NaN)


class _Distances:
    """|q - k| for tiles, cached by (q0 - k0, rows, keys): one small matrix per tile offset."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.cache: dict[tuple[int, int, int], torch.Tensor] = {}

    def __call__(self, q0: int, k0: int, rows: int, keys: int) -> torch.Tensor:
        key = (q0 - k0, rows, keys)
        if key not in self.cache:
            q = torch.arange(q0 - k0, q0 - k0 + rows, dtype=torch.float32, device=self.device)
            k = torch.arange(keys, dtype=torch.float32, device=self.device)
            self.cache[key] = (q[:, None] - k).abs_()  # [rows, keys]
        return self.cache[key]


def row_entropy_distance(trace: AttentionTrace, layer: int, *, rows: int = 128,
                         keys: int = 256) -> dict[str, torch.Tensor]:
    """{entropy, mean_distance, den, max_weight}: [head, q_pos] each, from one pass over the layer's score tiles.

    entropy in nats (-sum_k w log w); mean_distance = sum_k w |q - k| in positions; den = sum_k
    exp(s - lse) before normalising (1 within fp32 rounding when lse came with the same scores);
    max_weight = exp(max_k z), the row's largest weight, from a max per tile (its argmax needs
    `row_max`'s pass; the corpus census reads only the weight, so it costs one reduction here).
    Rows that see no key get NaN. Kept in the trace's memo (like its lse), so the census and the row
    statistics of one trace share the pass ([head, q_pos] x 4 per layer: small).
    """
    return trace.memo.get(("entropy_distance", layer, rows, keys),
                          lambda: _row_entropy_distance(trace, layer, rows, keys))


def _row_entropy_distance(trace: AttentionTrace, layer: int, rows: int, keys: int) -> dict[str, torch.Tensor]:
    sums = fused_row_sums(trace, layer, rows, keys)  # one pass per tile (numba), where it can run
    den, ent, dist, top = sums if sums is not None else _torch_row_sums(trace, layer, rows, keys)
    seen = den > 0
    safe = torch.where(seen, den, torch.ones_like(den))
    nan = torch.full_like(den, math.nan)
    return {
        "entropy": torch.where(seen, (ent / safe + torch.log(safe)).clamp_min(0.0), nan),
        "mean_distance": torch.where(seen, dist / safe, nan),
        "den": den,
        "max_weight": torch.where(seen, torch.exp(top), nan),
    }


def _torch_row_sums(trace: AttentionTrace, layer: int, rows: int, keys: int) -> Sums:
    """(den, ent, dist, top) [head, q_pos] each, with torch's ops over `score_tiles` (any device)."""
    lse = trace.lse(layer)  # [head, q_pos]
    n_heads, n = lse.shape
    den, ent, dist = (torch.zeros(n_heads, n, device=lse.device) for _ in range(3))
    top = torch.full((n_heads, n), -math.inf, device=lse.device)  # max_k z: one reduction per tile
    distances = _Distances(lse.device)
    for q0, k0, z, partial in trace.score_tiles(layer, rows=rows, keys=keys, minus=lse):
        n_rows, n_keys = z.shape[1], z.shape[2]
        r = slice(q0, q0 + n_rows)  # z = s - lse <= 0: [head, rows, keys]
        top[:, r] = torch.maximum(top[:, r], z.amax(-1))
        e = torch.exp(z)
        if partial:
            z.clamp_(min=_HIDDEN)
        e_sum = e.sum(-1)
        den[:, r] += e_sum
        ent[:, r] -= torch.linalg.vecdot(e, z)
        side = 1 if k0 + 2 * n_keys <= q0 else -1 if q0 + n_rows + n_keys <= k0 else 0  # keys far left / right
        if side:
            q_rel = torch.arange(q0 - k0, q0 - k0 + n_rows, dtype=torch.float32, device=e.device)
            k_rel = torch.arange(n_keys, dtype=torch.float32, device=e.device)
            dist[:, r] += side * (q_rel * e_sum - (e.view(-1, n_keys) @ k_rel).view(e_sum.shape))
        else:
            dist[:, r] += torch.linalg.vecdot(e, distances(q0, k0, n_rows, n_keys))
    return den, ent, dist, top


def row_max(trace: AttentionTrace, layer: int, *, rows: int = 128, keys: int = 256) -> dict[str, torch.Tensor]:
    """{max_weight, argmax}: [head, q_pos], the largest weight of each row and its k_pos (first on ties).

    (Tried: amax plus a first-index search per tile instead of `max(dim)` with indices: faster on one
    random tile, 30 % slower over SmolLM2's layers at 2,048 tokens, so not kept.)
    """
    return trace.memo.get(("row_max", layer, rows, keys), lambda: _row_max(trace, layer, rows, keys))


def _row_max(trace: AttentionTrace, layer: int, rows: int, keys: int) -> dict[str, torch.Tensor]:
    lse = trace.lse(layer)
    n_heads, n = lse.shape
    best = torch.full((n_heads, n), -math.inf, device=lse.device)
    arg = torch.full((n_heads, n), -1, dtype=torch.int64, device=lse.device)
    for q0, k0, z, _ in trace.score_tiles(layer, rows=rows, keys=keys, minus=lse):
        r = slice(q0, q0 + z.shape[1])
        tile_max, tile_arg = z.max(-1)  # first index on ties
        better = tile_max > best[:, r]  # strictly: an earlier key keeps a tie
        arg[:, r] = torch.where(better, tile_arg + k0, arg[:, r])
        best[:, r] = torch.maximum(best[:, r], tile_max)
    return {"max_weight": torch.exp(best), "argmax": arg}


def weighted_row_sums(
    trace: AttentionTrace, layer: int, values: torch.Tensor, *, rows: int = 128, keys: int = 256
) -> torch.Tensor:
    """[head, q_pos]: sum_k w[q, k] values[head, k] (values: [head, k_pos], one number per key and head)."""
    lse = trace.lse(layer)
    out = torch.zeros_like(lse)
    values = values.float().to(lse.device)
    for q0, k0, z, _ in trace.score_tiles(layer, rows=rows, keys=keys, minus=lse):
        e = torch.exp(z)  # [head, rows, keys]
        out[:, q0 : q0 + z.shape[1]] += torch.bmm(e, values[:, k0 : k0 + z.shape[2], None])[..., 0]
    return out


def left_multiply(trace: AttentionTrace, layer: int, r: torch.Tensor, *, rows: int = 128,
                  keys: int = 256) -> torch.Tensor:
    """[m, k_pos]: r @ (mean over heads of the layer's weights), for r: [m, q_pos] (m row vectors).

    Rows after the last non-zero column of r are not computed (rollout of a token in a causal model
    only reaches the tokens before it).
    """
    lse = trace.lse(layer)
    n_heads, n = lse.shape
    r = r.float().to(lse.device)
    out = torch.zeros(r.shape[0], n, device=lse.device)
    live = torch.nonzero((r != 0).any(0))
    if live.numel() == 0:
        return out
    for q0, k0, z, _ in trace.score_tiles(layer, rows=rows, keys=keys, minus=lse, q_stop=int(live[-1]) + 1):
        q1 = q0 + z.shape[1]
        e = torch.exp(z).sum(0)  # [rows, keys], summed over heads
        out[:, k0 : k0 + z.shape[2]] += r[:, q0:q1] @ e
    return out / n_heads


class LazyRowStats:
    """RowStats of a trace from its row log-sum-exp (`AttentionTrace.lse`), same fields and methods.

    entropy, first_weight and mean_distance come from one pass over each layer's score tiles
    (`row_entropy_distance`, which also keeps each row's largest weight; first_weight is a gather,
    exp(s[q, 0] - lse[q])); argmax needs another pass, so it is computed on first access only, for a
    view that shows it. Both are kept in the trace's memo. Every tile honours exactly the masks
    `pattern` uses (`AttentionTrace.score_tiles`).
    """

    def __init__(self, trace: AttentionTrace) -> None:
        self._trace = trace
        ent, dist, first = [], [], []
        q = torch.arange(trace.n_tokens)
        for layer in range(trace.n_layers):
            rows = row_entropy_distance(trace, layer)
            ent.append(rows["entropy"])
            dist.append(rows["mean_distance"])
            lse = trace.lse(layer)
            first.append(torch.exp(trace.pair_scores(layer, q, torch.zeros_like(q)) - lse))
        self.entropy = torch.stack(ent)  # [layer, head, q_pos] nats
        self.mean_distance = torch.stack(dist)  # [layer, head, q_pos] positions
        self.first_weight = torch.stack(first)  # [layer, head, q_pos]

    @property
    def max_weight(self) -> torch.Tensor:
        """[layer, head, q_pos]: from the entropy pass (exp of each row's largest z), no pass of its own."""
        trace = self._trace
        return torch.stack([row_entropy_distance(trace, layer)["max_weight"] for layer in range(trace.n_layers)])

    @property
    def argmax(self) -> torch.Tensor:
        """[layer, head, q_pos] int64: a pass of its own per layer (`row_max`), on first access only."""
        trace = self._trace
        return torch.stack([row_max(trace, layer)["argmax"] for layer in range(trace.n_layers)])

    @property
    def shape(self) -> tuple[int, int, int]:
        """(n_layers, n_heads, n_tokens), without computing the maxima."""
        return tuple(self.entropy.shape)  # type: ignore[return-value]

    layer = RowStats.layer
    to_dict = RowStats.to_dict


def lse_row_stats(trace: AttentionTrace) -> LazyRowStats:
    """The five row statistics of a trace from its log-sum-exp (max and argmax on demand)."""
    return LazyRowStats(trace)
