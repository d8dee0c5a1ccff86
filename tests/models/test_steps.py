"""models.steps / api.generate: rows captured while decoding against a full eager re-run, each step's
probabilities against a plain forward, greedy tokens against transformers' generate, seeded sampling
against a sampler run by hand, the logit lens against the hidden states. Tolerance 1e-5 (absolute, on
weights and probabilities) unless stated."""

from __future__ import annotations

import pytest
import torch

from attnlab.analysis.steps import step_rows, step_rows_to_dict
from attnlab.errors import AttnlabError
from attnlab.models.api import encode, generate, trace_ids
from attnlab.models.generate import greedy_continue
from attnlab.models.steps import check_sampling

pytestmark = pytest.mark.model

PROMPTS = ["The capital of Japan is", "東京は日本の首都で、"]


def eager_attentions(lm, ids: list[int]) -> tuple[torch.Tensor, ...]:
    """Every layer's [head, q_pos, k_pos] weights from transformers' eager attention on the whole sequence."""
    model = lm.model
    previous = model.config._attn_implementation
    model.set_attn_implementation("eager")
    try:
        with torch.no_grad():
            out = model(input_ids=torch.tensor([ids]), output_attentions=True, use_cache=False)
    finally:
        model.set_attn_implementation(previous)
    return tuple(a[0] for a in out.attentions)


def plain_probs(lm, ids: list[int]) -> torch.Tensor:
    with torch.no_grad():
        return lm.model(input_ids=torch.tensor([ids]), use_cache=False).logits[0].float().softmax(-1)  # [pos, vocab]


@pytest.mark.parametrize("prompt", PROMPTS)
def test_greedy_steps_rows_and_probabilities(smollm2, prompt):
    gen = generate(prompt, "smollm2", 6, top=4)
    ids = [t.id for t in gen.trace.tokens]
    assert ids == greedy_continue(smollm2, encode(smollm2, prompt).ids, 6)  # transformers' own greedy decoding
    assert len(gen.steps) == len(ids) - gen.prompt_len and gen.trace.prompt_len == gen.prompt_len
    eager = eager_attentions(smollm2, ids)
    for layer in range(gen.trace.n_layers):  # every generated row (and the prompt's) in every layer and head
        diff = (gen.trace.head_weights(layer) - eager[layer].float()).abs().max()
        assert diff < 1e-5, (layer, float(diff))
    for step in gen.steps[:: 2]:  # the rows a scrubber shows: step_rows, every head of a layer
        pos = step.position
        assert (step_rows(gen.trace, pos, 7) - eager[7][:, pos, : pos + 1].float()).abs().max() < 1e-5
    data = step_rows_to_dict(gen, 7, [0, 3])
    assert [r["position"] for r in data["rows"]] == [gen.steps[0].position, gen.steps[3].position]
    got = torch.tensor(data["rows"][1]["weights"])  # [head, keys] from the JSON
    assert (got - eager[7][:, gen.steps[3].position, : gen.steps[3].position + 1].float()).abs().max() < 1e-5
    probs = plain_probs(smollm2, ids)
    for t, step in enumerate(gen.steps):
        row = probs[gen.prompt_len + t - 1]  # the position that predicted this step's token
        assert step.position == gen.prompt_len + t and step.token_id == ids[step.position]
        assert abs(step.p - float(row[step.token_id])) < 1e-5 and step.rank == 1
        values, order = row.topk(4)
        assert [c.token_id for c in step.top] == order.tolist()
        assert max(abs(c.p - float(v)) for c, v in zip(step.top, values, strict=True)) < 1e-5


def test_the_trace_keeps_no_n_by_n(smollm2):
    gen = generate(PROMPTS[0], "smollm2", 8)
    rerun = trace_ids(smollm2, [[t.id for t in gen.trace.tokens]])[0]
    assert gen.trace.nbytes <= 1.25 * rerun.nbytes  # q, k, v, lse and the rotary: O(layers x N x d), as a re-run
    ours, theirs = gen.trace.rotary(3), rerun.rotary(3)  # the steps' cos / sin, one position at a time
    assert torch.allclose(ours.cos, theirs.cos, atol=1e-6) and torch.allclose(ours.sin, theirs.sin, atol=1e-6)


def test_seeded_sampling_is_reproducible_and_is_the_sampler_by_hand(smollm2):
    a = generate(PROMPTS[0], "smollm2", 8, temperature=0.8, top_k=10, seed=1234)
    b = generate(PROMPTS[0], "smollm2", 8, temperature=0.8, top_k=10, seed=1234)
    c = generate(PROMPTS[0], "smollm2", 8, temperature=0.8, top_k=10, seed=99)
    ids = [t.id for t in a.trace.tokens]
    assert ids == [t.id for t in b.trace.tokens] and ids != [t.id for t in c.trace.tokens]
    assert a.sampling.seed == 1234 and a.sampling.top_k == 10
    g = torch.Generator().manual_seed(1234)
    with torch.no_grad():
        logits = smollm2.model(input_ids=torch.tensor([ids]), use_cache=False).logits[0].float()
    for t, step in enumerate(a.steps):
        scaled = logits[a.prompt_len + t - 1] / 0.8
        keep = scaled.topk(10).indices
        p = torch.full_like(scaled, float("-inf")).index_copy(0, keep, scaled[keep]).softmax(-1)
        assert int(torch.multinomial(p, 1, generator=g)) == step.token_id and step.rank <= 10
    unseeded = generate(PROMPTS[0], "smollm2", 3, temperature=1.0)
    assert unseeded.sampling.seed is not None  # chosen, and shown, so the run can be repeated
    again = generate(PROMPTS[0], "smollm2", 3, temperature=1.0, seed=unseeded.sampling.seed)
    assert [s.token_id for s in again.steps] == [s.token_id for s in unseeded.steps]


def test_logit_lens_is_each_layers_output_unembedded(smollm2):
    gen = generate(PROMPTS[0], "smollm2", 3, lens=True, top=3)
    ids = [t.id for t in gen.trace.tokens]
    with torch.no_grad():
        hs = smollm2.model.model(input_ids=torch.tensor([ids]), output_hidden_states=True,
                                 use_cache=False).hidden_states
        for t, step in enumerate(gen.steps):
            pos = gen.prompt_len + t - 1
            assert len(step.lens) == 30
            assert [c.token_id for c in step.lens[-1]] == [c.token_id for c in step.top]  # the last layer: the output
            for layer in (0, 11, 28):  # hidden_states[layer + 1]: that layer's output (before the final norm)
                h = smollm2.model.model.norm(hs[layer + 1][0, pos])
                p = smollm2.model.lm_head(h).float().softmax(-1)
                values, order = p.topk(3)
                assert [c.token_id for c in step.lens[layer]] == order.tolist()
                assert max(abs(c.p - float(v)) for c, v in zip(step.lens[layer], values, strict=True)) < 1e-4


def test_bad_settings_are_one_clear_error(minilm):
    for kwargs, message in (({"temperature": -1}, "temperature -1 must be 0"),
                            ({"temperature": float("nan")}, "temperature nan"),
                            ({"top_k": 5}, "--top-k only matters when sampling"),
                            ({"temperature": 1.0, "top_k": 0}, r"top-k 0 must be a whole number in 1 or more"),
                            ({"temperature": 1.0, "seed": 2**32}, r"seed 4294967296 must be a whole number in 0\.\.")):
        args = {"temperature": 0.0, "top_k": None, "seed": None, **kwargs}
        with pytest.raises(AttnlabError, match=message):
            check_sampling(**args)
    with pytest.raises(AttnlabError, match="needs a decoder model"):
        generate("hello", "minilm", 3)
    with pytest.raises(AttnlabError, match=r"n must be a whole number in 1 or more"):
        generate("hello", "smollm2", 0)
    with pytest.raises(AttnlabError, match="more than smollm2 accepts"):
        generate("hello", "smollm2", 9000)
