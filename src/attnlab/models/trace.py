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

from typing import Any

import torch

from ..rowstats import STAT_NAMES, RowStats, full_row_stats, head_row_stats
from ..trace import AttentionTrace, Token
from .capture import LayerCapture


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

    def row_stats(self, *, tile: int | None = None, q_block: int | None = None, fused: bool | None = None) -> RowStats:
        """Per-row statistics of every layer and head (`rowstats.RowStats`, [layer, head, q_pos]).

        Layers whose mask is none or plain causal are streamed over key tiles (`head_row_stats`): never
        more than a q_block x tile block per head. The CPU defaults (256 keys x 128 queries) were the
        fastest measured for SmolLM2 on this CPU (N = 1,024: 0.67 s for all 30 layers against 2.2 s with
        512 x 512 blocks; N = 2,048: 2.3 s against 3.2 s): the block stays in cache. On a GPU,
        `head_row_stats` picks its own (larger) blocks and folds each tile with a compiled, fused function
        (`fused`; see `rowstats._fused`). Layers with any other mask (sliding window, an additive bias,
        a position bias) are computed head by head from `pattern`'s own weights, so the statistics
        always describe exactly the weights the views show.
        """
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


class EagerTrace(_ModelTraceBase):
    """Fallback: a model's eager `output_attentions` weights, kept as the model returned them."""

    def __init__(self, *, attentions: tuple[torch.Tensor, ...], **fields: Any) -> None:
        super().__init__(**fields)
        self.attentions = attentions  # per layer [batch, head, q_pos, k_pos]

    def _weights(self, layer: int, heads: list[int]) -> torch.Tensor:
        w = self.attentions[layer][self.batch_index][torch.tensor(heads)]  # [h, q_pos, k_pos]
        return w[:, self.span, self.span].float()
