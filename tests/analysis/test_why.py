"""analysis.why against independent computations: terms, score, weight and rank from the model's weights
by hand; RoPE's content / position split from q, k projected and rotated by hand (SmolLM2); the toy back
to x, W_Q, W_K. Tolerances: 1e-5 relative to max(1, |score|) for sums of fp32 terms, 1e-4 for values
recomputed through another fp32 path (other matmul orders round differently)."""

from __future__ import annotations

import math
import re

import pytest
import torch

import attnlab
from attnlab.analysis.why import why, why_text, why_to_dict
from attnlab.errors import AttnlabError, LayerHeadError, NotKeptError
from attnlab.models.api import encode, load
from tests.analysis.conftest import CASES, synthetic_trace
from tests.html.fakes import FakeTrace

TEXTS = ["The capital of Japan is Tokyo, and the capital of France is",
         "東京はとても美しい。 I went there twice last year."]
CELLS = [(0, 0, 5, 2), (3, 2, 9, 0), (14, 4, 10, 9), (29, 8, 11, 11)]  # layer, head, query, key


@pytest.fixture(scope="module")
def smollm2():
    return load("smollm2")


@pytest.fixture(scope="module")
def minilm():
    return load("minilm")


def close(a: float, b: float, tol: float) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def by_hand_llama(lm, ids: list[int], layer: int) -> dict[str, torch.Tensor]:
    """q, k projected from the layer's input with the model's weights, and rotated with RoPE computed from
    the config (theta, d_head), not from the model's rotary module: [head, pos, d_head] each."""
    model = lm.model
    with torch.no_grad():
        hs = model.model(input_ids=torch.tensor([ids]), output_hidden_states=True, use_cache=False).hidden_states
        block = model.model.layers[layer]
        x = block.input_layernorm(hs[layer])[0]  # [pos, d_model]
        att = block.self_attn
        n, d_head = len(ids), att.head_dim
        q = (x @ att.q_proj.weight.T).view(n, -1, d_head).transpose(0, 1)  # [head, pos, d_head]
        k = (x @ att.k_proj.weight.T).view(n, -1, d_head).transpose(0, 1)  # [kv_head, pos, d_head]
    theta = model.config.rope_parameters["rope_theta"]
    inv = 1.0 / theta ** (torch.arange(0, d_head, 2, dtype=torch.float64) / d_head)  # [d_head / 2]
    angle = torch.arange(n, dtype=torch.float64)[:, None] * inv  # [pos, d_head / 2]
    cos, sin = torch.cat([angle.cos()] * 2, -1), torch.cat([angle.sin()] * 2, -1)  # [pos, d_head]

    def rotate(t: torch.Tensor) -> torch.Tensor:
        t = t.double()
        half = torch.cat((-t[..., d_head // 2 :], t[..., : d_head // 2]), -1)
        return t * cos + half * sin

    return {"q": q.double(), "k": k.double(), "q_rot": rotate(q), "k_rot": rotate(k), "scale": att.scaling}


@pytest.mark.model
@pytest.mark.parametrize("text", TEXTS)
def test_smollm2_cells_against_the_weights_by_hand(smollm2, text):
    trace = attnlab.run_text(text, "smollm2")
    ids = encode(smollm2, text).ids
    assert len(ids) == trace.n_tokens
    group = trace.n_heads // trace.n_kv_heads
    for layer, head, query, key in CELLS:
        w = why(trace, layer, head, query, key)
        hand = by_hand_llama(smollm2, ids, layer)
        s = hand["scale"]
        content = float(hand["q"][head, query] @ hand["k"][head // group, key]) * s
        dot = float(hand["q_rot"][head, query] @ hand["k_rot"][head // group, key]) * s
        assert close(sum(w.terms), w.score, 1e-5) and close(w.dot, w.score, 1e-5)  # no additions in SmolLM2
        assert close(w.content_score, content, 1e-4), (w.content_score, content)
        assert close(w.position_score, dot - content, 1e-4), (w.position_score, dot - content)
        assert close(w.dot, dot, 1e-4)
        assert close(sum(b.content for b in w.bands), w.content_score, 1e-6)
        assert close(sum(b.rotated for b in w.bands), w.dot, 1e-6)
        row = (hand["q_rot"][head, query] @ hand["k_rot"][head // group, : query + 1].T) * s  # [keys seen]
        assert close(w.weight, float(row.softmax(-1)[key]), 1e-4)
        assert w.rank == 1 + int((row > row[key]).sum()) and w.visible == query + 1
        assert close(w.lse, float(torch.logsumexp(row, -1)), 1e-4)


@pytest.mark.model
def test_unrotate_gives_the_projections_own_q_and_k(smollm2):
    text = TEXTS[0]
    trace = attnlab.run_text(text, "smollm2")
    ids = encode(smollm2, text).ids
    for layer in (0, 17):
        hand, rotary, qkv = by_hand_llama(smollm2, ids, layer), trace.rotary(layer), trace.qkv(layer)
        assert (rotary.unrotate(qkv.q) - hand["q"]).abs().max() < 1e-4
        assert (rotary.unrotate(qkv.k) - hand["k"]).abs().max() < 1e-4
        assert (qkv.q.double() - hand["q_rot"]).abs().max() < 1e-4  # and the captured q is the rotated one


@pytest.mark.model
def test_minilm_has_no_rope_and_its_terms_are_the_score(minilm):
    trace = attnlab.run_text("The capital of Japan is Tokyo.", "minilm")
    assert trace.rotary(0) is None
    with torch.no_grad():
        hs = minilm.model(**minilm.tokenizer("The capital of Japan is Tokyo.", return_tensors="pt"),
                          output_hidden_states=True).hidden_states
    for layer, head, query, key in [(0, 3, 1, 7), (5, 11, 8, 0)]:
        w = why(trace, layer, head, query, key)
        att = minilm.model.encoder.layer[layer].attention.self
        d = att.attention_head_size
        with torch.no_grad():
            q = (att.query(hs[layer][0]))[:, head * d : (head + 1) * d]  # [pos, d_head]
            k = (att.key(hs[layer][0]))[:, head * d : (head + 1) * d]
        row = (q[query] @ k.T) / math.sqrt(d)
        assert w.content_score is None and w.bands == ()
        assert close(sum(w.terms), w.score, 1e-5) and close(w.score, float(row[key]), 1e-4)
        assert close(w.weight, float(row.softmax(-1)[key]), 1e-4) and w.visible == trace.n_tokens


@pytest.mark.parametrize("options", [{}, {"tokens": "I love transformers so much".split(), "d_model": 8,
                                          "heads": 2, "temperature": 2.0, "causal": True, "seed": 3}])
def test_toy_back_to_x_and_the_projections(options):
    trace = attnlab.run_toy(**options)
    st = trace.stages
    for head in range(trace.n_heads):
        for query, key in [(0, 0), (trace.n_tokens - 1, 1)]:
            w = why(trace, 0, head, query, key)
            assert close(sum(w.terms), w.score, 1e-5) and close(float(st.scores[head, query, key]), w.score, 1e-5)
            assert close(sum(map(sum, w.toy.pairs)), w.score, 1e-5)
            q_cols = torch.tensor(w.toy.q).sum(0)  # column d sums to q_i[d]
            assert torch.allclose(q_cols.float(), st.Q[head, query], atol=1e-5)
            assert torch.allclose(torch.tensor(w.toy.k).sum(0).float(), st.K[head, key], atol=1e-5)
            assert close(w.weight, float(st.weights[head, query, key]), 1e-5)
            row = st.scores[head, query]
            assert w.rank == 1 + int((row > row[key]).sum())


def test_printout_numbers_are_the_explanations():
    for options, cell in (({}, (0, 0, 0, 2)), ({"d_model": 6, "heads": 3, "seed": 7}, (0, 2, 1, 0))):
        trace = attnlab.run_toy(**options)
        w = why(trace, *cell)
        for lang in ("ja", "en"):
            text = why_text(w, lang)
            numbers = [float(x) for x in re.findall(r"[-+]?\d+\.\d{4}", text.splitlines()[1])]
            assert numbers[0] == round(w.score, 4) and numbers[-1] == round(w.dot, 4)
            row_line = text.splitlines()[2]
            assert f"{w.weight:.4f}" in row_line and f"{w.lse:.4f}" in row_line and str(w.rank) in row_line
            st = trace.stages
            assert w.rank == 1 + int((st.scores[cell[1], cell[2]] > st.scores[cell[1], cell[2], cell[3]]).sum())
            top = w.top_dims(5)
            assert all(f"d{d} {w.terms[d]:+.4f}" in text for d in top)
            assert abs(w.terms[top[0]]) == max(abs(x) for x in w.terms)


@pytest.mark.parametrize(("case", "added"), [("softcap", ("softcap",)), ("additive-bias", ("bias", "additive")),
                                             ("causal-gqa", ())])
def test_the_score_is_what_the_softmax_took_and_says_what_was_added(case, added):
    trace = synthetic_trace(**CASES[case])
    for layer, head, query, key in [(0, 1, 9, 4), (2, 5, 22, 22)]:
        w = why(trace, layer, head, query, key)
        s = trace.scores(layer, head)  # the dense reference: every addition and the mask applied
        assert w.additions == added and close(w.score, float(s[query, key]), 1e-5)
        assert close(sum(w.terms), w.dot, 1e-5) and close(w.score, w.dot, 1e-5) == (added == ())
        assert close(w.weight, float(s[query].softmax(-1)[key]), 1e-5)
        assert w.rank == 1 + int((s[query] > s[query, key]).sum())


def test_json_has_the_interface_fields():
    w = why(attnlab.run_toy(), 0, 0, 1, 2)
    data = why_to_dict(w)
    assert {"score", "weight", "rank", "terms", "content_score", "position_score"} <= set(data)
    assert data["terms"] == list(w.terms) and data["toy"]["pairs"] == [list(r) for r in w.toy.pairs]


def test_bad_cells_are_one_clear_error():
    trace = attnlab.run_toy(causal=True, tokens="a b c d".split())
    with pytest.raises(AttnlabError, match=r"key 3 comes after query 1: .* keys 0\.\.1"):
        why(trace, 0, 0, 1, 3)
    with pytest.raises(AttnlabError, match=r"query 4 is out of range: the text has tokens 0\.\.3"):
        why(trace, 0, 0, 4, 0)
    with pytest.raises(AttnlabError, match="key -1 is out of range"):
        why(trace, 0, 0, 0, -1)
    with pytest.raises(LayerHeadError, match="head 1 is out of range"):
        why(trace, 0, 1, 0, 0)
    with pytest.raises(NotKeptError, match="keeps no queries and keys"):
        why(FakeTrace(["a", "b"]), 0, 0, 1, 0)
