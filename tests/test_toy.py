"""The toy lab against the tutorial's own code (listing 2), computed here as the reference."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from attnlab.toy import TUTORIAL_X, ToyInputError, ToySpec, make_x, run_toy


def tutorial_listing_2():
    """The tutorial's listing 2, line for line (global seed and all)."""
    x = torch.tensor([
        [1.0, 0.5, 0.3, 0.2],   # Tokyo
        [0.2, 0.1, 0.9, 0.7],   # is
        [0.8, 0.3, 0.2, 0.4],   # beautiful
    ])
    d_model = x.shape[1]
    torch.manual_seed(42)
    W_Q = torch.randn(d_model, d_model)
    W_K = torch.randn(d_model, d_model)
    W_V = torch.randn(d_model, d_model)
    Q = x @ W_Q; K = x @ W_K; V = x @ W_V  # noqa: E702
    scores = (Q @ K.T) / np.sqrt(d_model)
    attention_weights = F.softmax(scores, dim=-1)
    output = attention_weights @ V
    return dict(x=x, W_Q=W_Q, W_K=W_K, W_V=W_V, Q=Q, K=K, V=V, scores=scores,
                weights=attention_weights, output=output)


def test_defaults_equal_the_tutorial_bit_for_bit():
    ref = tutorial_listing_2()
    tr = run_toy()
    assert tr.token_texts == ["Tokyo", "is", "beautiful"]
    for name in ("x", "W_Q", "W_K", "W_V", "output"):
        assert torch.equal(getattr(tr.stages, name), ref[name]), name
    for name in ("Q", "K", "V", "scores", "weights"):  # one head: the head axis has length 1
        got = getattr(tr.stages, name)
        assert got.shape[0] == 1
        assert torch.equal(got[0], ref[name]), name
    assert torch.equal(tr.pattern(0, 0), ref["weights"])


def test_toy_does_not_touch_the_global_rng():
    torch.manual_seed(7)
    expected = torch.randn(3)
    torch.manual_seed(7)
    run_toy()
    assert torch.equal(torch.randn(3), expected)


def test_other_seeds_and_widths_draw_like_the_tutorial():
    spec = ToySpec(tokens=tuple("I love transformers so much".split()), d_model=8, seed=3)
    tr = run_toy(spec)
    torch.manual_seed(3)
    for name in ("W_Q", "W_K", "W_V"):
        assert torch.equal(getattr(tr.stages, name), torch.randn(8, 8)), name


def test_generated_x_is_deterministic_and_documented():
    spec = ToySpec(tokens=("a", "b", "c", "d", "e"), d_model=6, seed=5)
    g = torch.Generator().manual_seed(5)
    expected = (torch.rand(5, 6, generator=g) * 10).round() / 10
    assert torch.equal(make_x(spec), expected)
    assert torch.equal(run_toy(spec).stages.x, run_toy(spec).stages.x)
    assert torch.equal(make_x(ToySpec(tokens=("p", "q", "r"))), torch.tensor(TUTORIAL_X))


def test_given_x_is_used():
    x = ((1.0, 2.0), (3.0, 4.0))
    tr = run_toy(ToySpec(tokens=("a", "b"), d_model=2, x=x))
    assert tr.stages.x.tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_seed_none_draws_fresh_weights():
    a, b = run_toy(ToySpec(seed=None)), run_toy(ToySpec(seed=None))
    assert not torch.equal(a.stages.W_Q, b.stages.W_Q)


def test_multi_head_split_and_mean():
    tr = run_toy(ToySpec(tokens=tuple("abcde"), d_model=8, heads=2))
    assert tr.stages.Q.shape == (2, 5, 4) and tr.stages.weights.shape == (2, 5, 5) and tr.stages.output.shape == (5, 8)
    full_q = tr.stages.x @ tr.stages.W_Q
    assert torch.equal(tr.stages.Q[1], full_q[:, 4:])  # head 1 owns columns 4..7
    assert torch.allclose(tr.stages.weights_mean, tr.stages.weights.mean(0))
    assert torch.equal(tr.pattern(0, None), tr.stages.weights_mean)
    assert torch.equal(tr.stages.output[:, :4], tr.stages.head_outputs[0])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(d_model=6, heads=4), "d_model 6 is not divisible by heads 4"),
        (dict(tokens=()), "no tokens"),
        (dict(temperature=0.0), "temperature must be a finite number > 0, got 0.0"),
        (dict(temperature=-1.0), "temperature must be a finite number > 0"),
        (dict(temperature=float("nan")), "temperature must be a finite number > 0"),
        (dict(x=((1.0, 2.0),)), "x has 1 rows but there are 3 tokens"),
        (dict(x=((1.0,),) * 3), "x row 0 has 1 columns but d_model is 4"),
        (dict(x=((1.0, 2.0, float("inf"), 0.0),) * 3), "x[0][2] is inf"),
        (dict(x=((1.0, 2.0, float("nan"), 0.0),) * 3), "x[0][2] is nan"),
    ],
)
def test_bad_specs_name_the_problem(kwargs, message):
    with pytest.raises(ToyInputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        ToySpec(**kwargs)


def test_pattern_rejects_out_of_range_heads():
    with pytest.raises(ValueError, match=r"head 3 is out of range: this trace has heads 0..1"):
        run_toy(ToySpec(d_model=4, heads=2)).pattern(0, 3)


def test_several_heads_run_the_same_2d_operations_per_head():
    """Each head is attend() on that head's 2-d slices: equal to running it by hand, on any CPU."""
    from attnlab.attention import attend, causal_mask

    tr = run_toy(ToySpec(tokens=tuple("abcde"), d_model=8, heads=2, causal=True, temperature=0.7))
    for h in range(2):
        st = tr.stages
        out, scores, weights = attend(st.Q[h], st.K[h], st.V[h], mask=causal_mask(5), temperature=0.7)
        assert torch.equal(tr.stages.scores[h], scores) and torch.equal(tr.stages.weights[h], weights)
        assert torch.equal(tr.stages.head_outputs[h], out)


def test_run_toy_applies_keywords_to_a_given_spec():
    assert run_toy(ToySpec(d_model=8, heads=2), seed=3).spec == ToySpec(d_model=8, heads=2, seed=3)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(seed=1.5), "seed must be an integer or None, got 1.5 (float)"),
        (dict(seed=True), "seed must be an integer or None, got True (bool)"),
        (dict(seed="42"), "seed must be an integer or None, got '42' (str)"),
        (dict(tokens=None), "tokens must be a list of strings, one per token, got None"),
        (dict(tokens=5), "tokens must be a list of strings, one per token, got 5 (int)"),
        (dict(tokens="Tokyo is beautiful"), "got the single string 'Tokyo is beautiful': pass a list such as "
                                            "['Tokyo', 'is', 'beautiful'], or 'Tokyo is beautiful'.split()"),
        (dict(tokens=["a", 2, "c"]), "tokens[1] is 2 (int): every token must be a string"),
        (dict(x=5), "x must be rows of numbers, one per token (a list of lists, or a 2-d tensor [q_pos, d_model]), "
                    "got 5 (int)"),
        (dict(x=[1.0, 2.0, 3.0]), "row 0 is 1.0 (float)"),
        (dict(x=[[1, 2, 3, "4"]] * 3), "x[0][3] is '4' (str): x must hold numbers"),
        (dict(d_model="4"), "d_model must be a positive integer, got '4' (str)"),
        (dict(d_model=4.0), "d_model must be a positive integer, got 4.0 (float)"),
        (dict(heads=None), "heads must be a positive integer, got None"),
        (dict(temperature="1"), "temperature must be a number > 0, got '1' (str)"),
        (dict(causal="no"), "causal must be True or False, got 'no' (str)"),
        (dict(foo=1), "run_toy got an unknown argument 'foo'"),
    ],
)
def test_wrong_types_name_the_argument_and_what_was_expected(kwargs, message):
    with pytest.raises(ToyInputError) as e:
        run_toy(**kwargs)
    assert message in str(e.value)


def test_a_spec_that_is_not_a_spec_is_refused():
    with pytest.raises(ToyInputError, match=r"run_toy takes a ToySpec or keyword arguments .* got \['a', 'b'\]"):
        run_toy(["a", "b"])


def test_numpy_and_torch_values_are_accepted_as_plain_values():
    spec = ToySpec(d_model=np.int64(4), temperature=np.float32(0.5), causal=np.bool_(True), x=torch.ones(3, 4))
    assert spec == ToySpec(d_model=4, temperature=0.5, causal=True, x=((1.0,) * 4,) * 3)
    assert type(spec.d_model) is int and type(spec.temperature) is float and type(spec.causal) is bool


def test_seeds_are_honoured_only_within_32_bits_so_others_are_refused():
    """torch's CPU generator keeps the low 32 bits: seeds 2**32 apart draw alike (checked here)."""
    a, b = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5 + 2**32)
    assert torch.equal(torch.randn(4, 4, generator=a), torch.randn(4, 4, generator=b))
    run_toy(seed=0), run_toy(seed=2**32 - 1)  # the ends of the honoured range work
    for seed in (2**32, -1, 18446744073709551616):
        with pytest.raises(ToyInputError, match=rf"seed {seed} is outside 0..4294967295: torch's generator keeps"):
            ToySpec(seed=seed)


def test_tokens_with_undecodable_bytes_are_refused_with_the_position():
    bad = b"abc\xff".decode("utf-8", "surrogateescape")  # what Python makes of a non-UTF-8 argument
    with pytest.raises(ToyInputError, match=r"tokens\[1\] 'abc\\udcff' holds a byte that is not UTF-8 "
                                            r"\(0xff, character 3\): was the command line"):
        ToySpec(tokens=("ok", bad, "x"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        # the reproductions: each gave NaN with no error
        (dict(temperature=1e-45), r"weights\[0, 0, 0\] is nan: temperature 1e-45 is too small for scores up to "
                                  r"1\.32: scores / temperature goes beyond float32's range \(3\.4e\+38\); "
                                  r"use a temperature of at least 4\.3e-39"),
        (dict(x=[[1e20] * 4, [1] * 4, [1] * 4]), r"scores\[0, 0, 0\] is nan: the dot products of Q and K go beyond "
                                                  r"float32's range .*: x holds values up to 1e\+20; scale x down"),
        (dict(x=[[1e308] * 4, [1] * 4, [1] * 4]), r"x\[0\]\[0\] is 1e\+308, which does not fit in float32"),
        (dict(x=[[1e38] * 4] * 3), r"Q\[0, 0, \d\] is -?inf: x @ W_Q goes beyond float32's range"),
        (dict(temperature=1e-50), r"temperature 1e-50 is 0 in float32 .*would divide by zero"),
        (dict(temperature=1e39), r"temperature 1e\+39 does not fit in float32"),
    ],
)
def test_inputs_that_cannot_give_finite_numbers_are_refused_with_the_cause(kwargs, message):
    with pytest.raises(ToyInputError, match=message):
        run_toy(**kwargs)


def test_the_suggested_temperature_works():
    with pytest.raises(ToyInputError, match=r"at least (\S+)$") as e:
        run_toy(temperature=1e-45)
    suggested = float(str(e.value).rsplit(" ", 1)[1])
    assert torch.isfinite(run_toy(temperature=suggested).stages.weights).all()


def test_a_lone_surrogate_that_is_no_byte_is_named_too():
    with pytest.raises(ToyInputError, match=r"holds a lone surrogate \(U\+D800, character 1\), which is not text"):
        ToySpec(tokens=("a\ud800", "b", "c"))
