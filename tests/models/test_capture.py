"""The capture equals Hugging Face eager attention and leaves the model's outputs unchanged.

Reference: the same model object switched to `attn_implementation="eager"` with
`output_attentions=True` (weights materialised by transformers), and to plain "sdpa" for outputs.
Tolerances: patterns within 1e-5 of eager (fp32; measured on CPU 1.1-2.1e-6 for MiniLM, 1.8-4.4e-6 for
SmolLM2); outputs bit-identical to SDPA.
"""

from __future__ import annotations

import contextlib

import pytest
import torch

from attnlab.models.api import pad_batch, trace_ids
from attnlab.models.capture import CAPTURE, recording

pytestmark = pytest.mark.model

TEXTS = {
    "en": "The cat sat on the mat because it was tired.",
    "ja": "東京はとても美しい街です。猫が好き。",
    "mixed": "Attention is all you need: 注意こそがすべて (2017), x = softmax(QK^T / √d) V.",
}
BATCH = ["A short one.", "A somewhat longer sentence, so that the first one gets padded here."]


@contextlib.contextmanager
def implementation(lm, name):
    """Temporarily switch the shared model's attention implementation."""
    lm.model.set_attn_implementation(name)
    try:
        yield
    finally:
        lm.model.set_attn_implementation(CAPTURE)


def encode_all(lm, texts):
    return [lm.tokenizer(t)["input_ids"] for t in texts]


def eager_attentions(lm, inputs):
    with implementation(lm, "eager"), torch.no_grad():
        return lm.model.base_model(**inputs, output_attentions=True, use_cache=False).attentions


def assert_matches_eager(lm, batch):
    inputs, spans = pad_batch(lm, batch)
    traces = trace_ids(lm, batch)
    eager = eager_attentions(lm, inputs)  # per layer [batch, head, q_pos, k_pos]
    assert len(eager) == traces[0].n_layers
    worst = 0.0
    for b, (trace, (start, stop)) in enumerate(zip(traces, spans, strict=True)):
        assert trace.n_tokens == stop - start
        for layer in range(trace.n_layers):
            ours = trace.head_weights(layer, list(range(trace.n_heads)))  # [head, q_pos, k_pos]
            ref = eager[layer][b, :, start:stop, start:stop].float()
            worst = max(worst, (ours - ref).abs().max().item())
    assert worst < 1e-5, f"largest difference to eager: {worst:.2e}"


@pytest.mark.parametrize("key", list(TEXTS))
@pytest.mark.parametrize("model", ["minilm", "smollm2"])
def test_every_layer_and_head_matches_eager(model, key, request):
    lm = request.getfixturevalue(model)
    assert_matches_eager(lm, encode_all(lm, [TEXTS[key]]))


@pytest.mark.parametrize("side", ["right", "left"])
@pytest.mark.parametrize("model", ["minilm", "smollm2"])
def test_padded_batch_matches_eager_and_the_unpadded_run(model, side, request):
    lm = request.getfixturevalue(model)
    before, lm.tokenizer.padding_side = lm.tokenizer.padding_side, side
    try:
        batch = encode_all(lm, BATCH)
        assert_matches_eager(lm, batch)
        padded = trace_ids(lm, batch)[0]  # the short text, padded
        alone = trace_ids(lm, batch[:1])[0]
        for layer in (0, padded.n_layers - 1):
            diff = (padded.pattern(layer, None) - alone.pattern(layer, None)).abs().max().item()
            assert diff < 1e-5, f"layer {layer}: padded vs alone differ by {diff:.2e}"
    finally:
        lm.tokenizer.padding_side = before


@pytest.mark.parametrize("model", ["minilm", "smollm2"])
def test_capture_leaves_outputs_unchanged(model, request):
    lm = request.getfixturevalue(model)
    for batch in (encode_all(lm, [TEXTS["ja"]]), encode_all(lm, BATCH)):
        inputs, _ = pad_batch(lm, batch)
        with implementation(lm, "sdpa"), torch.no_grad():
            ref = lm.model(**inputs, use_cache=False, output_hidden_states=True)
        with torch.no_grad(), recording() as rec:
            out = lm.model(**inputs, use_cache=False, output_hidden_states=True)
        assert len(rec.layers) == lm.model.config.num_hidden_layers  # the capture did run
        for ours, theirs in zip(out.hidden_states, ref.hidden_states, strict=True):
            assert torch.equal(ours, theirs)
        if model == "smollm2":
            assert torch.equal(out.logits, ref.logits)


def test_unpadded_decoder_takes_the_maskless_causal_path(smollm2):
    """SDPA gets no mask for unpadded causal input; the trace must add the causal mask itself."""
    trace = trace_ids(smollm2, encode_all(smollm2, [TEXTS["en"]]))[0]
    cap = trace.layers[0]
    assert cap.mask is None and cap.causal
    assert cap.q.shape[1] == 9 and cap.k.shape[1] == 3  # grouped-query attention: 3 query heads per kv head
    w = trace.pattern(0, 4)
    assert torch.all(w.triu(1) == 0)
    torch.testing.assert_close(w.sum(-1), torch.ones(trace.n_tokens), rtol=0, atol=1e-6)


def test_encoder_is_not_causal(minilm):
    trace = trace_ids(minilm, encode_all(minilm, [TEXTS["en"]]))[0]
    assert not trace.causal and not trace.layers[0].causal
    assert trace.pattern(2, 3).triu(1).sum() > 0.1  # encoders look ahead


def test_capture_keeps_references_not_copies(smollm2):
    """q/k are the model's own tensors (post-RoPE, model dtype), not N x N maps or fp32 copies."""
    trace = trace_ids(smollm2, encode_all(smollm2, [TEXTS["en"]]))[0]
    n = trace.n_tokens
    for cap in trace.layers:
        assert cap.q.shape == (1, 9, n, 64) and cap.k.shape == (1, 3, n, 64)
        assert cap.q.dtype == smollm2.model.dtype
    assert trace.qkv(0).q.data_ptr() == trace.layers[0].q.data_ptr()  # a view, not a copy


@pytest.mark.parametrize("model", ["minilm", "smollm2"])
def test_row_stats_from_captured_q_k_equal_those_of_the_full_patterns(model, request):

    lm = request.getfixturevalue(model)
    trace = trace_ids(lm, encode_all(lm, [TEXTS["mixed"]]))[0]
    streamed, full = trace.row_stats(tile=8), trace.dense_row_stats()  # tile 8: several tiles per row
    assert streamed.shape == (trace.n_layers, trace.n_heads, trace.n_tokens)
    for name in ("max_weight", "entropy", "first_weight", "mean_distance"):
        torch.testing.assert_close(getattr(streamed, name), getattr(full, name), rtol=1e-4, atol=1e-5)


def test_fallback_to_eager_when_attention_bypasses_the_interface(smollm2):
    """With the model on plain SDPA the capture sees nothing: a warning, then eager weights."""
    from attnlab.models.api import CaptureFallbackWarning
    from attnlab.models.trace import EagerTrace

    batch = encode_all(smollm2, [TEXTS["ja"]])
    captured = trace_ids(smollm2, batch)[0]
    with implementation(smollm2, "sdpa"):
        with pytest.warns(CaptureFallbackWarning, match="eager"):
            fallback = trace_ids(smollm2, batch)[0]
        assert smollm2.model.config._attn_implementation == "sdpa"  # put back as it was
    assert isinstance(fallback, EagerTrace)
    for layer in (0, 29):
        torch.testing.assert_close(fallback.pattern(layer, None), captured.pattern(layer, None), rtol=0, atol=1e-5)


@pytest.mark.parametrize("model", ["minilm", "smollm2"])
def test_scores_are_the_pre_softmax_of_the_eager_weights(model, request):
    """softmax(trace.scores(layer, head)) equals eager's weights; hidden cells (future, padding) are -inf."""
    lm = request.getfixturevalue(model)
    batch = encode_all(lm, BATCH)
    inputs, spans = pad_batch(lm, batch)
    eager = eager_attentions(lm, inputs)
    for b, (trace, (start, stop)) in enumerate(zip(trace_ids(lm, batch), spans, strict=True)):
        for layer, head in [(0, 0), (trace.n_layers - 1, trace.n_heads - 1)]:
            s = trace.scores(layer, head)
            ref = eager[layer][b, head, start:stop, start:stop].float()
            torch.testing.assert_close(s.softmax(-1), ref, rtol=0, atol=1e-5)
            hidden = torch.isneginf(s)
            assert bool(hidden.any()) == trace.causal  # only a causal model hides (its future) cells
            if trace.causal:
                assert torch.equal(hidden, torch.ones_like(hidden).triu(1))
            assert torch.all(ref[hidden] == 0)
