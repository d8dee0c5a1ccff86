"""Every head-effect method against the brute force of `effects_reference` (HF eager, one head per forward,
a plain pre-hook on the output projection), on both bundled models and several texts.

Tolerances: exact ablation and patching within 1e-4 in log p (and loss, and 1 - cos); DLA within
1e-4; attribution patching within 1e-4 of gradient . difference computed by retain_grad/backward
(eager vs SDPA and batched vs single forwards only reorder fp32 sums; the tolerance leaves two
orders of magnitude for that).
Exact methods are compared on a spread of heads (first and last layer included) plus the heads with
the largest effects; DLA and attribution on every head.
"""

from __future__ import annotations

import functools

import pytest
import torch

from attnlab.analysis.effects import head_effects
from attnlab.models.api import load

from . import effects_reference as ref

pytestmark = pytest.mark.model

TOL = 1e-4
SPREAD = [(0, 0), (0, 5), (3, 2), (9, 8), (14, 1), (21, 4), (29, 0), (29, 8)]  # SmolLM2: 30 layers x 9 heads
IOI_EN = ("When Mary and John went to the store, John gave a drink to",
          "When Mary and John went to the store, Mary gave a drink to")
IOI_JA = ("健太と太郎が店に行った。太郎は飲み物を健太に渡した。",
          "健太と太郎が店に行った。健太は飲み物を健太に渡した。")
JA_NAME_AT = 38  # IOI_JA: the position of the last 健太's first token (SmolLM2's byte-level tokens)
DECODER_TEXTS = {
    "en": "The cat sat on the mat because it was tired, and then it slept.",
    "ja": "東京はとても美しい街です。猫が好き。",
}
ENCODER_TEXTS = {
    "en": ("The cat sat on the mat because it was tired.", "The dog sat on the mat because it was tired."),
    "ja": ("東京はとても美しい街です。", "京都はとても美しい街です。"),
}


@functools.cache
def effects(*args, **kwargs):
    """One head_effects call per argument set for the whole module (each is many forwards)."""
    return head_effects(*args, **{k: (list(v) if isinstance(v, tuple) else v) for k, v in kwargs.items()})


def heads_to_check(result, name: str) -> list[tuple[int, int]]:
    grid = result.effects[name]
    if grid.shape == (6, 12):  # MiniLM: every head
        return [(layer, h) for layer in range(6) for h in range(12)]
    top = torch.topk(grid.abs().flatten(), 3).indices.tolist()
    return sorted(set(SPREAD) | {divmod(i, grid.shape[1]) for i in top})


def reference_delta(lm, ids, target_positions, target_tokens, layer, head, value, at=None):
    """(Δ log p, Δ loss) of one edited eager forward against the plain one."""
    _, _, d = ref.shape(lm)
    clean = ref.forward(lm, ids)
    with ref.hooked(lm, layer, ref.set_head(head, d, value, at)):
        edited = ref.forward(lm, ids)
    return (ref.log_p(edited, target_positions, target_tokens) - ref.log_p(clean, target_positions, target_tokens),
            ref.text_loss(edited, ids) - ref.text_loss(clean, ids))


@pytest.mark.parametrize("key", list(DECODER_TEXTS))
def test_zero_and_mean_ablation_match_one_eager_forward_per_head(key):
    lm = load("smollm2")
    r = effects(DECODER_TEXTS[key], "smollm2", methods=("zero", "mean", "attribution", "dla"))
    ids = list(r.token_ids)
    inputs = ref.head_inputs(lm, ids)
    _, _, d = ref.shape(lm)
    worst = 0.0
    for method in ("zero", "mean"):
        for layer, h in heads_to_check(r, method):
            value = None if method == "zero" else inputs[layer][:, h * d : (h + 1) * d].mean(0)
            dlp, dloss = reference_delta(lm, ids, r.target.positions, r.target.token_ids, layer, h, value)
            worst = max(worst, abs(float(r.effects[method][layer, h]) - dlp),
                        abs(float(r.effects[f"{method}_loss"][layer, h]) - dloss))
    assert worst < TOL, f"largest difference to the brute force: {worst:.2e}"


@pytest.mark.parametrize("key", list(DECODER_TEXTS))
def test_attribution_is_gradient_times_difference(key):
    lm = load("smollm2")
    r = effects(DECODER_TEXTS[key], "smollm2", methods=("zero", "mean", "attribution", "dla"))
    ids = list(r.token_ids)
    _, n_heads, d = ref.shape(lm)
    grads = ref.gradients(lm, ids, lambda logits: sum(torch.log_softmax(logits[p - 1], -1)[t] for p, t in
                                                      zip(r.target.positions, r.target.token_ids, strict=True))
                          / len(r.target.positions))
    inputs = ref.head_inputs(lm, ids)
    expected = torch.stack([(-(g * x)).view(len(ids), n_heads, d).sum((0, 2)) for g, x in zip(grads, inputs,
                                                                                               strict=True)])
    assert (r.effects["attribution"] - expected).abs().max() < TOL
    assert "attribution~zero" in r.spearman  # reported whenever both ran


@pytest.mark.parametrize("key", list(DECODER_TEXTS))
def test_direct_logit_attribution_removes_the_heads_term_from_the_frozen_final_norm(key):
    lm = load("smollm2")
    r = effects(DECODER_TEXTS[key], "smollm2", methods=("zero", "mean", "attribution", "dla"))
    assert_dla(lm, r)


@torch.no_grad()
def assert_dla(lm, r):
    """DLA = target logit through the frozen norm of the final residual, minus the same without the head."""
    ids = list(r.token_ids)
    n_layers, n_heads, d = ref.shape(lm)
    resid = ref.final_norm_input(lm, ids)  # [pos, d_model]
    norm = lm.model.model.norm
    scale = torch.rsqrt(resid.pow(2).mean(-1) + norm.variance_epsilon)  # frozen from the clean run
    w_u = lm.model.lm_head.weight
    inputs = ref.head_inputs(lm, ids)
    for i, (p, tok) in enumerate(zip(r.target.positions, r.target.token_ids, strict=True)):
        q = p - 1
        frozen = norm.weight * resid[q] * scale[q]
        for layer in range(n_layers):
            w_o = ref.out_proj(lm, layer).weight  # [d_model, head * d_head]
            for h in range(n_heads):
                c = w_o[:, h * d : (h + 1) * d] @ inputs[layer][q, h * d : (h + 1) * d]  # what head h added
                without = norm.weight * (resid[q] - c) * scale[q]
                expected = float(w_u[tok] @ frozen - w_u[tok] @ without)
                assert abs(float(r.dla_by_position[layer, h, i]) - expected) < TOL, (layer, h, p)
    assert torch.allclose(r.effects["dla"], r.dla_by_position.mean(-1))


@pytest.mark.parametrize("pair", [IOI_EN, IOI_JA], ids=["en", "ja"])
def test_activation_patching_matches_eager_patching(pair):
    lm = load("smollm2")
    clean, corrupt = pair
    kw = {"target": " Mary"} if pair is IOI_EN else {"positions": (JA_NAME_AT,)}
    r = effects(clean, "smollm2", corrupt=corrupt, methods=("patching", "attribution", "dla"), **kw)
    ids, bad = list(r.token_ids), list(r.corrupt_ids)
    assert len(ids) == len(bad)
    _, _, d = ref.shape(lm)
    clean_in = ref.head_inputs(lm, ids)
    base = ref.log_p(ref.forward(lm, bad), r.target.positions, r.target.token_ids)
    m_clean = ref.log_p(ref.forward(lm, ids), r.target.positions, r.target.token_ids)
    assert abs(r.clean["corrupted"] - base) < TOL and abs(r.clean["metric"] - m_clean) < TOL
    for layer, h in heads_to_check(r, "patching"):
        with ref.hooked(lm, layer, ref.set_head(h, d, clean_in[layer][:, h * d : (h + 1) * d])):
            patched = ref.log_p(ref.forward(lm, bad), r.target.positions, r.target.token_ids)
        gap = r.clean["metric"] - r.clean["corrupted"]
        ours = r.clean["corrupted"] + float(r.effects["patching"][layer, h]) * gap
        assert abs(ours - patched) < TOL, (layer, h)
    # attribution of patching: the gradient at the corrupted run times (clean - corrupted)
    grads = ref.gradients(lm, bad, lambda logits: sum(torch.log_softmax(logits[p - 1], -1)[t] for p, t in zip(
        r.target.positions, r.target.token_ids, strict=True)) / len(r.target.positions))
    bad_in = ref.head_inputs(lm, bad)
    n_heads = ref.shape(lm)[1]
    est = torch.stack([(g * (c - x)).view(len(ids), n_heads, d).sum((0, 2))
                       for g, c, x in zip(grads, clean_in, bad_in, strict=True)]) / (m_clean - base)
    assert (r.effects["attribution"] - est).abs().max() < TOL * max(1.0, 1 / abs(m_clean - base))
    assert "attribution~patching" in r.spearman
    assert_dla(lm, r)


def test_one_target_token_edited_only_where_it_is_read():
    lm = load("smollm2")
    text = IOI_EN[0]
    r = effects(text, "smollm2", target=" Mary", edit="read", methods=("zero", "attribution"))
    ids = list(r.token_ids)
    (p,) = r.target.positions
    assert p == len(ids) and r.target.token_ids == tuple(lm.tokenizer(" Mary", add_special_tokens=False)["input_ids"])
    at = torch.tensor([p - 1])
    for layer, h in heads_to_check(r, "zero"):
        dlp, _ = reference_delta(lm, ids, r.target.positions, r.target.token_ids, layer, h, None, at)
        assert abs(float(r.effects["zero"][layer, h]) - dlp) < TOL, (layer, h)
    assert "zero_loss" not in r.effects  # a one-token target: the text's loss only when asked (loss=True)


@pytest.mark.parametrize("key", list(ENCODER_TEXTS))
def test_encoder_ablation_and_patching_match_eager_on_the_pooled_embedding(key):
    lm = load("minilm")
    clean, corrupt = ENCODER_TEXTS[key]
    r = effects(clean, "minilm", methods=("zero", "mean"))
    ids = list(r.token_ids)
    plain = ref.forward(lm, ids)
    inputs = ref.head_inputs(lm, ids)
    _, _, d = ref.shape(lm)
    for method in ("zero", "mean"):
        for layer, h in heads_to_check(r, method):
            value = None if method == "zero" else inputs[layer][:, h * d : (h + 1) * d].mean(0)
            with ref.hooked(lm, layer, ref.set_head(h, d, value)):
                expected = ref.one_minus_cos(ref.forward(lm, ids), plain)
            assert abs(float(r.effects[method][layer, h]) - expected) < TOL, (method, layer, h)
    p = effects(clean, "minilm", corrupt=corrupt, methods=("patching", "attribution"))
    bad = list(p.corrupt_ids)
    d_corr = ref.one_minus_cos(ref.forward(lm, bad), plain)
    for layer, h in heads_to_check(p, "patching"):
        with ref.hooked(lm, layer, ref.set_head(h, d, inputs[layer][:, h * d : (h + 1) * d])):
            d_patched = ref.one_minus_cos(ref.forward(lm, bad), plain)
        ours = d_corr * (1 - float(p.effects["patching"][layer, h]))
        assert abs(ours - d_patched) < TOL, (layer, h)
    reference = plain.double().mean(0)
    grads = ref.gradients(lm, bad, lambda hid: 1 - torch.nn.functional.cosine_similarity(
        hid.mean(0), reference.to(hid.dtype), dim=0))
    bad_in = ref.head_inputs(lm, bad)
    est = torch.stack([-(g * (c - x)).view(len(bad), 12, d).sum((0, 2)) for g, c, x in zip(grads, inputs, bad_in,
                                                                                          strict=True)]) / d_corr
    assert (p.effects["attribution"] - est).abs().max() < TOL / d_corr
