"""Synthetic captured traces: a `ModelTrace` built from random q, k, v (no model), for the N x N-free code.

Each covers one way a model hands attention its mask: plain causal (mask None), a boolean mask
(padding), a sliding window (boolean), an additive float mask with a position bias (T5-style), a
soft cap on the scores (Gemma 2), and grouped-query heads.
"""

from __future__ import annotations

import pytest
import torch

from attnlab.models.capture import LayerCapture
from attnlab.models.trace import ModelTrace
from attnlab.trace import Token


def synthetic_trace(
    *, n=23, n_layers=3, n_heads=6, n_kv=2, d=8, causal=True, mask="none", span=None, seed=0, lse=False,
    out_proj=True, window=None, softcap=None,
) -> ModelTrace:
    """A ModelTrace over random tensors; mask: "none" | "bool" | "additive" (+ a position bias) | "alibi" (a
    per-head bias inside the mask, hiding later keys, as Falcon hands it over); window:
    keys at most window - 1 positions back (a boolean mask); softcap: the scores' soft cap."""
    g = torch.Generator().manual_seed(seed)
    width = n if span is None else span[2]
    start, stop = (0, n) if span is None else span[:2]
    layers = []
    for _ in range(n_layers):
        q = torch.randn(1, n_heads, width, d, generator=g) * 2.0
        k = torch.randn(1, n_kv, width, d, generator=g) * 2.0
        v = torch.randn(1, n_kv, width, d, generator=g)
        m, bias = None, None
        if mask == "bool":
            allowed = torch.zeros(width, width, dtype=torch.bool)
            allowed[start:stop, start:stop] = True
            if causal:
                allowed &= torch.ones(width, width, dtype=torch.bool).tril()
            if window is not None:
                allowed &= ~torch.ones(width, width, dtype=torch.bool).tril(-window)
            m = allowed[None, None]
        elif mask == "additive":
            m = torch.zeros(1, 1, width, width)
            if causal:
                m.masked_fill_(torch.ones(width, width, dtype=torch.bool).triu(1), torch.finfo(torch.float32).min)
            bias = torch.randn(1, n_heads, width, width, generator=g)
        elif mask == "alibi":
            slopes = 2.0 ** -torch.arange(1, n_heads + 1, dtype=torch.float32)  # [head]
            distance = torch.arange(width)[None, :] - torch.arange(width)[:, None]  # [q, k]: k - q
            m = (slopes[:, None, None] * distance).masked_fill(distance > 0, torch.finfo(torch.float32).min)[None]
        w_o = torch.randn(16, n_heads * d, generator=g) if out_proj else None
        cap = LayerCapture(q=q, k=k, v=v, mask=m, causal=causal and m is None, scale=d**-0.5, position_bias=bias,
                           module=torch.nn.Identity(), out_proj=w_o, softcap=softcap)
        if lse:
            cap = _with_dense_lse(cap, start, stop)
        layers.append(cap)
    tokens = tuple(Token(text=f"t{i}", id=i, special=i == 0) for i in range(stop - start))
    return ModelTrace(layers=layers, tokens=tokens, model="synthetic", kind="decoder" if causal else "encoder",
                      n_layers=n_layers, n_heads=n_heads, n_kv_heads=n_kv, span=(start, stop), batch_index=0,
                      prompt_len=None, truncated=0)


def _with_dense_lse(cap: LayerCapture, start: int, stop: int) -> LayerCapture:
    """The capture with an lse computed densely, as the kernel would hand it over."""
    import dataclasses

    probe = ModelTrace(layers=[cap], tokens=tuple(Token(text="x") for _ in range(cap.q.shape[2])), model="s",
                       kind="decoder", n_layers=1, n_heads=cap.q.shape[1], n_kv_heads=cap.k.shape[1],
                       span=(0, cap.q.shape[2]), batch_index=0, prompt_len=None, truncated=0)
    lse = torch.stack([probe.scores(0, h).logsumexp(-1) for h in range(cap.q.shape[1])])
    return dataclasses.replace(cap, lse=lse[None])


CASES = {
    "causal-gqa": dict(causal=True),
    "encoder": dict(causal=False, n_kv=6),
    "causal-padded": dict(causal=True, mask="bool", span=(4, 23, 27)),
    "encoder-padded": dict(causal=False, mask="bool", span=(0, 19, 25)),
    "additive-bias": dict(causal=True, mask="additive"),
    "kernel-lse": dict(causal=True, lse=True),
    "sliding-window": dict(causal=True, mask="bool", window=5),
    "softcap": dict(causal=True, softcap=3.0),
    "alibi": dict(causal=True, mask="alibi"),
}


@pytest.fixture(params=list(CASES))
def trace_case(request) -> ModelTrace:
    return synthetic_trace(**CASES[request.param])
