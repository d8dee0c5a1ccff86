"""`run_text(text, model=hf_model, tokenizer=tok)`: capture from a model object the caller holds.

The object is used as it is (no reload: the trace reads its own tensors; its dtype kept) and left as it
was found: its attention implementation (SDPA here) and train/eval mode come back, its outputs are
bit-identical before and after, also when the call fails half-way; a second call gives the same trace.
"""

from __future__ import annotations

import pytest
import torch

from attnlab.errors import AttnlabError
from attnlab.models.api import TooLongError, run_text
from attnlab.models.parts import EncoderDecoderTraces

from .families import TARGET, TEXT, eager_differences

pytestmark = pytest.mark.model


def held(folder, kind="decoder", dtype=torch.float32, implementation="sdpa"):
    from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer

    auto = AutoModelForSeq2SeqLM if kind == "encoder-decoder" else AutoModelForCausalLM
    model = auto.from_pretrained(folder, dtype=dtype, attn_implementation=implementation)
    return model, AutoTokenizer.from_pretrained(folder)


def logits(model, tok):
    ids = tok(TEXT, return_tensors="pt")
    with torch.no_grad():
        return model(**ids).logits


def test_the_object_is_captured_as_it_is_and_left_as_it_was(family_folder):
    folder = family_folder("Llama")
    model, tok = held(folder)
    model.train()  # a notebook may hold it in training mode: it must come back so
    before = logits(model.eval(), tok)
    model.train()
    first = run_text(TEXT, model=model, tokenizer=tok)
    assert model.config._attn_implementation == "sdpa" and model.training
    assert torch.equal(logits(model.eval(), tok), before)
    assert max(eager_differences(folder, "decoder", first)) <= 1e-5
    w_o = model.model.layers[0].self_attn.o_proj.weight
    assert first.layers[0].out_proj.data_ptr() == w_o.data_ptr()  # the object's own tensors, not a reloaded copy
    assert first.model == str(folder)  # named after the object's name_or_path
    second = run_text(TEXT, model=model, tokenizer=tok)
    for layer in range(first.n_layers):
        assert torch.equal(second.head_weights(layer), first.head_weights(layer))


def test_its_dtype_is_kept(family_folder):
    model, tok = held(family_folder("Qwen2"), dtype=torch.bfloat16)
    trace = run_text(TEXT, model=model, tokenizer=tok)
    assert trace.qkv(0).q.dtype == torch.bfloat16  # captured as SDPA got it, no cast
    w = trace.head_weights(1)
    assert w.dtype == torch.float32 and (w.sum(-1) - 1).abs().max() <= 1e-5
    assert model.dtype == torch.bfloat16 and model.config._attn_implementation == "sdpa"


def test_a_failing_call_leaves_it_as_it_was(family_folder):
    model, tok = held(family_folder("Gemma 2"), implementation="eager")  # Gemma 2 has no SDPA path
    before = logits(model, tok)
    with pytest.raises(TooLongError):
        run_text("word " * 600, model=model, tokenizer=tok)  # 512 positions
    assert model.config._attn_implementation == "eager"
    assert torch.equal(logits(model, tok), before)
    run_text(TEXT, model=model, tokenizer=tok).check_finite()  # soft-capped, from the object


def test_an_encoder_decoder_object(family_folder):
    folder = family_folder("T5")
    model, tok = held(folder, "encoder-decoder")
    pair = run_text(TEXT, model=model, tokenizer=tok, target_text=TARGET)
    assert isinstance(pair, EncoderDecoderTraces)
    assert max(eager_differences(folder, "encoder-decoder", pair)) <= 1e-5
    assert model.config._attn_implementation == "sdpa"


@pytest.mark.parametrize(("model", "tokenizer", "message"), [
    ("Llama", None, "a model object needs its tokenizer"),
    ("Llama", "not a tokenizer", "tokenizer must be a transformers tokenizer"),
    (torch.nn.Linear(2, 2), None, "got model=Linear|not a transformers PreTrainedModel|transformers model object"),
    (3, None, "model must be a model name, folder or hub id, or a transformers model object"),
])
def test_bad_objects_are_refused_in_one_line(family_folder, model, tokenizer, message):
    if model == "Llama":
        model = held(family_folder("Llama"))[0]
    with pytest.raises(AttnlabError, match=message) as err:
        run_text(TEXT, model=model, tokenizer=tokenizer)
    assert "\n" not in str(err.value)


def test_a_tokenizer_with_a_model_name_is_refused():
    with pytest.raises(AttnlabError, match="tokenizer= goes with a model object"):
        run_text(TEXT, model="minilm", tokenizer=object())
