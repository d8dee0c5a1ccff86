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
