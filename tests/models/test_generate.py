"""--generate: greedy continuation, and the trace's rows for new tokens equal what decoding saw."""

from __future__ import annotations

import pytest
import torch

from attnlab.errors import AttnlabError
from attnlab.models.api import encode, run_text, trace_ids
from attnlab.models.capture import recording
from attnlab.models.generate import greedy_continue

pytestmark = pytest.mark.model

PROMPT = "The capital of Japan is"


def test_greedy_continuation_is_hf_greedy(smollm2):
    ids = encode(smollm2, PROMPT).ids
    out = greedy_continue(smollm2, ids, 5)
    assert out[: len(ids)] == ids and len(ids) < len(out) <= len(ids) + 5
    with torch.no_grad():  # greedy by hand: each new id is the argmax of the previous position's logits
        logits = smollm2.model(input_ids=torch.tensor([out]), use_cache=False).logits[0]
    assert out[len(ids) :] == logits[len(ids) - 1 : -1].argmax(-1).tolist()


def test_rows_of_generated_tokens_equal_the_incremental_decoding_step(smollm2):
    """The last decoding step (1 query, KV cache) attends exactly as the trace's row says (1e-5)."""
    ids = encode(smollm2, PROMPT).ids
    with recording() as rec, torch.no_grad():
        out = smollm2.model.generate(torch.tensor([ids]), max_new_tokens=4, do_sample=False, temperature=None,
                                     top_p=None, top_k=None, pad_token_id=smollm2.tokenizer.eos_token_id)
    full = out[0].tolist()
    trace = trace_ids(smollm2, [full])[0]
    q_pos = len(full) - 2  # the last fed token; its step predicted the final one
    for layer in (0, 14, 29):
        cap = rec.layers[layer]
        assert cap.q.shape[2] == 1 and cap.k.shape[2] == q_pos + 1  # a decoding step, keys from the cache
        k = cap.k[0].repeat_interleave(3, dim=0).float()  # [head, k_pos, d_head]
        step = ((cap.q[0].float() @ k.transpose(1, 2)) * cap.scale).softmax(-1)[:, 0]  # [head, k_pos]
        ours = trace.head_weights(layer, list(range(9)))[:, q_pos, : q_pos + 1]
        assert (step - ours).abs().max().item() < 1e-5
        assert trace.head_weights(layer, [0])[0, q_pos, q_pos + 1 :].abs().max() == 0  # nothing after itself


def test_generate_marks_where_the_prompt_ends(smollm2):
    trace = run_text(PROMPT, "smollm2", generate=3)
    assert trace.prompt_len == len(encode(smollm2, PROMPT).ids) and trace.n_tokens > trace.prompt_len


def test_generate_needs_a_decoder(minilm):
    with pytest.raises(AttnlabError, match="decoder"):
        greedy_continue(minilm, [101, 102], 2)
