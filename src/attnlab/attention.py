"""The transparent attention math: one readable path, written with basic tensor ops.

This is the computation of the tutorial (and of "Attention Is All You Need", eq. 1), kept step by
step so that every intermediate can be shown:

    Q = x W_Q,  K = x W_K,  V = x W_V                       (projections)
    scores = Q K^T / sqrt(d_head)                            (scaled dot products)
    scores[q, k] = -inf where the causal mask hides k > q    (optional mask)
    weights = softmax(scores / temperature) over k_pos       (each row sums to 1)
    output = weights V                                       (weighted mix of the values)

Multi-head attention splits d_model into `heads` slices of d_head = d_model / heads, runs the
above per head, and concatenates the heads' outputs back to d_model (no output projection: the
tutorial has none). The tests check this path against torch's `scaled_dot_product_attention` and
`nn.MultiheadAttention`; it is not replaced by them.
"""

from __future__ import annotations

import math

import torch


def causal_mask(n: int) -> torch.Tensor:
    """[q_pos, k_pos] bool: True where the query may attend (k_pos <= q_pos)."""
    return torch.ones(n, n, dtype=torch.bool).tril()


def split_heads(t: torch.Tensor, heads: int) -> torch.Tensor:
    """[pos, d_model] -> [head, pos, d_head]: head h owns columns h*d_head .. (h+1)*d_head - 1."""
    n, d_model = t.shape
    return t.reshape(n, heads, d_model // heads).transpose(0, 1)


def merge_heads(t: torch.Tensor) -> torch.Tensor:
    """[head, pos, d_head] -> [pos, d_model]: the heads' outputs side by side (concatenation)."""
    heads, n, d_head = t.shape
    return t.transpose(0, 1).reshape(n, heads * d_head)


def attend(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    *,
    mask: torch.Tensor | None = None,
    temperature: float = 1.0,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Scaled dot-product attention that also returns what it computed, for drawing.

    Args:
        q: [..., q_pos, d_head]; k, v: [..., k_pos, d_head] (a leading head axis is allowed).
        mask: [q_pos, k_pos] bool, True = may attend; None attends everywhere.
        temperature: > 0; divides the scores before the softmax (1 is the usual attention).

    Returns:
        (output [..., q_pos, d_head], scores [..., q_pos, k_pos], weights [..., q_pos, k_pos]);
        scores are scaled and masked (hidden cells are -inf) but not divided by the temperature.
    """
    d_head = q.shape[-1]
    scores = (q @ k.transpose(-2, -1)) / math.sqrt(d_head)  # [..., q_pos, k_pos]
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))  # hide what may not be seen
    logits = scores if temperature == 1.0 else scores / temperature
    weights = torch.softmax(logits, dim=-1)  # each row sums to 1
    return weights @ v, scores, weights
