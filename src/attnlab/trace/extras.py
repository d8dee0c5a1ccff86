"""What a model source may keep besides q, k and v: the rotary embedding and the residual stream.

Two analyses need them and nothing else does, so they are optional parts of the contract
(`AttentionTrace.rotary`, `AttentionTrace.streams`):

- `Rotary`: the cos / sin the model multiplied q and k by (RoPE). The captured q and k are
  post-rotation; with these the un-rotated ones are exact (`unrotate`), so a score splits into what
  the vectors' content gives and what the rotation adds (`analysis.why`).
- `Streams`: the residual stream around each block of one layer, as the model added to it. An
  information-flow graph (`analysis.flow`) weighs each part of a sum (one head's output from one
  token, the stream it was added to, the feed-forward block's output) against the whole sum, so it
  needs the sums themselves. O(N x d_model) per layer; never N x N.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True, eq=False)
class Rotary:
    """The rotary position embedding of one layer, in the rotate-half layout (Llama, Qwen, Mistral...):
    dimension d and d + d_head / 2 form pair d, turned by the angle pos * inv_freq[d]."""

    cos: torch.Tensor  # [pos, d_head] fp32, times the model's attention scaling when it has one
    sin: torch.Tensor  # [pos, d_head] fp32
    inv_freq: torch.Tensor  # [d_head / 2] fp32 radians per position of each pair (fastest first)

    def unrotate(self, x: torch.Tensor, positions: torch.Tensor | None = None) -> torch.Tensor:
        """[..., pos, d_head] fp32 q or k as the projection made them, from the rotated x of every position
        (or of `positions`, [pos] int64): the inverse rotation x cos - rotate_half(x) sin, divided by
        cos^2 + sin^2 (1 up to rounding, or the model's attention scaling squared)."""
        cos, sin = (self.cos, self.sin) if positions is None else (self.cos[positions], self.sin[positions])
        cos, sin = cos.to(x.device), sin.to(x.device)
        return (x.float() * cos - rotate_half(x.float()) * sin) / (cos * cos + sin * sin)


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    """[..., d] -> [..., d]: (a, b) -> (-b, a) on the halves, the rotate-half layout's 90-degree turn."""
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


@dataclass(frozen=True, eq=False)
class Streams:
    """The residual stream around one layer's two blocks, as the model summed it (one text).

    Attention block: resid_in + attn_out (the sum before any norm). Feed-forward block:
    ffn_in + ffn_out, where ffn_in is that same sum in a pre-norm model (Llama) and its LayerNorm in
    a post-norm one (BERT: `post_norm`)."""

    resid_in: torch.Tensor  # [pos, d_model] the stream the attention block adds to
    attn_out: torch.Tensor  # [pos, d_model] what it adds: the heads' outputs through W_O, plus W_O's bias
    ffn_out: torch.Tensor  # [pos, d_model] what the feed-forward block adds
    post_norm: torch.Tensor | None = None  # [pos, d_model] post-norm models: LayerNorm(resid_in + attn_out)

    def attn_sum(self, rows: torch.Tensor | None = None) -> torch.Tensor:
        """[rows, d_model] fp32 resid_in + attn_out at `rows` (default all): the whole the attention
        block's parts add up to."""
        pick = slice(None) if rows is None else rows
        return self.resid_in[pick].float() + self.attn_out[pick].float()

    def ffn_in(self, rows: torch.Tensor | None = None) -> torch.Tensor:
        """[rows, d_model] fp32 the stream the feed-forward block adds to, at `rows` (default all)."""
        if self.post_norm is None:
            return self.attn_sum(rows)
        return self.post_norm[slice(None) if rows is None else rows].float()

    def tensors(self) -> list[torch.Tensor | None]:
        return [self.resid_in, self.attn_out, self.ffn_out, self.post_norm]
