"""Attention rollout (Abnar & Zuidema 2020, "Quantifying Attention Flow in Transformers").

Each layer's map is the mean over heads, mixed with the identity for the residual connection, and
rows renormalised:

    A_hat[l] = 0.5 * mean_h A[l, h] + 0.5 * I          rows divided by their sums
    rollout  = A_hat[L-1] @ ... @ A_hat[1] @ A_hat[0]   multiplied from the first layer up

Row q of the rollout says how much of token q's last-layer representation traces back to each
input token, if attention were all that mixed tokens (it is not: the MLPs and the values' norms are
ignored, see `value_weighted`). Two ways:

- `rollout(trace)`: the full [q_pos, k_pos] matrix, for inputs that fit (one N x N map per layer
  and the product; N <= `DENSE_MAX` by default).
- `rollout_rows(trace, rows)`: the rows for a few query positions, for long inputs: the row vector
  e_q times each layer's A_hat, from the last layer down (the same product, read from the left),
  each step computed tile by tile from q, k and the row log-sum-exp (`trace.rows.left_multiply`)
  without building any N x N map. There, a row of exp(s - lse) sums to 1 within fp32 rounding, so
  the renormalisation is left out (it changes nothing beyond that rounding; the tests compare the
  two ways within 1e-5).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from ..errors import AttnlabError
from ..i18n import tr_error
from ..trace import AttentionTrace
from ..trace.rows import left_multiply

DENSE_MAX = 2048  # largest N for the full matrix by default (N x N fp32 maps; N^3 per layer to multiply)


def layer_map(trace: AttentionTrace, layer: int) -> torch.Tensor:
    """[q_pos, k_pos] A_hat of one layer: 0.5 * head mean + 0.5 * I, rows renormalised."""
    a = trace.pattern(layer, None).double().nan_to_num(0.0)  # mean over heads; rows with no key: 0
    a = 0.5 * a + 0.5 * torch.eye(a.shape[0], dtype=a.dtype, device=a.device)
    return a / a.sum(-1, keepdim=True)


def rollout(trace: AttentionTrace, *, max_tokens: int = DENSE_MAX) -> torch.Tensor:
    """[q_pos, k_pos] fp32: the rollout matrix; each row sums to 1 (computed in fp64)."""
    n = trace.n_tokens
    if n > max_tokens:
        raise tr_error(AttnlabError, "err_rollout_full", n=n, most=max_tokens)
    out = layer_map(trace, 0)
    for layer in range(1, trace.n_layers):
        out = layer_map(trace, layer) @ out
    return out.float()


def rollout_rows(trace: AttentionTrace, rows: Sequence[int], *, block: int = 128) -> torch.Tensor:
    """[len(rows), k_pos] fp32: rows of the rollout for these query positions, without N x N.

    Each step is one pass over the layer's score tiles (`trace.rows.left_multiply`): streamed from q, k
    and lse on a captured trace, read off the weights on others.
    """
    n = trace.n_tokens
    idx = [int(r) for r in rows]
    bad = [r for r in idx if not 0 <= r < n]
    if not idx or bad:
        raise tr_error(AttnlabError, "err_rollout_rows", rows=bad or idx, last=n - 1)
    r = torch.zeros(len(idx), n, dtype=torch.float32)
    r[torch.arange(len(idx)), torch.tensor(idx)] = 1.0  # e_q as row vectors
    for layer in reversed(range(trace.n_layers)):
        mixed = left_multiply(trace, layer, r, rows=block).cpu()  # r @ mean_h A
        r = 0.5 * r + 0.5 * mixed
    return r


def top_sources(row: torch.Tensor, tokens: Sequence[str], k: int = 5) -> list[tuple[int, str, float]]:
    """The k input tokens a rollout row draws most from: (position, text, share), largest first."""
    values, keys = row.topk(min(k, row.numel()))
    return [(int(p), tokens[int(p)], float(v)) for v, p in zip(values, keys, strict=True)]
