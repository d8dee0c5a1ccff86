"""The lesson's exercises: each answer is the one computed from the trace (checked here against an
independent computation over the same numbers), right answers in any equivalent spelling pass (2, "2",
2.0, "２", a 0-d tensor; a token's text or position; a choice's letter or words), wrong ones are
explained with what they give, and no answer yet is not a failure."""

from __future__ import annotations

import pytest
import torch

from attnlab import lesson, tutorial
from attnlab.errors import AttnlabError
from attnlab.toy import run_toy
from attnlab.trace import Token

from .html.fakes import FakeTrace


@pytest.mark.parametrize("given", [2, "2", 2.0, "2.0", " 2 ", "２", torch.tensor(2), torch.tensor(2.0)])
def test_equivalent_answers_pass_alike(given):
    """Issue 17 item 10: "2" typed as a string (and every other spelling of 2) is the position 2."""
    trace = tutorial.listing2()
    k = int(trace.stages.weights[0][2].argmax())
    ex = lesson.top_key(trace, "beautiful")
    assert ex.check(given).correct is (k == 2)
    one = given if not isinstance(given, str) else given.replace("2", "1").replace("２", "１")
    one = one / 2 if not isinstance(one, str) else one  # the same spelling, of 1
    assert lesson.weight(run_toy(tokens=("a", "b"), causal=True), "a", "a").check(one).correct


def test_output_cell_is_the_weights_times_a_column_of_v():
    trace = tutorial.listing2()
    st = trace.stages
    for q in range(3):
        for d in range(4):
            ex = lesson.output_cell(trace, q, d)
            want = float((st.weights[0, q].double() * st.V[0, :, d].double()).sum())
            assert ex.answer == round(want, 4) and ex.check(f"{want:.3f}").correct
    ex = lesson.output_cell(trace, "Tokyo", 0)
    assert "That is too large" in ex.check(5, lang="en").message and "column d1 of V" in ex.check(5, lang="en").message
    two = tutorial.step3()  # a head's column: its own weights and values
    ex = lesson.output_cell(two, "Tokyo", 2)
    want = float((two.stages.weights[1, 0].double() * two.stages.V[1, :, 0].double()).sum())
    assert abs(ex.answer - want) < 1e-4 and "head 1's column 1" in ex.solution(lang="en").message


def test_row_sum_knows_a_sum_of_scores_when_it_sees_one():
    trace = tutorial.listing2()
    ex = lesson.row_sum(trace, "is")
    assert all(ex.check(a).correct for a in (1, "1", 1.0, "1.000", 0.9999))
    scores = float(trace.stages.scores[0, 1].sum())
    assert "That is the sum of the scores" in ex.check(scores, lang="en").message
    assert "Add up one whole row" in ex.check(0.5, lang="en").message


def test_shifting_a_row_of_scores_changes_nothing():
    trace = tutorial.listing2()
    ex = lesson.shift_row(trace, "is", 5.0)
    s = trace.stages.scores[0, 1].double()
    assert float((torch.softmax(s + 5, -1) - torch.softmax(s, -1)).abs().max()) < 1e-12 and ex.answer == "b"
    assert all(ex.check(a).correct for a in ("b", "B", "(b)", "unchanged", "変わらない"))
    assert "adding the same number keeps them" in ex.check("c", lang="en").message
    assert "answer with one of a, b, c" in ex.check("maybe", lang="en").message.lower()


@pytest.mark.parametrize("T,answer", [(0.5, "a"), (2.0, "b"), (1.0, "c")])
def test_temperature_predictions_are_computed(T, answer):
    trace = tutorial.listing2()
    ex = lesson.temperature_effect(trace, "Tokyo", T)
    assert ex.answer == answer
    top = float(run_toy(temperature=T).stages.weights[0, 0].max())
    assert f"-> {top:.4f}" in ex.solution(lang="en").message


def test_make_winner_accepts_any_matrices_that_make_the_key_win():
    trace = tutorial.listing2()
    x = trace.stages.x
    ex = lesson.make_winner(x, trace.token_texts, "Tokyo", "beautiful")
    w_q, w_k = ex.answer
    w = torch.softmax((x.double() @ w_q)[0] @ (x.double() @ w_k).T / 2, -1)
    assert int(w.argmax()) == 2
    assert ex.check((w_q.tolist(), w_k.tolist())).correct  # lists pass too
    eye = torch.eye(4)
    message = ex.check((eye, eye), lang="en").message
    assert message.startswith("Not quite") and "puts its largest weight" in message
    assert "two 4 x 4 matrices" in ex.check((eye, torch.eye(3)), lang="en").message
    assert "two 4 x 4 matrices" in ex.check("identity", lang="en").message


def test_char_rows_are_the_pieces_that_continue_a_character():
    tokyo = "東京は".encode()
    trace = FakeTrace(["東1/2", "東2/2", "京1/2", "京2/2", "は"])
    chunks = [tokyo[:2], tokyo[2:3], tokyo[3:5], tokyo[5:6], tokyo[6:]]
    trace.tokens = tuple(Token(t.text, bytes_hex=c.hex()) for t, c in zip(trace.tokens, chunks))
    ex = lesson.char_rows(trace)
    assert ex.answer == [1, 3]
    assert all(ex.check(a).correct for a in ([1, 3], (3, 1), {1, 3}, "1, 3", "3 1", "1、3"))
    assert "京1/2 (2) starts a character" in ex.check([1, 2, 3], lang="en").message
    assert "1 rows are still missing" in ex.check([1], lang="en").message


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
        assert result.correct is False and result.message.startswith("Not quite")
        assert f"gets {float(w[q, wrong]):.4f}; this row has a larger weight ({float(w[q, k]):.4f})" in result.message


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
    assert ex.check(float(ex.answer)).correct and ex.check(f"{ex.answer}.0").correct  # 1, "1", 1.0, "1.0"
    assert not ex.check("two").correct and "head number, 0 to 1" in ex.check("two", lang="en").message
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
    assert "one of the values of T: 0.5, 1.0, 2.0" in ex.check(3, lang="en").message
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
