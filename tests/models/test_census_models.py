"""The census, rollout and value-weighted attention of the bundled models against Hugging Face eager.

Reference: the same model switched to `attn_implementation="eager"` with `output_attentions=True`
(transformers materialises every weight); the definitions are applied to those weights with plain
indexing here. SmolLM2 covers a causal decoder with grouped-query attention (9 heads, 3 kv heads),
MiniLM a BERT encoder. Tolerances: scores in [0, 1] 1e-5 absolute, mean distance 1e-5 relative.
Roles: only conservative bounds under what was measured (the measured table is printed with -s and
kept in docs/census.md).
"""

from __future__ import annotations

import math

import pytest
import torch

from attnlab.analysis.census import PROBE_SCORES, TEXT_SCORES, head_census, probe_scores, text_scores
from attnlab.analysis.rollout import rollout, rollout_rows
from attnlab.analysis.value_weighted import key_mass, value_norms
from attnlab.errors import AttnlabError
from attnlab.models.api import pad_batch, trace_ids
from attnlab.models.capture import CAPTURE
from attnlab.models.chars import continuation_pieces, token_chunks
from attnlab.models.probe import ProbeError, induction_probe, probe_ids

pytestmark = pytest.mark.model

TEXTS = {
    "en": "When Mary and John went to the store, John gave a drink to Mary because she was thirsty.",
    "ja": "東京はとても美しい街です。春には桜が咲き、多くの人が公園を訪れます。",
}


def eager(lm, ids):
    """Per layer [head, q_pos, k_pos] fp32 weights from HF eager attention."""
    inputs, _ = pad_batch(lm, [ids])
    lm.model.set_attn_implementation("eager")
    try:
        with torch.no_grad():
            att = lm.model.base_model(**inputs, output_attentions=True, use_cache=False).attentions
    finally:
        lm.model.set_attn_implementation(CAPTURE)
    return [a[0].float() for a in att]


def reference_text_scores(weights, causal, skip=frozenset()):
    """The definitions on eager maps; skip: rows left out of prev_token (they continue a character)."""
    n = weights[0].shape[-1]
    q = torch.arange(1, n)
    pq = torch.tensor([i for i in range(1, n) if i not in skip])
    seen = (q + 1).double() if causal else torch.full((n - 1,), float(n), dtype=torch.float64)
    dist = (torch.arange(n)[:, None] - torch.arange(n)).abs().float()
    out = {name: [] for name in TEXT_SCORES}
    for w in weights:
        wl = w.double()
        ent = -torch.where(wl > 0, wl * wl.log(), torch.zeros_like(wl)).sum(-1)[:, 1:]
        out["prev_token"].append(w[:, pq, pq - 1].mean(-1))
        out["self"].append(w[:, q, q].mean(-1))
        out["first_token"].append(w[:, q, 0].mean(-1))
        out["entropy"].append((ent / seen.log()).mean(-1).float())
        out["mean_distance"].append((w * dist).sum(-1)[:, 1:].mean(-1))
    return {k: torch.stack(v) for k, v in out.items()}


@pytest.mark.parametrize("key", list(TEXTS))
@pytest.mark.parametrize("model", ["smollm2", "minilm"])
def test_text_scores_match_eager(model, key, request):
    lm = request.getfixturevalue(model)
    ids = lm.tokenizer(TEXTS[key])["input_ids"]
    trace = trace_ids(lm, [ids])[0]
    assert all(cap.lse is not None for cap in trace.layers)  # the CPU kernel's lse (no extra pass)
    skip = continuation_pieces(token_chunks(trace.tokens))  # SmolLM2 on Japanese: the 2nd pieces of characters
    ours, ref = text_scores(trace), reference_text_scores(eager(lm, ids), trace.causal, skip)
    for name in TEXT_SCORES:
        if name == "mean_distance":
            torch.testing.assert_close(ours[name], ref[name], rtol=1e-5, atol=1e-5)
        else:
            torch.testing.assert_close(ours[name], ref[name], rtol=0, atol=1e-5, msg=name)


@pytest.mark.parametrize("model", ["smollm2", "minilm"])
def test_probe_scores_match_eager(model, request):
    lm = request.getfixturevalue(model)
    probe = induction_probe(model, 20, 3)
    n, r = len(probe.token_ids), 20
    assert n == probe.prefix + 2 * r and probe.token_ids[n - r:] == probe.token_ids[n - 2 * r:n - r]
    ours = probe_scores(probe.trace, r)
    q = torch.arange(n - r, n)
    weights = eager(lm, list(probe.token_ids))
    torch.testing.assert_close(ours["induction"], torch.stack([w[:, q, q - r + 1].mean(-1) for w in weights]),
                               rtol=0, atol=1e-5)
    torch.testing.assert_close(ours["duplicate"], torch.stack([w[:, q, q - r].mean(-1) for w in weights]),
                               rtol=0, atol=1e-5)


def test_probe_tokens(smollm2, minilm):
    ids, prefix = probe_ids(smollm2, 50, 0)
    assert prefix == 0 and len(ids) == 100 and len(set(ids[:50])) == 50  # SmolLM2 adds no BOS
    assert not set(ids) & set(smollm2.tokenizer.all_special_ids)
    assert probe_ids(smollm2, 50, 0) == (ids, prefix) and probe_ids(smollm2, 50, 1)[0] != ids
    ids, prefix = probe_ids(minilm, 10, 0)
    assert prefix == 1 and ids[0] == minilm.tokenizer.cls_token_id and len(ids) == 21  # [CLS], no [SEP]


def test_padded_batch_gives_the_scores_of_the_text_alone(smollm2):
    before, smollm2.tokenizer.padding_side = smollm2.tokenizer.padding_side, "left"
    try:
        batch = [smollm2.tokenizer(t)["input_ids"] for t in (TEXTS["en"], "A short one here.")]
        padded = trace_ids(smollm2, batch)[1]
        alone = trace_ids(smollm2, batch[1:])[0]
    finally:
        smollm2.tokenizer.padding_side = before
    a, b = text_scores(padded), text_scores(alone)
    for name in TEXT_SCORES:
        torch.testing.assert_close(a[name], b[name], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("model", ["smollm2", "minilm"])
def test_rollout_against_eager_and_streamed_rows(model, request):
    lm = request.getfixturevalue(model)
    ids = lm.tokenizer(TEXTS["en"])["input_ids"]
    trace = trace_ids(lm, [ids])[0]
    ref = None
    for w in eager(lm, ids):
        a = 0.5 * w.double().mean(0) + 0.5 * torch.eye(len(ids), dtype=torch.float64)
        a = a / a.sum(-1, keepdim=True)
        ref = a if ref is None else a @ ref
    dense = rollout(trace)
    torch.testing.assert_close(dense.double(), ref, rtol=0, atol=1e-5)
    rows = [1, len(ids) // 2, len(ids) - 1]
    torch.testing.assert_close(rollout_rows(trace, rows, block=8), dense[rows], rtol=0, atol=1e-5)


@pytest.mark.parametrize("model", ["smollm2", "minilm"])
def test_value_norms_against_the_models_output_projection(model, request):
    lm = request.getfixturevalue(model)
    ids = lm.tokenizer(TEXTS["ja"])["input_ids"]
    trace = trace_ids(lm, [ids])[0]
    body = lm.model.base_model
    for layer in (0, trace.n_layers - 1):
        if model == "smollm2":
            w_o = body.layers[layer].self_attn.o_proj.weight
        else:
            w_o = body.encoder.layer[layer].attention.output.dense.weight
        v = trace.qkv(layer).v
        d, group = v.shape[-1], trace.n_heads // trace.n_kv_heads
        ref = torch.stack([(v[h // group] @ w_o[:, h * d:(h + 1) * d].T).norm(dim=-1)
                           for h in range(trace.n_heads)]).detach()
        torch.testing.assert_close(value_norms(trace, layer), ref, rtol=1e-5, atol=1e-5)


def test_measured_roles_and_the_value_weighted_sink(smollm2, minilm):
    """Bounds well inside what was measured (docs/census.md): see the printout with -s."""
    found = {}
    for name, lm in (("smollm2", smollm2), ("minilm", minilm)):
        trace = trace_ids(lm, [lm.tokenizer(TEXTS["en"])["input_ids"]])[0]
        census = head_census(trace, model=name)
        roles = {}
        for r in census.roles:
            roles[r.role] = roles.get(r.role, 0) + 1
        mass = {m.name: (float(m.weight.mean()), float(m.value_weighted.mean())) for m in key_mass(trace)}
        best = {s: round(float(census.scores[s].max()), 3) for s in TEXT_SCORES + PROBE_SCORES}
        print(f"\n{name}: roles {roles}\n  best {best}\n  first/last token weight -> value-weighted {mass}")
        found[name] = (census, roles, mass)
    census, roles, mass = found["smollm2"]
    assert roles.get("induction", 0) >= 4 and float(census.scores["induction"].max()) > 0.6  # measured 12, 0.93
    assert roles.get("first_token_sink", 0) >= 50  # measured 94-122 on English texts
    census, roles, mass = found["minilm"]
    assert "induction" not in roles and float(census.scores["induction"].max()) < 0.1  # measured 0.013
    w, vw = mass["first"]
    assert w > 0.25 and vw < w / 2  # [CLS]: measured 0.39 of the weight, 0.06 value-weighted
    assert not math.isnan(vw)


def test_bad_input(smollm2, minilm):
    with pytest.raises(ProbeError, match="accepts at most 512; give --probe-length 255 or less"):
        probe_ids(minilm, 256, 0)
    with pytest.raises(ProbeError, match="at least 2"):
        probe_ids(smollm2, 1, 0)
    from attnlab.models.api import EmptyTextError, run_text

    with pytest.raises(EmptyTextError):
        run_text("   ", "smollm2")
    trace = trace_ids(smollm2, [smollm2.tokenizer("Hello")["input_ids"]])[0]
    with pytest.raises(AttnlabError, match="at least 2 tokens"):
        text_scores(trace)
