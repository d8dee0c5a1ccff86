"""`attnlab.from_attentions`: attention computed elsewhere becomes a trace, or is refused in one line.

The weights given are random softmax rows (torch, numpy, nested lists; fp32, fp64, bf16); the trace
must hand back exactly what it was given (fp32 inputs: bit for bit), answer the whole contract from
them, and refuse every malformed input with one AttnlabError line naming the problem.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import attnlab
from attnlab.analysis.census import head_census
from attnlab.analysis.value_weighted import value_norms
from attnlab.errors import AttnlabError, NotKeptError
from attnlab.given import HALF_TOLERANCE, WIDE_TOLERANCE, GivenTrace
from attnlab.html import render_page
from attnlab.models.parts import EncoderDecoderTraces
from attnlab.notebook import outputs
from attnlab.views import figures_for, page_views

TOKENS = ["[CLS]", "the", "cat", "sat", " down", "[SEP]"]


def softmax_layers(n_layers=3, batch=2, heads=4, n=6, *, causal=False, seed=0, cols=None):
    """Per layer [batch, head, n, cols or n] softmax rows, as output_attentions gives them."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(n_layers):
        s = torch.randn(batch, heads, n, cols or n, generator=g) * 2
        if causal:
            s = s.masked_fill(torch.ones(n, n, dtype=torch.bool).triu(1), float("-inf"))
        out.append(s.softmax(-1))
    return tuple(out)


def test_hugging_face_tuples_come_back_exactly_for_the_chosen_item():
    att = softmax_layers()
    for b in (0, 1):
        trace = attnlab.from_attentions(att, TOKENS, batch_index=b)
        assert isinstance(trace, GivenTrace) and (trace.n_layers, trace.n_heads, trace.n_tokens) == (3, 4, 6)
        for layer in range(3):
            assert torch.equal(trace.head_weights(layer), att[layer][b])
            assert torch.equal(trace.pattern(layer, 2), att[layer][b, 2])
    assert trace.token_texts == ["[CLS]", "the", "cat", "sat", "␣down", "[SEP]"]  # spaces shown as marks


@pytest.mark.parametrize("form", ["numpy-stacked", "numpy-list", "torch-stacked", "no-batch", "nested-lists",
                                  "float64", "bfloat16"])
def test_every_accepted_form_gives_the_same_weights(form):
    att = softmax_layers(batch=1)
    want = attnlab.from_attentions(att, TOKENS)
    given = {
        "numpy-stacked": lambda: np.stack([a.numpy() for a in att]),
        "numpy-list": lambda: [a.numpy() for a in att],
        "torch-stacked": lambda: torch.stack(att),
        "no-batch": lambda: [a[0] for a in att],
        "nested-lists": lambda: [a.tolist() for a in att],
        "float64": lambda: [a.double() for a in att],
        "bfloat16": lambda: [a.to(torch.bfloat16) for a in att],
    }[form]()
    trace = attnlab.from_attentions(given, TOKENS)
    tol = 2 ** -8 if form == "bfloat16" else 1e-7  # bf16 keeps 8 significant bits
    for layer in range(3):
        assert (trace.head_weights(layer) - want.head_weights(layer)).abs().max() <= tol


def test_causal_is_found_from_the_weights_and_a_wrong_claim_is_refused():
    assert attnlab.from_attentions(softmax_layers(causal=True), TOKENS).causal
    assert not attnlab.from_attentions(softmax_layers(), TOKENS).causal
    with pytest.raises(AttnlabError, match="causal=True, but some query attends to a later position"):
        attnlab.from_attentions(softmax_layers(), TOKENS, causal=True)


def test_the_contract_answers_from_the_weights_alone():
    att = softmax_layers(causal=True)
    trace = attnlab.from_attentions(att, TOKENS)
    w = att[1][0]  # [head, q, k]
    assert trace.lse(1).abs().max() <= 1e-6  # logits are log(weights): each row's log-sum-exp is log 1
    weights, scores = trace.tile(1, 2, (1, 5), (0, 3))
    assert torch.equal(weights, w[2, 1:5, 0:3]) and torch.isnan(scores).all()  # no scores kept: NaN, never invented
    rebuilt = torch.cat([torch.exp(t.scores - trace.lse(1)[:, t.q0 : t.q0 + t.scores.shape[1], None])
                         for t in trace.score_tiles(1, rows=4)], dim=1)
    assert (rebuilt - w).abs().max() <= 1e-6  # weight = exp(logit - lse), logits = log(weights)
    assert torch.equal(trace.visible_keys(0), torch.arange(1, 7))
    assert trace.nbytes >= sum(a[0].numel() * 4 for a in att)
    with pytest.raises(NotKeptError, match="keeps no queries, keys or values"):
        trace.qkv(0)
    with pytest.raises(NotKeptError):
        value_norms(trace, 0)


def test_views_pages_figures_and_the_census_work_on_it():
    trace = attnlab.from_attentions(softmax_layers(), TOKENS, model="my-bert")
    names = [v.name for v in page_views(trace)]
    assert {"heatmap", "headview", "modelview", "explain", "atlas"} <= set(names) and "pipeline" not in names
    for view in names:
        assert "<html" in render_page(trace, lang="en", view=view)
    for job in figures_for(trace).values():
        job.make()
    census = head_census(trace, probe=False)
    assert census.n_layers == 3 and "my-bert" in str(trace)  # the printout and its explanation
    preview, page = outputs(trace, lang="en")  # the notebook display: its preview PNG and the page
    assert "image/png" in preview[0] and "application/javascript" in page[0]


def test_encoder_decoder_parts():
    enc = softmax_layers(n_layers=2, batch=1, n=6)
    dec = softmax_layers(n_layers=3, batch=1, n=4, causal=True, seed=1)
    cross = softmax_layers(n_layers=3, batch=1, n=4, cols=6, seed=2)
    pair = attnlab.from_attentions(encoder_attentions=enc, decoder_attentions=dec, cross_attentions=cross,
                                   encoder_tokens=TOKENS, decoder_tokens=["<s>", "Der", "Hund", "."])
    assert isinstance(pair, EncoderDecoderTraces)
    assert not pair.encoder.causal and pair.decoder.causal
    assert (pair.encoder.n_layers, pair.decoder.n_layers, pair.cross.n_layers) == (2, 3, 3)
    assert torch.equal(pair.cross.head_weights(2), cross[2][0])
    assert torch.equal(pair.cross.pattern(1, None), cross[1][0].mean(0))
    with pytest.raises(AttnlabError, match="missing: cross_attentions"):
        attnlab.from_attentions(encoder_attentions=enc, decoder_attentions=dec, encoder_tokens=TOKENS,
                                decoder_tokens=list("abcd"))
    with pytest.raises(AttnlabError, match=r"cross_attentions is \[4 x 5\] per head but decoder_tokens and "
                                           r"encoder_tokens give 4 x 6 positions"):
        attnlab.from_attentions(encoder_attentions=enc, decoder_attentions=dec, encoder_tokens=TOKENS,
                                cross_attentions=softmax_layers(n_layers=3, batch=1, n=4, cols=5),
                                decoder_tokens=list("abcd"))
    with pytest.raises(AttnlabError, match="not both"):
        attnlab.from_attentions(enc, TOKENS, cross_attentions=cross)


def _nan(att):
    bad = att[0].clone()
    bad[0, 1, 3, 2] = float("nan")
    return (bad, *att[1:])


def _sums(att, factor):
    off = att[1].clone()
    off[0, 2, 4] *= factor
    return (att[0], off, *att[2:])


def _negative(att):
    bad = att[2].clone()
    bad[0, 0, 1, 1] = -0.1
    return (*att[:2], bad)


BAD = {
    "a string": (lambda a: "weights", "must be a tuple of per-layer arrays"),
    "no layers": (lambda a: (), "must be a tuple of per-layer arrays"),
    "2-d layers": (lambda a: [x[0, 0] for x in a], r"must be \[batch, head, q_pos, k_pos\] or \[head, q_pos"),
    "layers differ": (lambda a: (a[0], a[1][:, :2]), "the layers' shapes differ"),
    "not square": (lambda a: [x[..., :5] for x in a], r"is \[6 x 5\] per head but tokens give 6 x 6"),
    "NaN": (_nan, "layer 0 head 1 row 3 holds NaN or inf"),
    "rows off": (lambda a: _sums(a, 1.5), r"layer 1 head 2 row 4 sums to 1\.\d+, not 1 \(tolerance 0\.001\)"),
    "negative": (_negative, "layer 2 head 0 row 1 has a negative weight"),
    "scores": (lambda a: [torch.randn(2, 4, 6, 6) for _ in a], "negative weight|sums to"),
    "integers": (lambda a: [x.long() for x in a], "weights must be floating-point numbers"),
    "text": (lambda a: [[["a"]]], "neither an array nor nested lists of numbers"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_attention_is_refused_in_one_line(case):
    make, message = BAD[case]
    with pytest.raises(AttnlabError, match=message) as err:
        attnlab.from_attentions(make(softmax_layers()), TOKENS)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"tokens": TOKENS[:5]}, r"is \[6 x 6\] per head but tokens give 5 x 5 positions"),
    ({"tokens": "the cat"}, "tokens must be a list of strings"),
    ({"tokens": [1, 2, 3, 4, 5, 6]}, r"tokens\[0\] must be a string"),
    ({"tokens": ["a\ud800", *TOKENS[1:]]}, r"tokens\[0\]"),
    ({"batch_index": 2}, r"batch_index 2 is out of range: attentions holds a batch of 2 \(0\.\.1\)"),
    ({"batch_index": True}, "batch_index True is out of range"),
    ({"model": ""}, "model must be a non-empty name"),
])
def test_bad_arguments_are_refused_in_one_line(kwargs, message):
    args = {"tokens": TOKENS, **kwargs}
    with pytest.raises(AttnlabError, match=message) as err:
        attnlab.from_attentions(softmax_layers(), **args)
    assert "\n" not in str(err.value)


def test_row_sum_tolerance_is_as_stated_per_dtype():
    att = softmax_layers(batch=1)
    near = _sums(att, 1 + WIDE_TOLERANCE / 2)  # one row of layer 1 sums to 1.0005
    attnlab.from_attentions(near, TOKENS)
    with pytest.raises(AttnlabError, match=r"tolerance 0\.001"):
        attnlab.from_attentions(_sums(att, 1.01), TOKENS)
    attnlab.from_attentions(_sums(att, 1.01), TOKENS, tolerance=0.05)
    half = [x.half() for x in _sums(att, 1 + HALF_TOLERANCE / 2)]
    attnlab.from_attentions(half, TOKENS)  # 16-bit weights: the wider tolerance
    with pytest.raises(AttnlabError, match=r"tolerance 0\.01"):
        attnlab.from_attentions([x.half() for x in _sums(att, 1.2)], TOKENS)
