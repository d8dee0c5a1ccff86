"""Traces of real models: patterns recomputed on demand from the captured queries and keys.

`ModelTrace` keeps, per layer, references to the post-RoPE queries and the keys/values the model
passed to SDPA (`LayerCapture`), never N x N maps. `pattern(layer, head)` rebuilds one head's weights
in fp32 the way the model's attention did:

    scores = scale * q_h k_g^T        g = h // (n_heads / n_kv_heads)   (grouped-query attention)
    scores += position_bias           (if the model passed one)
    scores[~mask] = -inf              (the mask the model used: padding, causal, sliding window...)
    weights = softmax(scores)         each row sums to 1

A trace stands for one text: in a padded batch it keeps the batch index and the span of its
real tokens (contiguous under left or right padding), and reports patterns over those only.
`EagerTrace` is the fallback for models whose attention does not go through transformers'
attention interface: it keeps eager `output_attentions`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import torch

from ..errors import AttnlabError
from ..rowstats import STAT_NAMES, RowStats, full_row_stats, head_row_stats
from ..rowstats.lse import LazyRowStats
from ..trace import AttentionTrace, Token
from .capture import LayerCapture

Tile = tuple[int, int, torch.Tensor, bool]  # (q0, k0, scores [head, rows, keys], may hold hidden cells)


class _ModelTraceBase(AttentionTrace):
    """Fields and checks shared by the capture trace and the eager fallback."""

    def __init__(
        self,
        *,
        tokens: tuple[Token, ...],
        model: str,
        kind: str,
        n_layers: int,
        n_heads: int,
        n_kv_heads: int,
        span: tuple[int, int],
        batch_index: int,
        prompt_len: int | None,
        truncated: int,
    ) -> None:
        self.tokens = tokens  # one Token per real (unpadded) position
        self.model = model  # registry name or path / hub id
        self.kind = kind  # "encoder" | "decoder"
        self.n_layers, self.n_heads, self.n_kv_heads = n_layers, n_heads, n_kv_heads
        self.causal = kind == "decoder"
        self.temperature = 1.0
        self.span = slice(*span)  # where this text's tokens sit in the padded batch (start, stop)
        self.batch_index = batch_index  # which item of the batch this trace reads
        self.prompt_len = prompt_len  # decoders with --generate: tokens [prompt_len:] were generated
        self.truncated = truncated  # tokens cut from the end of the input (0: none)


def _softmax_rows_(scores: torch.Tensor, *, causal: bool = False, rows: int = 1024) -> torch.Tensor:
    """softmax over k_pos, in place, a block of query rows at a time (peak: the map + one block).

    causal: hide k_pos > q_pos first (square maps), block by block, so no N x N mask is ever built.
    """
    n_q, n_k = scores.shape[-2:]
    keys = torch.arange(n_k, device=scores.device)
    for lo in range(0, n_q, rows):
        block = scores[..., lo : lo + rows, :]
        if causal:
            q_abs = torch.arange(lo, lo + block.shape[-2], device=scores.device) + (n_k - n_q)
            block.masked_fill_(keys.unsqueeze(0) > q_abs.unsqueeze(1), float("-inf"))
        block.copy_(block.softmax(dim=-1))
    return scores


class ModelTrace(_ModelTraceBase):
    """A real model's attention on one text, from captured q/k (see the module docstring)."""

    def __init__(self, *, layers: list[LayerCapture], **fields: Any) -> None:
        super().__init__(**fields)
        self.layers = layers  # one LayerCapture per layer (tensors shared with the whole batch)

    def q(self, layer: int) -> torch.Tensor:
        """[head, q_pos, d_head] post-RoPE queries of this text's tokens (model dtype, not copied)."""
        return self.layers[layer].q[self.batch_index, :, self.span]

    def k(self, layer: int) -> torch.Tensor:
        """[kv_head, k_pos, d_head] keys of this text's tokens."""
        return self.layers[layer].k[self.batch_index, :, self.span]

    def v(self, layer: int) -> torch.Tensor:
        """[kv_head, k_pos, d_head] values of this text's tokens."""
        return self.layers[layer].v[self.batch_index, :, self.span]

    def scale(self, layer: int) -> float:
        return self.layers[layer].scale

    def allowed(self, layer: int) -> torch.Tensor | None:
        """[q_pos, k_pos] bool, True = may attend, as the model's mask said; None = everything."""
        cap, n = self.layers[layer], self.n_tokens
        if cap.mask is not None and cap.mask.dtype == torch.bool:
            m = cap.mask[min(self.batch_index, cap.mask.shape[0] - 1), 0]
            return m[self.span, self.span]
        if cap.causal:
            return torch.ones(n, n, dtype=torch.bool, device=cap.q.device).tril()
        return None

    def _weights(self, layer: int, heads: list[int]) -> torch.Tensor:
        """[len(heads), q_pos, k_pos] fp32 weights of these heads, as the model's attention computed them."""
        scores, causal_only = self._scores(layer, heads)
        return _softmax_rows_(scores, causal=causal_only)

    def scores(self, layer: int, head: int) -> torch.Tensor:
        """[q_pos, k_pos] fp32 pre-softmax scores of one head (scaled, biased); hidden cells are -inf."""
        self.check_layer_head(layer, head)
        scores, causal_only = self._scores(layer, [head])
        scores = scores[0]
        scores.masked_fill_(scores <= torch.finfo(torch.float32).min / 2, float("-inf"))  # additive masks
        if causal_only:
            n_q, n_k = scores.shape
            scores.masked_fill_(torch.ones(n_q, n_k, dtype=torch.bool, device=scores.device).triu(1 + n_k - n_q),
                                float("-inf"))
        return scores

    def _scores(self, layer: int, heads: list[int]) -> tuple[torch.Tensor, bool]:
        """The heads' scores with the model's mask applied, except a plain causal mask (returned as a flag,
        so that `weights` can apply it block by block without an N x N mask)."""
        cap = self.layers[layer]
        group = self.n_heads // self.n_kv_heads
        idx = torch.tensor(heads)
        q = self.q(layer)[idx].float()  # [h, q_pos, d_head]
        k = self.k(layer)[idx // group].float()  # [h, k_pos, d_head]
        scores = q @ k.transpose(-2, -1)  # [h, q_pos, k_pos]; updated in place below: at N = 32,768
        scores.mul_(cap.scale)  # one head's map is 4 GiB in fp32, so no second copy is ever made
        b = min(self.batch_index, 0 if cap.mask is None else cap.mask.shape[0] - 1)
        if cap.position_bias is not None:
            bias = cap.position_bias[min(self.batch_index, cap.position_bias.shape[0] - 1)]  # [head, q, k]
            scores.add_(bias[idx][:, self.span, self.span].float())
        if cap.mask is not None and cap.mask.dtype != torch.bool:
            scores.add_(cap.mask[b, 0][self.span, self.span].float())
        causal_only = cap.mask is None and cap.causal  # hidden cells made per row block, not as N x N
        allowed = None if causal_only else self.allowed(layer)
        if allowed is not None:
            scores.masked_fill_(~allowed, float("-inf"))
        return scores, causal_only

    def row_stats(
        self, *, tile: int | None = None, q_block: int | None = None, fused: bool | None = None
    ) -> RowStats | LazyRowStats:
        """Per-row statistics of every layer and head (`rowstats.RowStats`, [layer, head, q_pos]).

        When the forward kept each row's log-sum-exp (the CPU capture does) and no block sizes are
        asked for, they come from it (`rowstats.lse.LazyRowStats`): entropy, first_weight and
        mean_distance in one pass over the score tiles, max_weight and argmax only when read (measured
        in docs/benchmarks.md). Otherwise layers whose mask is none or plain causal are streamed over
        key tiles with an online softmax (`head_row_stats`): never
        more than a q_block x tile block per head. The CPU defaults (256 keys x 128 queries) were the
        fastest measured for SmolLM2 on this CPU (N = 1,024: 0.67 s for all 30 layers against 2.2 s with
        512 x 512 blocks; N = 2,048: 2.3 s against 3.2 s): the block stays in cache. On a GPU,
        `head_row_stats` picks its own (larger) blocks and folds each tile with a compiled, fused function
        (`fused`; see `rowstats._fused`). Layers with any other mask (sliding window, an additive bias,
        a position bias) are computed head by head from `pattern`'s own weights, so the statistics
        always describe exactly the weights the views show.
        """
        kept = all(cap.lse is not None for cap in self.layers)
        if kept and tile is None and q_block is None and fused is None:
            return LazyRowStats(self)
        if self.q(0).device.type == "cpu":
            tile, q_block = tile or 256, q_block or 128
        per_layer = []
        for layer in range(self.n_layers):
            kind = self._mask_kind(layer)
            if kind == "other":
                heads = [full_row_stats(self._weights(layer, [h])) for h in range(self.n_heads)]
                per_layer.append({name: torch.cat([h[name] for h in heads]) for name in STAT_NAMES})
                continue
            per_layer.append(head_row_stats(self.q(layer), self.k(layer), scale=self.scale(layer),
                                            causal=kind == "causal", tile=tile, q_block=q_block, fused=fused))
        return RowStats.stack(per_layer)

    def _mask_kind(self, layer: int, rows: int = 1024) -> str:
        """"none" (every key visible), "causal" (k_pos <= q_pos) or "other", for this text's span."""
        cap = self.layers[layer]
        if cap.position_bias is not None:
            return "other"
        if cap.mask is None:
            return "causal" if cap.causal else "none"
        m = cap.mask[min(self.batch_index, cap.mask.shape[0] - 1), 0][self.span, self.span]  # [q_pos, k_pos]
        full = causal = True
        for lo in range(0, m.shape[0], rows):  # row blocks: no N x N temporary at long inputs
            block = m[lo : lo + rows]
            if block.dtype != torch.bool:  # additive: 0 where visible, very negative where hidden
                if bool(((block != 0) & (block > torch.finfo(block.dtype).min / 2)).any()):
                    return "other"  # a real bias, not just a mask
                block = block == 0
            q_pos = torch.arange(lo, lo + block.shape[0], device=block.device).unsqueeze(1)
            tril = torch.arange(block.shape[1], device=block.device).unsqueeze(0) <= q_pos
            full = full and bool(block.all())
            causal = causal and bool(torch.equal(block, tril))
            if not (full or causal):
                return "other"
        return "none" if full else "causal"

    # --- N x N-free access: log-sum-exp, score tiles, chosen pairs (analysis.census, rollout, ...) ---

    def lse(self, layer: int) -> torch.Tensor:
        """[head, q_pos] fp32 log-sum-exp of each row's scores, so that weight = exp(score - lse).

        From the attention kernel when the capture got it there (free, see `capture`); otherwise
        computed once by streaming over `score_tiles` (online max and sum, never N x N) and kept.
        """
        self.check_layer_head(layer, None)
        cache = self.__dict__.setdefault("_lse_cache", {})
        if layer not in cache:
            cap = self.layers[layer]
            if cap.lse is not None:
                cache[layer] = cap.lse[self.batch_index, :, self.span].float()
            else:
                cache[layer] = _streamed_lse(self.score_tiles(layer), self.n_heads, self.n_tokens, cap.q.device)
        return cache[layer]

    def _mask_parts(self, layer: int) -> tuple[Any, Any, Any, bool]:
        """(position bias [head, q, k], float mask [q, k], allowed bool [q, k], plain causal) of this text."""
        cap = self.layers[layer]
        b = min(self.batch_index, 0 if cap.mask is None else cap.mask.shape[0] - 1)
        bias = None
        if cap.position_bias is not None:
            bias = cap.position_bias[min(self.batch_index, cap.position_bias.shape[0] - 1)][:, self.span, self.span]
        mask = None if cap.mask is None else cap.mask[b, 0][self.span, self.span]
        additive = mask if mask is not None and mask.dtype != torch.bool else None
        allowed = mask if mask is not None and mask.dtype == torch.bool else None
        return bias, additive, allowed, cap.mask is None and cap.causal

    def score_tiles(self, layer: int, *, rows: int = 128, keys: int = 256,
                    minus: torch.Tensor | None = None, q_stop: int | None = None) -> Iterator[Tile]:
        """Yield (q0, k0, scores, partial) over the [q_pos, k_pos] plane, `rows` x `keys` at a time.

        scores: [head, rows, keys] fp32 as `scores(layer, head)` gives them ((q k^T) * scale, biased,
        hidden cells -inf), minus `minus[head, q_pos]` per row when given (z = s - lse comes out of
        the matmul itself); partial: some cell may be hidden. Tiles a plain causal mask hides entirely
        are skipped, and so are rows from `q_stop` on. Heads of one kv group share a matmul. Working
        memory: one tile, whatever N is.
        """
        self.check_layer_head(layer, None)
        bias, additive, allowed, causal = self._mask_parts(layer)
        masked = mask_present(bias, additive, allowed)
        n, n_kv, group, scale = self.n_tokens, self.n_kv_heads, self.n_heads // self.n_kv_heads, self.scale(layer)
        q = self.q(layer).float().view(n_kv, group, n, -1)  # [kv, group, q_pos, d_head]
        k_t = self.k(layer).float().transpose(1, 2)  # [kv, d_head, k_pos]
        shift = None if minus is None else (-minus.float()).view(n_kv, group, n, 1)
        for q0 in range(0, n if q_stop is None else min(q_stop, n), rows):
            q1 = min(q0 + rows, n if q_stop is None else min(q_stop, n))
            q_flat = q[:, :, q0:q1].reshape(n_kv, group * (q1 - q0), -1)
            base = None if shift is None else shift[:, :, q0:q1].reshape(n_kv, group * (q1 - q0), 1)
            for k0 in range(0, q1 if causal else n, keys):
                k1 = min(k0 + keys, q1 if causal else n)
                if base is None:
                    s = torch.bmm(q_flat, k_t[:, :, k0:k1]).mul_(scale)
                else:
                    s = torch.baddbmm(base, q_flat, k_t[:, :, k0:k1], alpha=scale)
                s = s.view(self.n_heads, q1 - q0, k1 - k0)
                if bias is not None:
                    s += bias[:, q0:q1, k0:k1].float()
                if additive is not None:
                    s += additive[q0:q1, k0:k1].float()
                if allowed is not None:
                    s.masked_fill_(~allowed[q0:q1, k0:k1], float("-inf"))
                if causal and k1 - 1 > q0:
                    hidden = torch.arange(k0, k1, device=s.device) > torch.arange(q0, q1, device=s.device)[:, None]
                    s.masked_fill_(hidden, float("-inf"))
                yield q0, k0, s, masked or (causal and k1 - 1 > q0)

    def pair_scores(self, layer: int, q_pos: torch.Tensor, k_pos: torch.Tensor) -> torch.Tensor:
        """[head, pairs] fp32 scores of the pairs (q_pos[i], k_pos[i]), as `scores` gives them (hidden: -inf).

        O(pairs x d_head) per head: a diagonal (previous token), a column (first token), ... without
        the N x N map. With `lse`: weight = exp(pair_scores - lse[:, q_pos]).
        """
        self.check_layer_head(layer, None)
        bias, additive, allowed, causal = self._mask_parts(layer)
        n_kv = self.n_kv_heads
        q = self.q(layer)[:, q_pos].float().view(n_kv, self.n_heads // n_kv, len(q_pos), -1)  # [kv, group, pairs, d]
        k = self.k(layer)[:, k_pos].float().unsqueeze(1)  # [kv, 1, pairs, d_head]
        s = torch.linalg.vecdot(q, k).view(self.n_heads, -1).mul_(self.scale(layer))  # [head, pairs], (q . k) * scale
        if bias is not None:
            s += bias[:, q_pos, k_pos].float()
        if additive is not None:
            s += additive[q_pos, k_pos].float()
        if allowed is not None:
            s.masked_fill_(~allowed[q_pos, k_pos], float("-inf"))
        if causal:
            s.masked_fill_(k_pos > q_pos, float("-inf"))
        return s

    def visible_keys(self, layer: int) -> torch.Tensor:
        """[q_pos] int64: how many keys each query may see (causal: q + 1; encoder: N; else the mask's count)."""
        _, additive, allowed, causal = self._mask_parts(layer)
        n = self.n_tokens
        if allowed is not None:
            return allowed.sum(-1)
        if additive is not None:
            return (additive > torch.finfo(torch.float32).min / 2).sum(-1)
        device = self.layers[layer].q.device
        return torch.arange(1, n + 1, device=device) if causal else torch.full((n,), n, device=device)

    def output_projection(self, layer: int) -> torch.Tensor:
        """[d_model, head * d_head] W_O of this layer (head h: columns h*d_head .. (h+1)*d_head).

        Raises AttnlabError naming what was looked for when the model keeps none attnlab understands.
        """
        from .capture import OUT_PROJ_NAMES, PARENT_OUT_PROJ_NAMES

        self.check_layer_head(layer, None)
        cap = self.layers[layer]
        if cap.out_proj is None:
            owner = type(cap.module).__name__ if cap.module is not None else "attention module"
            raise AttnlabError(
                f"{self.model}: layer {layer}'s {owner} has no output projection attnlab understands "
                f"(looked for a Linear with {self.n_heads * cap.v.shape[-1]} inputs named "
                f"{', '.join(OUT_PROJ_NAMES)} on it, or {', '.join(PARENT_OUT_PROJ_NAMES)} on its parent)"
            )
        return cap.out_proj


def mask_present(*parts: Any) -> bool:
    """True when any of the mask parts exists (a tile may then hold hidden cells)."""
    return any(p is not None for p in parts)


def _streamed_lse(tiles: Iterator[Tile], n_heads: int, n: int, device: torch.device) -> torch.Tensor:
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


class EagerTrace(_ModelTraceBase):
    """Fallback: a model's eager `output_attentions` weights, kept as the model returned them."""

    def __init__(self, *, attentions: tuple[torch.Tensor, ...], **fields: Any) -> None:
        super().__init__(**fields)
        self.attentions = attentions  # per layer [batch, head, q_pos, k_pos]

    def _weights(self, layer: int, heads: list[int]) -> torch.Tensor:
        w = self.attentions[layer][self.batch_index][torch.tensor(heads)]  # [h, q_pos, k_pos]
        return w[:, self.span, self.span].float()
