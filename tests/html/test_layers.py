"""Which layers a page file holds (html/layers.py): as many as fit by default, around the layer asked
for, and named when left out; too many asked for is refused with the layers that would fit."""

from __future__ import annotations

import pytest

from attnlab.errors import AttnlabError
from attnlab.html import render_page
from attnlab.html.layers import (
    MAX_CELLS,
    PageTooLargeError,
    longest_page,
    maps_per_layer,
    most_layers,
    parse_layers,
    plan_layers,
    span_text,
)

from .fakes import FakeTrace, words


@pytest.mark.parametrize("n,heads", [(334, 9), (514, 9), (1831, 9), (640, 12), (4096, 1), (100, 1)])
def test_most_layers_is_the_largest_count_within_the_page(n, heads):
    most, maps = most_layers(n, heads), maps_per_layer(heads)
    assert most * maps * n * n <= MAX_CELLS < (most + 1) * maps * n * n


def test_longest_page_is_where_one_layer_stops_fitting():
    for heads in (1, 9, 12, 32):
        n = longest_page(heads)
        assert most_layers(n, heads) >= 1 and most_layers(n + 1, heads) == 0
    assert longest_page(9) == 1831  # SmolLM2: 9 heads and their mean


def test_by_default_as_many_layers_as_fit_around_the_focus():
    assert plan_layers(334, 30, 9).layers == tuple(range(30))  # SmolLM2 fits whole up to 334 tokens
    plan = plan_layers(514, 30, 9)  # the paragraph: 12 of 30 layers fit
    assert plan.layers == tuple(range(12)) and plan.left_out == tuple(range(12, 30)) and plan.most == 12
    assert plan_layers(514, 30, 9, focus=20).layers == tuple(range(14, 26))  # centred on the focus
    assert plan_layers(514, 30, 9, focus=29).layers == tuple(range(18, 30))  # as centred as the end allows


def test_asked_layers_are_checked():
    assert plan_layers(514, 30, 9, asked=[29, 3, 3]).layers == (3, 29)
    assert plan_layers(514, 30, 9, asked=range(18, 30)).layers == tuple(range(18, 30))  # 12 fit
    with pytest.raises(PageTooLargeError) as e:
        plan_layers(514, 30, 9, asked=range(0, 13))
    assert e.value.fits == tuple(range(0, 12)) and "at most 12 layers fit" in str(e.value)
    with pytest.raises(AttnlabError, match=r"layer 30 is out of range: this trace has layers 0\.\.29"):
        plan_layers(10, 30, 9, asked=[30])
    with pytest.raises(PageTooLargeError, match="holds at most 1,831 tokens of this model") as e:
        plan_layers(4096, 30, 9)  # not one layer fits: the web app, where views read one head at a time
    assert e.value.fits == () and "attnlab serve" in str(e.value)


@pytest.mark.parametrize("text,want", [("0-11", tuple(range(12))), ("0,5,29", (0, 5, 29)), ("3", (3,)),
                                       (" 2-3 ,7 ", (2, 3, 7)), ("all", None)])
def test_parse_layers(text, want):
    assert parse_layers(text) == want
    if want is not None:
        assert parse_layers(span_text(want)) == want


@pytest.mark.parametrize("text", ["", "a", "1-", "-2", "5-2", "1;2", "1.5"])
def test_parse_layers_refuses_what_it_cannot_read(text):
    with pytest.raises(AttnlabError, match="layers"):
        parse_layers(text)


def test_span_text():
    assert span_text([0, 1, 2, 5, 7, 8]) == "0-2,5,7-8" and span_text([4]) == "4" and span_text([]) == ""


def test_a_page_too_large_for_every_layer_keeps_those_that_fit(monkeypatch):
    import attnlab.html.layers as layers

    trace = FakeTrace(words(8), n_layers=5, n_heads=2)  # 3 maps a layer, 192 cells
    monkeypatch.setattr(layers, "MAX_CELLS", 3 * 64 * 2)  # two layers fit
    import json
    import re

    page = render_page(trace, lang="en", focus=(3, 1))
    meta = json.loads(re.search(r'id="attnlab-meta">(.*?)</script>', page).group(1))
    assert meta["layers"] == [2, 3] and meta["n_layers"] == 5  # around the focus layer; the page names the rest
    with pytest.raises(PageTooLargeError):
        render_page(trace, layers=[0, 1, 2])
