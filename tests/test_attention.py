"""The transparent math against PyTorch's fused kernels (tolerance 1e-6 absolute, fp32)."""

import math

import pytest
import torch
import torch.nn.functional as F

from attnlab.attention import attend, causal_mask
from attnlab.toy import ToySpec, run_toy

ATOL = 1e-6


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize(("n", "d_model", "heads"), [(3, 4, 1), (7, 16, 4), (10, 12, 3)])
def test_matches_scaled_dot_product_attention(n, d_model, heads, causal):
    tr = run_toy(ToySpec(tokens=tuple(f"t{i}" for i in range(n)), d_model=d_model, heads=heads,
                         seed=n, causal=causal))
    st = tr.stages
    ref = F.scaled_dot_product_attention(st.Q, st.K, st.V, is_causal=causal)  # [head, q_pos, d_head]
    assert torch.allclose(tr.stages.head_outputs, ref, atol=ATOL)


def test_temperature_matches_sdpa_with_scale():
    tr = run_toy(ToySpec(tokens=tuple("abcdef"), d_model=8, heads=2, temperature=0.3, seed=1))
    scale = 1 / (math.sqrt(4) * 0.3)  # softmax(QK^T / sqrt(d_head) / T)
    ref = F.scaled_dot_product_attention(tr.stages.Q, tr.stages.K, tr.stages.V, scale=scale)
    assert torch.allclose(tr.stages.head_outputs, ref, atol=ATOL)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize(("n", "d_model", "heads"), [(3, 4, 1), (5, 8, 2), (9, 16, 4)])
def test_matches_nn_multihead_attention(n, d_model, heads, causal):
    tr = run_toy(ToySpec(tokens=tuple(f"t{i}" for i in range(n)), d_model=d_model, heads=heads,
                         seed=11, causal=causal))
    mha = torch.nn.MultiheadAttention(d_model, heads, bias=False, batch_first=True)
    with torch.no_grad():
        # nn.Linear computes x @ W^T, so the tutorial's x @ W_Q needs W_Q^T; no output projection
        mha.in_proj_weight.copy_(torch.cat([tr.stages.W_Q.T, tr.stages.W_K.T, tr.stages.W_V.T]))
        mha.out_proj.weight.copy_(torch.eye(d_model))
    mask = ~causal_mask(n) if causal else None  # MHA: True = may NOT attend
    x = tr.stages.x[None]
    out, w = mha(x, x, x, attn_mask=mask, need_weights=True, average_attn_weights=False)
    assert torch.allclose(tr.stages.output, out[0], atol=ATOL)
    assert torch.allclose(tr.stages.weights, w[0], atol=ATOL)
    _, w_mean = mha(x, x, x, attn_mask=mask, need_weights=True, average_attn_weights=True)
    assert torch.allclose(tr.stages.weights_mean, w_mean[0], atol=ATOL)


def test_attend_returns_masked_scores_as_minus_inf():
    q = k = v = torch.randn(4, 2)
    _, scores, weights = attend(q, k, v, mask=causal_mask(4))
    assert torch.isinf(scores.triu(1)[scores.triu(1) != 0]).all()
    assert (weights.triu(1) == 0).all()
