"""run_text / run_batch: wrong arguments get one clear message; generation limits; generated words."""

from __future__ import annotations

import pytest

from attnlab.errors import AttnlabError
from attnlab.models.api import TooLongError, encode, run_batch, run_text

BAD = b"abc\xff".decode("utf-8", "surrogateescape")  # what Python makes of a non-UTF-8 argument


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: run_text(123), "the text must be a string, got 123 (int)"),
        (lambda: run_text(None), "the text must be a string, got None (NoneType)"),
        (lambda: run_text(["a", "b"]), "the text must be a string, got ['a', 'b'] (list)"),
        (lambda: run_text(BAD), "the text holds a byte that is not UTF-8 (0xff, character 3): was the command"),
        (lambda: run_text("hi", generate=1.5), "generate must be a whole number of new tokens, got 1.5 (float)"),
        (lambda: run_text("hi", generate="3"), "generate must be a whole number of new tokens, got '3' (str)"),
        (lambda: run_text("hi", truncate="yes"), "truncate must be True or False, got 'yes' (str)"),
        (lambda: run_batch("one text"), "texts must be a list of strings, got 'one text' (str): for one text use "
                                        "run_text(text)"),
        (lambda: run_batch(["ok", 5]), "texts[1] must be a string, got 5 (int)"),
    ],
)
def test_wrong_arguments_are_named_before_any_model_loads(call, message, monkeypatch):
    from attnlab.models import api

    monkeypatch.setattr(api, "load", lambda name: pytest.fail("no model may load for a bad argument"))
    with pytest.raises(AttnlabError) as e:
        call()
    assert str(e.value) == message or str(e.value).startswith(message)


@pytest.mark.model
def test_generating_beyond_the_models_limit_says_so(smollm2):
    with pytest.raises(TooLongError) as e:
        run_text("The capital of Japan is", "smollm2", generate=100_000)
    assert str(e.value) == ("--generate 100000 is more than smollm2 accepts: at most 8192 tokens in all, "
                            "the text's included, so at most 8191 new ones")
    with pytest.raises(TooLongError, match="at most 8191 new ones"):
        run_text("hi", "smollm2", generate=8192, truncate=True)


@pytest.mark.model
def test_truncation_is_offered_only_where_it_can_help(smollm2):
    long = "word " * 9000  # about 9000 tokens for SmolLM2
    assert len(encode(smollm2, long, reserve=8191, truncate=True).ids) == 1  # SmolLM2 adds no special tokens
    with pytest.raises(TooLongError) as e:
        encode(smollm2, long, reserve=8192, truncate=True)
    assert "generate fewer tokens (truncating cannot help: no room is left for the text)" in str(e.value)
    assert "-" not in str(e.value).split("accepts")[1]  # no negative counts
    with pytest.raises(TooLongError) as e:
        encode(smollm2, long, reserve=100)
    assert "accepts at most 8092 while generating 100; pass --truncate" in str(e.value)
    enc = encode(smollm2, long, reserve=100, truncate=True)
    assert len(enc.ids) == 8092 and enc.cut == len(smollm2.tokenizer(long)["input_ids"]) - 8092


@pytest.mark.model
def test_generated_tokens_are_words_of_their_own(smollm2):
    trace = run_text("Tokyo is beaut", "smollm2", generate=4)  # the prompt ends mid-word
    p = trace.prompt_len
    words = [t.word for t in trace.tokens]
    assert words[p:] == list(range(words[p - 1] + 1, words[p - 1] + 1 + trace.n_tokens - p))
    assert words[:p] == [t.word for t in run_text("Tokyo is beaut", "smollm2").tokens]  # the prompt's unchanged
