"""The lesson's exercises: each answer is the one computed from the trace (checked here against an
independent argmax / max over the same weights), right answers in any reasonable spelling pass, wrong
ones fail with a hint, and no answer yet is not a failure."""

from __future__ import annotations

import pytest
import torch

from attnlab import lesson, tutorial
from attnlab.errors import AttnlabError
from attnlab.toy import run_toy

from .html.fakes import FakeTrace


def test_top_key_is_the_rows_argmax():
    trace = tutorial.listing2()
    w = trace.stages.weights[0]  # [q_pos, k_pos]
    for q in range(trace.n_tokens):
        ex = lesson.top_key(trace, q)
        k = int(w[q].argmax())
        assert ex.answer == trace.token_texts[k]
        assert ex.check(trace.token_texts[k]).correct is True
        assert ex.check(k).correct is True  # a position answers too
        assert ex.check(trace.token_texts[k].upper() + " ").correct is True  # case and spaces do not matter
        wrong = next(i for i in range(trace.n_tokens) if i != k)
        result = ex.check(trace.token_texts[wrong], lang="en")
        assert result.correct is False and result.message.startswith("Not quite") and "Hint:" in result.message


def test_messages_carry_the_computed_numbers():
    trace = tutorial.listing2()
    values, keys = trace.stages.weights[0][1].topk(2)  # the row of "is"
    message = lesson.top_key(trace, "is").check(trace.token_texts[int(keys[0])], lang="en").message
    assert message.startswith("Right.") and f"{float(values[0]):.4f}" in message
    assert f"{float(values[1]):.4f}" in message and f"{trace.token_texts[int(keys[1])]} ({int(keys[1])})" in message
    assert repr(lesson.top_key(trace, "is").check("beautiful", lang="ja")).startswith("正解です。")


def test_no_answer_yet_is_not_a_failure():
    ex = lesson.top_key(tutorial.listing2(), "is")
    for nothing in (None, ..., "", "  "):
        result = ex.check(nothing, lang="ja")
        assert result.correct is None and "answer =" in result.message


def test_sharper_head_and_weight():
    two = tutorial.step3()
    tops = two.stages.weights[:, 0].max(dim=-1).values  # [head]: the row of Tokyo
    ex = lesson.sharper_head(two, "Tokyo")
    assert ex.answer == int(tops.argmax())
    assert ex.check(str(ex.answer)).correct and not ex.check(1 - ex.answer).correct
    assert not ex.check("two").correct
    causal = run_toy(tokens=("I", "love", "you"), causal=True)
    ex = lesson.weight(causal, "I", "I")
    assert ex.answer == 1.0 and ex.check("1.00").correct and ex.check(0.995).correct
    assert not ex.check(0.98).correct and not ex.check("nan").correct and not ex.check("one").correct


def test_sharper_of_names_the_value():
    temperatures = [0.5, 1.0, 2.0]
    traces = [run_toy(temperature=T) for T in temperatures]
    tops = [float(tr.stages.weights[0][0].max()) for tr in traces]
    ex = lesson.sharper_of(traces, "Tokyo", temperatures, name="T")
    assert ex.answer == temperatures[tops.index(max(tops))]
    assert ex.check(str(ex.answer)).correct
    assert not any(ex.check(T).correct for T in temperatures if T != ex.answer)
    with pytest.raises(AttnlabError, match="one value per trace"):
        lesson.sharper_of(traces, "Tokyo", [1, 2], name="T")


def test_model_tokens_are_answered_as_read():
    trace = FakeTrace(["[CLS]", "tokyo", "␣is", "␣beautiful", "[SEP]"])
    assert lesson.position(trace, "is") == 2  # the space mark is not typed
    ex = lesson.top_key(trace, "is", layer=0, head=None)
    k = int(trace.pattern(0, None)[2].argmax())
    assert ex.answer == trace.token_texts[k].replace("␣", "")
    assert ex.check(ex.answer).correct and ex.check(trace.token_texts[k]).correct


def test_ambiguous_or_missing_tokens_say_so():
    trace = FakeTrace(["the", "cat", "the", "mat"])
    with pytest.raises(AttnlabError, match=r"'the' occurs at positions 0, 2"):
        lesson.top_key(trace, "the")
    with pytest.raises(AttnlabError, match="'dog' occurs nowhere"):
        lesson.top_key(trace, "dog")
    with pytest.raises(AttnlabError, match="position 9 is out of range"):
        lesson.top_key(trace, 9)
    assert lesson.top_key(trace, 2).answer in trace.token_texts  # by position: no ambiguity


def test_answers_do_not_depend_on_a_global_rng():
    torch.manual_seed(0)
    first = lesson.top_key(tutorial.listing2(), "is").answer
    torch.manual_seed(123)
    assert lesson.top_key(tutorial.listing2(), "is").answer == first
