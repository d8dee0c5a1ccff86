"""`attnlab.head_view` / `attnlab.model_view`: bertviz's calls, by bertviz's argument names, on attnlab pages.

Unit tests check what each argument does (and that the ones without a counterpart say so); the
browser test opens the pages in Chromium and clicks every tab the trace's page offers, checking the
head view shows the tokens given and the heatmap's tooltip the weights given (markers: browser).
"""

from __future__ import annotations

import re
import warnings

import pytest
import torch

import attnlab
from attnlab.bertviz import BertvizArgumentWarning, StandalonePage
from attnlab.errors import AttnlabError, LayerHeadError
from attnlab.html import PRECISION
from attnlab.notebook import Page
from attnlab.views import page_views

from .html.conftest import open_page  # noqa: F401  (the fixture)
from .html.test_pages import SHOWN, heatmap_cell, pane, show
from .test_given import softmax_layers

TOKENS = ["[CLS]", "Ġthe", "Ġcat", "▁sat", "down</w>", "[SEP]"]


def test_head_view_opens_the_head_view_at_the_layer_and_head_asked():
    page = attnlab.head_view(softmax_layers(), TOKENS, layer=2, heads=[3, 1])
    assert isinstance(page, Page) and page.view == "headview" and page.focus == (2, 3)
    assert page.trace.token_texts == ["[CLS]", "␣the", "␣cat", "␣sat", "down", "[SEP]"]  # prettify_tokens
    raw = attnlab.head_view(softmax_layers(), TOKENS, prettify_tokens=False)
    assert raw.trace.token_texts == TOKENS
    assert attnlab.model_view(softmax_layers(), TOKENS, include_layers=[1, 2]).layers == (1, 2)


def test_html_action_return_gives_the_page_as_data():
    out = attnlab.model_view(softmax_layers(), TOKENS, html_action="return")
    assert isinstance(out, StandalonePage) and out.data.lstrip().lower().startswith("<!doctype html")
    with pytest.raises(AttnlabError, match="html_action 'save': choose one of view, return"):
        attnlab.head_view(softmax_layers(), TOKENS, html_action="save")


def test_arguments_without_a_counterpart_are_named_in_a_warning():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        attnlab.model_view(softmax_layers(), TOKENS, sentence_b_start=3, include_heads=[0], display_mode="light")
        attnlab.model_view(softmax_layers(), TOKENS)  # the defaults warn about nothing
    said = sorted(str(w.message).split("=")[0] for w in caught if w.category is BertvizArgumentWarning)
    assert said == ["display_mode", "include_heads", "sentence_b_start"]


def test_bad_input_is_refused_before_any_page():
    with pytest.raises(AttnlabError, match="tokens give 5 x 5"):
        attnlab.head_view(softmax_layers(), TOKENS[:5])
    with pytest.raises(LayerHeadError, match="layer 7 is out of range"):
        attnlab.head_view(softmax_layers(), TOKENS, layer=7)
    with pytest.raises(LayerHeadError, match="head 9 is out of range"):
        attnlab.head_view(softmax_layers(), TOKENS, heads=[9])


PARTS = {"encoder_attention": softmax_layers(n_layers=2, batch=1),
         "decoder_attention": softmax_layers(n_layers=2, batch=1, n=3, causal=True),
         "cross_attention": softmax_layers(n_layers=2, batch=1, n=3, cols=6),
         "encoder_tokens": TOKENS, "decoder_tokens": ["<s>", "▁Der", "▁Hund"]}


def test_encoder_decoder_gives_one_page_of_all_three_parts():
    page = attnlab.model_view(**PARTS)
    assert isinstance(page, Page) and page.view == "modelview" and page.part == "encoder"
    pair = page.trace
    assert (pair.encoder.n_tokens, pair.decoder.n_tokens) == (6, 3) and pair.decoder.causal
    assert pair.decoder.token_texts == ["<s>", "␣Der", "␣Hund"]  # prettified as bertviz does
    assert torch.equal(pair.cross.head_weights(1), PARTS["cross_attention"][1][0])
    out = attnlab.head_view(**PARTS, layer=1, heads=[2], html_action="return", lang="en")
    assert isinstance(out, StandalonePage) and out.page.focus == (1, 2)
    for part in ("encoder", "decoder", "cross"):
        assert f'id="attnlab-meta-{part}"' in out.data
    with pytest.raises(LayerHeadError, match="layer 2 is out of range"):
        attnlab.head_view(**PARTS, layer=2)


@pytest.mark.browser
def test_every_tab_of_the_pages_draws_the_weights_given(open_page):  # noqa: F811
    att = softmax_layers(n_layers=2, heads=3, causal=True)
    for call in (attnlab.head_view, attnlab.model_view):
        page = call(att, TOKENS, html_action="return", lang="en")
        trace = page.page.trace
        o = open_page(page.data, call.__name__)
        opened = "headview" if call is attnlab.head_view else "modelview"
        assert o.page.locator(f'nav.tabs button[data-view="{opened}"].on').count() == 1  # opens on its view
        for view in page_views(trace):
            show(o, view.name)
            o.shot(f"given-{call.__name__}-{view.name}")
        texts = o.page.locator(f"{pane('headview')} .hv-left .tok").all_inner_texts()
        assert texts == trace.token_texts
        show(o, "heatmap")
        for q, k in [(1, 0), (5, 3), (4, 4)]:
            o.page.mouse.move(*heatmap_cell(o, q, k))
            text = o.page.locator('[data-testid="heatmap-tooltip"]').inner_text()
            shown = float(re.search(r"weight: ([0-9.]+)", text, re.IGNORECASE).group(1))
            assert abs(shown - float(att[0][0, 0, q, k])) <= PRECISION + SHOWN
        o.check_clean()
    assert torch.equal(trace.pattern(0, 0), att[0][0, 0])


@pytest.mark.browser
def test_head_view_of_an_encoder_decoder_shows_each_part(open_page):  # noqa: F811
    """bertviz's part menu: the encoder's, the decoder's and the cross-attention's head view, each with its
    own tokens on each side; cross-attention's lines carry the cross weights given."""
    out = attnlab.head_view(**PARTS, html_action="return", lang="en")
    pair = out.page.trace
    o = open_page(out.data, "given-head_view-parts")
    sides = {"encoder": (pair.encoder.token_texts, pair.encoder.token_texts),
             "decoder": (pair.decoder.token_texts, pair.decoder.token_texts),
             "cross": (pair.decoder.token_texts, pair.encoder.token_texts)}  # target left, source right
    for part, (left, right) in sides.items():
        o.page.click(f'nav.parts button[data-part="{part}"]')
        o.page.wait_for_selector(f'section.part[data-part="{part}"][data-ready]', state="attached")
        there = f'section.part[data-part="{part}"]'
        assert o.page.locator(f'{there} nav.tabs button[data-view="headview"].on').count() == 1  # opens on it
        assert o.page.locator(f"{there} .hv-left .tok").all_inner_texts() == left
        assert o.page.locator(f"{there} .hv-right .tok").all_inner_texts() == right
        o.shot(f"given-head_view-{part}")
    for h, i, j in [(0, 0, 5), (3, 2, 1)]:  # the cross part is shown: its head view's weights
        shown = o.page.evaluate(f"window.__attnlab.views.headview.weight({h}, {i}, {j})")
        assert abs(shown - float(PARTS["cross_attention"][0][0, h, i, j])) <= PRECISION
    o.check_clean()
