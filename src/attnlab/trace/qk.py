"""QKTrace: the whole trace contract streamed from kept q, k, v, a scale and a LayerMask per layer.

A source that keeps each layer's queries and keys (the model capture keeps references to the
tensors the model passed to SDPA) never needs an N x N map: every score is one dot product,

    s[h, q, k] = scale * q_h[q] . k_g[k]      g = h // (n_heads / n_kv_heads)   (grouped-query)
    s = mask.apply(s)                         softcap, biases, hidden cells -inf (`trace.mask`)
    w[h, q, k] = exp(s[h, q, k] - lse[h, q])  lse: the row's log-sum-exp

and `_tile_scores` is the one routine that computes a [head, rows, keys] block of s: the weights
(`pattern`), the scores, the score tiles the row sums walk over (`trace.rows`), the deep zoom's
tiles and pooled maps all come from it. Heads of one kv group share its matmul. The lse comes
from the attention kernel when the source kept it (free on CPU: `models.capture`), else it is
streamed once over the tiles (online max and sum) and kept in the trace's memo.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import torch

from ..checks import FLOAT32_MAX
from ..errors import NonFiniteError, NotKeptError
from ..rowstats import STAT_NAMES, RowStats, full_row_stats, head_row_stats
from .base import QKV, AttentionTrace, ScoreTile, non_finite_message
from .extras import Rotary, Streams
from .mask import LayerMask
from .rows import LazyRowStats


@dataclass(frozen=True, eq=False)
class LayerQKV:
    """What one layer's attention computed with, for one text."""

    q: torch.Tensor  # [head, q_pos, d_head] queries as the attention received them (post-RoPE)
    k: torch.Tensor  # [kv_head, k_pos, d_head] keys
    v: torch.Tensor  # [kv_head, k_pos, d_head] values
    scale: float  # scores = scale * q . k
    mask: LayerMask  # what hides cells and what is added to the scores
    lse: torch.Tensor | None = None  # [head, q_pos] fp32 row log-sum-exp from the kernel, if it gave one
    out_proj: torch.Tensor | None = None  # [d_model, head * d_head] W_O, if the source found it
    rotary: Rotary | None = None  # the RoPE applied to q and k, if the source knows it
    streams: Streams | None = None  # the residual stream around the layer's blocks, if the source kept it


@dataclass(frozen=True, eq=False)
class _Operands:
    """One layer's q and k laid out for `_tile_scores`: B batched matmuls of G query heads each."""

    q: torch.Tensor  # [B, G, q_pos, d_head] fp32 (B = kv heads and G = group for all heads; G = 1 for a subset)
    k_t: torch.Tensor  # [B, d_head, k_pos] fp32
    scale: float
    mask: LayerMask  # effective (simplest) form
    heads: torch.Tensor | None  # which heads the rows are (None: all, in order)


class QKTrace(AttentionTrace):
    """A trace computed from kept q, k, v (see the module docstring); sources give `self.layers`."""

    keeps_qkv = True
    layers_qkv: Sequence[LayerQKV]  # one per layer, set by the source

    @property
    def keeps_values(self) -> bool:  # type: ignore[override]
        return all(layer.out_proj is not None for layer in self.layers_qkv)

    @property
    def keeps_streams(self) -> bool:  # type: ignore[override]
        return all(layer.streams is not None for layer in self.layers_qkv)

    def _held(self) -> list[torch.Tensor | None]:
        held: list[torch.Tensor | None] = []
        for layer in self.layers_qkv:
            held += [layer.q, layer.k, layer.v, layer.lse, *layer.mask.tensors()]
            held += [] if layer.streams is None else layer.streams.tensors()
            held += [] if layer.rotary is None else [layer.rotary.cos, layer.rotary.sin]
        return held

    def qkv(self, layer: int) -> QKV:
        self.check_layer_head(layer, None)
        lq = self.layers_qkv[layer]
        return QKV(lq.q, lq.k, lq.v, lq.scale)

    def output_projection(self, layer: int) -> torch.Tensor:
        self.check_layer_head(layer, None)
        w_o = self.layers_qkv[layer].out_proj
        if w_o is None:
            raise NotKeptError(self._no_output_projection(layer))
        return w_o

    def rotary(self, layer: int) -> Rotary | None:
        self.check_layer_head(layer, None)
        return self.layers_qkv[layer].rotary

    def score_additions(self, layer: int) -> tuple[str, ...]:
        mask = self.mask(layer)
        named = (("softcap", mask.softcap is not None), ("bias", mask.bias is not None),
                 ("additive", mask.additive is not None))
        return tuple(name for name, present in named if present)

    def streams(self, layer: int) -> Streams:
        self.check_layer_head(layer, None)
        streams = self.layers_qkv[layer].streams
        if streams is None:
            return super().streams(layer)
        return streams

    def _no_output_projection(self, layer: int) -> str:
        """Why layer `layer` has no W_O (sources say what they looked for)."""
        return f"{self.model}: layer {layer} keeps no output projection"

    def mask(self, layer: int) -> LayerMask:
        """The layer's mask in its simplest form (`LayerMask.effective`)."""
        self.check_layer_head(layer, None)
        return self.layers_qkv[layer].mask.effective()

    def mask_kind(self, layer: int) -> str:
        return self.mask(layer).kind

    def check_finite(self) -> None:
        """NonFiniteError naming the first layer and head whose q, k or v hold NaN or inf, whose row
        log-sum-exp (the kernel's) is NaN or +inf, or whose scores overflow float32: every weight is
        computed from these. O(N x d) a layer; the scores themselves are scanned only when the bound
        max ||q_i|| max ||k_j|| |scale| says they might pass float32's range."""
        group = self.n_heads // self.n_kv_heads
        for layer, lq in enumerate(self.layers_qkv):
            for name, t, per in (("queries", lq.q, 1), ("keys", lq.k, group), ("values", lq.v, group)):
                bad = ~torch.isfinite(t)
                if bool(bad.any()):
                    head = int(bad.flatten(1).any(1).nonzero()[0]) * per
                    raise NonFiniteError(non_finite_message(self.model, layer, head, name))
            if lq.lse is not None:
                bad = torch.isnan(lq.lse) | torch.isposinf(lq.lse)
                if bool(bad.any()):
                    head = int(bad.any(1).nonzero()[0])
                    raise NonFiniteError(non_finite_message(self.model, layer, head, "scores (their log-sum-exp)"))
            bound = float(lq.q.float().norm(dim=-1).max()) * float(lq.k.float().norm(dim=-1).max()) * abs(lq.scale)
            if bound > FLOAT32_MAX / 4:  # a score might overflow: look at them (biases add little beside this)
                self._check_scores(layer)

    def _check_scores(self, layer: int) -> None:
        for _, _, s, _ in self.score_tiles(layer):
            bad = torch.isnan(s) | torch.isposinf(s)
            if bool(bad.any()):
                head = int(bad.flatten(1).any(1).nonzero()[0])
                raise NonFiniteError(non_finite_message(self.model, layer, head, "scores (q . k overflows float32)"))

    # the one tile routine ---------------------------------------------------------------------

    def _operands(self, layer: int, heads: list[int] | None = None) -> _Operands:
        lq = self.layers_qkv[layer]
        n_kv, group = self.n_kv_heads, self.n_heads // self.n_kv_heads
        if heads is None:
            q = lq.q.float().view(n_kv, group, lq.q.shape[1], -1)  # [kv, group, q_pos, d_head]
            k_t = lq.k.float().transpose(1, 2)  # [kv, d_head, k_pos]
            idx = None
        else:
            idx = torch.tensor(heads, device=lq.q.device)
            q = lq.q[idx].float().unsqueeze(1)  # [h, 1, q_pos, d_head]
            k_t = lq.k[idx // group].float().transpose(1, 2)  # [h, d_head, k_pos]
        return _Operands(q, k_t, lq.scale, lq.mask.effective(), idx)

    def _tile_scores(self, ops: _Operands, q0: int, q1: int, k0: int, k1: int,
                     minus: torch.Tensor | None = None) -> torch.Tensor:
        """[head, q1 - q0, k1 - k0] fp32 masked scores (hidden -inf), minus `minus[head, q_pos]` per row."""
        b, g = ops.q.shape[:2]
        rows, keys = q1 - q0, k1 - k0
        q = ops.q[:, :, q0:q1].reshape(b, g * rows, -1)
        linear = ops.mask.softcap is None  # the shift commutes with everything but the soft cap
        if minus is not None and linear:
            shift = (-minus[:, q0:q1].float()).reshape(b, g * rows, 1)
            s = torch.baddbmm(shift, q, ops.k_t[:, :, k0:k1], alpha=ops.scale)  # z = s - lse from the matmul
        else:
            s = torch.bmm(q, ops.k_t[:, :, k0:k1]).mul_(ops.scale)
        s = ops.mask.apply(s.view(b * g, rows, keys), q0, k0, ops.heads)
        if minus is not None and not linear:
            s -= minus[:, q0:q1].float().unsqueeze(-1)
        return s

    # the contract from the one routine --------------------------------------------------------

    def _weights(self, layer: int, heads: list[int], rows: int = 1024) -> torch.Tensor:
        """[len(heads), q_pos, k_pos] fp32 softmax of the scores, a block of rows at a time."""
        ops, n = self._operands(layer, heads), self.n_tokens
        out = torch.empty(len(heads), n, n, device=ops.q.device)
        for lo in range(0, n, rows):
            hi = min(lo + rows, n)
            out[:, lo:hi] = self._tile_scores(ops, lo, hi, 0, n).softmax(dim=-1)
        return out

    def scores(self, layer: int, head: int) -> torch.Tensor:
        """[q_pos, k_pos] fp32 pre-softmax scores of one head (scaled, biased); hidden cells are -inf."""
        self.check_layer_head(layer, head)
        n = self.n_tokens
        return self._tile_scores(self._operands(layer, [head]), 0, n, 0, n)[0]

    def _dense_logits(self, layer: int) -> torch.Tensor:
        n = self.n_tokens
        return self._tile_scores(self._operands(layer), 0, n, 0, n)

    def lse(self, layer: int) -> torch.Tensor:
        """[head, q_pos] fp32: the kernel's when kept, else streamed once over the score tiles."""
        self.check_layer_head(layer, None)
        kept = self.layers_qkv[layer].lse
        if kept is not None:
            return kept
        return self.memo.get(("lse", layer), lambda: _streamed_lse(self.score_tiles(layer), self.n_heads,
                                                                   self.n_tokens, self.layers_qkv[layer].q.device))

    def score_tiles(self, layer: int, *, rows: int = 128, keys: int = 256, minus: torch.Tensor | None = None,
                    q_stop: int | None = None) -> Iterator[ScoreTile]:
        """The layer's scores `rows` x `keys` at a time (see `AttentionTrace.score_tiles`); working memory
        one tile whatever N is; tiles a causal mask hides entirely are skipped."""
        self.check_layer_head(layer, None)
        ops, n = self._operands(layer), self.n_tokens
        stop = n if q_stop is None else min(q_stop, n)
        for q0 in range(0, stop, rows):
            q1 = min(q0 + rows, stop)
            for k0 in range(0, ops.mask.key_stop(q1, n), keys):
                k1 = min(k0 + keys, ops.mask.key_stop(q1, n))
                partial = ops.mask.hides and not (_only_causal(ops.mask) and k1 - 1 <= q0)
                yield ScoreTile(q0, k0, self._tile_scores(ops, q0, q1, k0, k1, minus), partial)

    def pair_scores(self, layer: int, q_pos: torch.Tensor, k_pos: torch.Tensor) -> torch.Tensor:
        """[head, pairs] fp32 scores of chosen cells: O(pairs x d_head) per head."""
        self.check_layer_head(layer, None)
        lq, n_kv = self.layers_qkv[layer], self.n_kv_heads
        q_pos, k_pos = q_pos.to(lq.q.device), k_pos.to(lq.q.device)
        q = lq.q[:, q_pos].float().view(n_kv, self.n_heads // n_kv, len(q_pos), -1)  # [kv, group, pairs, d_head]
        k = lq.k[:, k_pos].float().unsqueeze(1)  # [kv, 1, pairs, d_head]
        s = torch.linalg.vecdot(q, k).view(self.n_heads, -1).mul_(lq.scale)  # [head, pairs]
        return lq.mask.effective().apply_pairs(s, q_pos, k_pos)

    def row_scores(self, layer: int, q_pos: torch.Tensor, keys: int | None = None) -> torch.Tensor:
        """[head, rows, keys] fp32: one matmul per kv group over the chosen queries, then the mask cell by cell
        (`LayerMask.apply_pairs`): O(rows x keys x d_head) per head, no copy of k per row."""
        self.check_layer_head(layer, None)
        lq, n_kv = self.layers_qkv[layer], self.n_kv_heads
        keys = self.n_tokens if keys is None else keys
        q_pos = q_pos.to(lq.q.device)
        q = lq.q[:, q_pos].float().view(n_kv, -1, lq.q.shape[-1])  # [kv, group * rows, d_head]
        s = torch.bmm(q, lq.k[:, :keys].float().transpose(1, 2)).mul_(lq.scale)  # [kv, group * rows, keys]
        s = s.view(self.n_heads, len(q_pos) * keys)  # [head, rows * keys]
        rows = q_pos.repeat_interleave(keys)
        cols = torch.arange(keys, device=q_pos.device).repeat(len(q_pos))
        return lq.mask.effective().apply_pairs(s, rows, cols).view(self.n_heads, len(q_pos), keys)

    def visible_keys(self, layer: int) -> torch.Tensor:
        self.check_layer_head(layer, None)
        return self.mask(layer).visible_counts(self.n_tokens, self.layers_qkv[layer].q.device)

    def _key_stop(self, layer: int, q1: int) -> int:
        return self.mask(layer).key_stop(q1, self.n_tokens)

    def tile(self, layer: int, head: int, rows: tuple[int, int],
             cols: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
        """(weights, scores) of one head's rectangle: one matmul, weights = exp(scores - lse)."""
        self._check_rect(layer, head, rows, cols)
        s = self._rect_scores(layer, head, rows, cols)
        w = torch.exp(s - self.lse(layer)[head, rows[0] : rows[1]].to(s.device).unsqueeze(1))
        return w.cpu(), s.cpu()

    def _weight_rect(self, layer: int, head: int, rows: tuple[int, int], cols: tuple[int, int]) -> torch.Tensor:
        s = self._rect_scores(layer, head, rows, cols)
        return s.sub_(self.lse(layer)[head, rows[0] : rows[1]].to(s.device).unsqueeze(1)).exp_()

    def _rect_scores(self, layer: int, head: int, rows: tuple[int, int], cols: tuple[int, int]) -> torch.Tensor:
        return self._tile_scores(self._operands(layer, [head]), rows[0], rows[1], cols[0], cols[1])[0]

    # row statistics ---------------------------------------------------------------------------

    def row_stats(self, *, tile: int | None = None, q_block: int | None = None,
                  fused: bool | None = None) -> RowStats:
        """Per-row statistics of every layer and head ([layer, head, q_pos] each, `rowstats.RowStats`).

        When every layer kept its kernel lse and no block sizes are asked for: from the lse, one pass
        over the score tiles (`trace.rows.LazyRowStats`: max_weight and argmax only when read; measured
        in docs/benchmarks.md). Otherwise layers whose mask is none or plain causal are streamed with an
        online softmax (`rowstats.head_row_stats`: the CPU defaults, 256 keys x 128 queries, were the
        fastest measured; on a GPU it picks larger blocks and may fold each tile with a compiled function,
        `fused`), and any other layer from its weights, head by head.
        """
        kept = all(lq.lse is not None for lq in self.layers_qkv)
        if kept and tile is None and q_block is None and fused is None:
            return LazyRowStats(self)  # type: ignore[return-value]
        if self.layers_qkv[0].q.device.type == "cpu":
            tile, q_block = tile or 256, q_block or 128
        per_layer = []
        for layer, lq in enumerate(self.layers_qkv):
            kind = lq.mask.kind
            if kind == "other":
                heads = [full_row_stats(self._weights(layer, [h])) for h in range(self.n_heads)]
                per_layer.append({name: torch.cat([h[name] for h in heads]) for name in STAT_NAMES})
                continue
            per_layer.append(head_row_stats(lq.q, lq.k, scale=lq.scale, causal=kind == "causal", tile=tile,
                                            q_block=q_block, fused=fused))
        return RowStats.stack(per_layer)


def _only_causal(mask: LayerMask) -> bool:
    """The mask hides only what the causal flag hides (a tile left of the diagonal then hides nothing)."""
    return mask.allowed is None and mask.additive is None


def _streamed_lse(tiles: Iterator[ScoreTile], n_heads: int, n: int, device: torch.device) -> torch.Tensor:
    """[head, q_pos] log-sum-exp over the tiles, with a running max (rows that see nothing: -inf)."""
    mx = torch.full((n_heads, n), float("-inf"), device=device)
    total = torch.zeros(n_heads, n, device=device)
    for q0, _, s, _ in tiles:
        rows = slice(q0, q0 + s.shape[1])
        m_new = torch.maximum(mx[:, rows], s.amax(-1))
        safe = torch.where(torch.isinf(m_new), torch.zeros_like(m_new), m_new)
        total[:, rows] = total[:, rows] * torch.exp(mx[:, rows] - safe) + torch.exp(s - safe[..., None]).sum(-1)
        mx[:, rows] = m_new
    return torch.where(total > 0, torch.log(total) + mx, torch.full_like(total, float("-inf")))
