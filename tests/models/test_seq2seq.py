"""Encoder-decoder models: the source, a given or generated target, and the three parts of attention.

The parts' weights against eager attention are in test_families.py; here: what the decoder reads
(start token + target, or the model's own greedy generation), the errors, and the CLI's flags.
"""

from __future__ import annotations

import json

import pytest
import torch

import attnlab.cli as cli
from attnlab.errors import AttnlabError, LayerHeadError
from attnlab.models.api import EmptyTextError, load, run_batch, run_text
from attnlab.models.parts import EncoderDecoderTraces
from attnlab.models.seq2seq import DEFAULT_TARGET, start_token

from .families import TARGET, TEXT, eager_differences

pytestmark = pytest.mark.model


def test_a_given_target_is_read_after_the_start_token(family_folder):
    folder = str(family_folder("BART"))
    pair = run_text(TEXT, folder, target_text=TARGET)
    lm = load(folder)
    target = lm.tokenizer(text_target=TARGET)["input_ids"]
    assert [t.id for t in pair.decoder.tokens] == [start_token(lm), *target]
    assert [t.id for t in pair.encoder.tokens] == lm.tokenizer(TEXT)["input_ids"]
    assert pair.decoder.prompt_len is None and pair.decoder.causal and not pair.encoder.causal
    assert pair.cross.q_tokens == pair.decoder.tokens and pair.cross.k_tokens == pair.encoder.tokens
    w = pair.cross.head_weights(1)  # [head, target, source]
    assert w.shape == (4, pair.decoder.n_tokens, pair.encoder.n_tokens)
    assert (w.sum(-1) - 1).abs().max() <= 1e-5


def test_without_a_target_the_model_generates_one(family_folder):
    from transformers import AutoModelForSeq2SeqLM

    folder = family_folder("Marian")
    pair = run_text(TEXT, str(folder), generate=6)
    ref = AutoModelForSeq2SeqLM.from_pretrained(folder).eval()
    ids = load(str(folder)).tokenizer(TEXT, return_tensors="pt")["input_ids"]
    with torch.no_grad():
        want = ref.generate(ids, max_new_tokens=6, do_sample=False)[0].tolist()
    assert [t.id for t in pair.decoder.tokens] == want  # the start token, then what the model generated
    assert pair.decoder.prompt_len == 1
    assert max(eager_differences(folder, "encoder-decoder", pair)) <= 1e-5
    default = run_text(TEXT, str(folder))
    assert default.decoder.n_tokens <= 1 + DEFAULT_TARGET


def test_cross_attention_is_not_a_trace_and_says_its_ranges(family_folder):
    pair = run_text(TEXT, str(family_folder("T5")), target_text=TARGET)
    assert isinstance(pair, EncoderDecoderTraces)
    with pytest.raises(LayerHeadError, match=r"the cross-attention has layers 0\.\.1"):
        pair.cross.pattern(2, 0)
    with pytest.raises(LayerHeadError, match=r"the cross-attention has heads 0\.\.3"):
        pair.cross.head_weights(0, [4])
    assert torch.allclose(pair.cross.pattern(0, None), pair.cross.head_weights(0).mean(0))


def test_errors(family_folder):
    with pytest.raises(AttnlabError, match="a target text needs an encoder-decoder model"):
        run_text(TEXT, str(family_folder("Llama")), target_text=TARGET)
    with pytest.raises(EmptyTextError, match="the target text is empty"):
        run_text(TEXT, str(family_folder("BART")), target_text="  ")
    with pytest.raises(AttnlabError, match="is an encoder-decoder: run it with run_text"):
        run_batch([TEXT, TEXT], str(family_folder("BART")))


def test_cli_shows_the_part_asked_for(family_folder, capsys):
    folder = str(family_folder("BART"))
    code = cli.main(["text", TEXT, "--model", folder, "--target-text", TARGET, "--part", "decoder",
                     "--format", "json", "--layer", "1", "--head", "3", "--lang", "en"])
    out, err = capsys.readouterr()
    assert code == 0 and "is an encoder-decoder: showing its decoder's self-attention" in err
    data = json.loads(out)
    pair = run_text(TEXT, folder, target_text=TARGET)
    assert len(data["tokens"]) == pair.decoder.n_tokens
    assert torch.allclose(torch.tensor(data["weights"]), pair.decoder.pattern(1, 3), atol=1e-6)
    code = cli.main(["text", TEXT, "--model", folder, "--format", "json"])  # default: encoder, generated target
    data = json.loads(capsys.readouterr()[0])
    assert code == 0 and len(data["tokens"]) == pair.encoder.n_tokens


def test_a_body_without_a_head_needs_the_target_given(family_folder):
    from transformers import AutoModel, AutoTokenizer

    folder = family_folder("BART")
    body, tok = AutoModel.from_pretrained(folder), AutoTokenizer.from_pretrained(folder)  # BartModel: no LM head
    with pytest.raises(AttnlabError, match="no language-model head to generate a target with"):
        run_text(TEXT, model=body, tokenizer=tok)
    pair = run_text(TEXT, model=body, tokenizer=tok, target_text=TARGET)
    assert max(eager_differences(folder, "encoder-decoder", pair)) <= 1e-5
