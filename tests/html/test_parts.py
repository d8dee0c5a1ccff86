"""An encoder-decoder's page (html/parts.py): its three parts' data, the cross-attention part's paired
axes (target rows, source columns) holding the cross-attention's own weights, and the choices (part,
view, layers, focus) that belong to the part the page opens on. The pages in Chromium:
tests/html/test_parts_page.py; with a real model's numbers against eager: tests/models/test_cross_shown.py."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import attnlab
from attnlab.errors import AttnlabError
from attnlab.html import PRECISION, render_page
from attnlab.html.encode import decoded_weights
from attnlab.html.layers import MAX_CELLS, PageTooLargeError, most_layers, plan_layers
from attnlab.html.parts import PARTS, part_pages
from attnlab.notebook import outputs, show

from ..test_given import TOKENS, softmax_layers

TARGET = ["<s>", "Der", "Hund", "."]


def pair_of(seed: int = 0, *, n_enc: int = 2, n_dec: int = 3, heads: int = 4):
    """An encoder-decoder's attention as Hugging Face returns it, and its pair (layers differ by part)."""
    parts = {"encoder_attentions": softmax_layers(n_layers=n_enc, batch=1, heads=heads, n=6, seed=seed),
             "decoder_attentions": softmax_layers(n_layers=n_dec, batch=1, heads=heads, n=4, causal=True,
                                                  seed=seed + 1),
             "cross_attentions": softmax_layers(n_layers=n_dec, batch=1, heads=heads, n=4, cols=6, seed=seed + 2)}
    return parts, attnlab.from_attentions(**parts, encoder_tokens=TOKENS, decoder_tokens=TARGET)


def test_the_cross_part_holds_the_cross_attention_and_both_token_lists():
    for seed in (0, 5):
        parts, pair = pair_of(seed)
        pages = {p.name: p for p in part_pages(pair, lang="en", part="cross", view=None, layers=None, focus=None)}
        assert tuple(pages) == PARTS
        cross = pages["cross"]
        assert [v.name for v in cross.views] == ["heatmap", "headview", "modelview"]
        meta = cross.data.meta
        assert [t["text"] for t in meta["tokens"]] == pair.decoder.token_texts  # rows: the target
        assert [t["text"] for t in meta["k_tokens"]] == pair.encoder.token_texts  # columns: the source
        assert meta["layers"] == [0, 1, 2] and meta["view"] == "heatmap" and meta["focus"] == [0, 0]
        shown = decoded_weights(cross.data)  # [layer, map, target, source]: heads, then their mean
        assert shown.shape == (3, 5, 4, 6)
        for layer in range(3):
            given = parts["cross_attentions"][layer][0].numpy()
            assert np.abs(shown[layer, :4] - given).max() <= PRECISION
            assert np.abs(shown[layer, 4] - given.mean(0)).max() <= PRECISION
        for name, trace in (("encoder", pair.encoder), ("decoder", pair.decoder)):
            data = pages[name].data  # an ordinary page of the part's trace: no second token list
            assert "k_tokens" not in data.meta and [t["text"] for t in data.meta["tokens"]] == trace.token_texts
            last = trace.pattern(trace.n_layers - 1, 0).numpy()
            assert np.abs(decoded_weights(data)[-1, 0] - last).max() <= PRECISION


def page_parts(html: str) -> tuple[dict, dict[str, dict]]:
    """The part switch's JSON and each part's meta, read back from a page."""
    found = dict(re.findall(r'<script type="application/json" id="attnlab-(parts|meta-\w+)">(.*?)</script>', html))
    return json.loads(found.pop("parts")), {k.removeprefix("meta-"): json.loads(v) for k, v in found.items()}


def test_a_page_holds_every_part_and_opens_on_the_one_asked_for():
    _, pair = pair_of()
    switch, metas = page_parts(render_page(pair, lang="en", part="decoder", view="headview", focus=(2, 3)))
    assert switch["open"] == "decoder" and [p["name"] for p in switch["parts"]] == list(PARTS)
    assert [p["label"] for p in switch["parts"]] == ["Encoder self-attention · source, 6 tokens",
                                                      "Decoder self-attention · target, 4 tokens",
                                                      "Cross-attention · target 4 × source 6 tokens"]
    assert metas["decoder"]["view"] == "headview" and metas["decoder"]["focus"] == [2, 3]
    assert metas["cross"]["view"] == "headview" and metas["cross"]["focus"] == [2, 3]  # it has layer 2 too
    assert metas["encoder"]["focus"] == [0, 0]  # the encoder has layers 0..1: its own default
    # the page's one script carries the three views the cross part shows and the parts entry
    assert "encoder-decoder" in render_page(pair, lang="en") and 'id="attnlab-meta-cross"' in render_page(pair)


def test_layers_belong_to_the_opening_part():
    _, pair = pair_of()
    _, metas = page_parts(render_page(pair, lang="en", part="cross", layers=[2]))
    assert metas["cross"]["layers"] == [2] and metas["decoder"]["layers"] == [2]
    assert metas["encoder"]["layers"] == [0, 1]  # it has no layer 2: all of its own that fit
    with pytest.raises(AttnlabError, match=r"layer 2 is out of range: this trace has layers 0\.\.1"):
        render_page(pair, part="encoder", layers=[2])
    with pytest.raises(AttnlabError, match=r"layer 3 is out of range: the cross-attention has layers 0\.\.2"):
        render_page(pair, part="cross", focus=(3, 0))


def test_bad_choices_are_refused_in_one_line():
    _, pair = pair_of()
    with pytest.raises(AttnlabError, match="view 'explain' does not show cross-attention: choose one of heatmap, "
                                           "headview, modelview"):
        render_page(pair, part="cross", view="explain")
    with pytest.raises(AttnlabError, match="part 'both' is not a part of an encoder-decoder's attention: choose "
                                           "one of encoder, decoder, cross"):
        show(pair, part="both")
    with pytest.raises(AttnlabError, match="view 'explain' does not show cross-attention"):
        show(pair, part="cross", view="explain")  # said when shown, not when displayed
    with pytest.raises(AttnlabError, match="part='cross' chooses a part of an encoder-decoder's attention"):
        render_page(pair.encoder, part="cross")
    with pytest.raises(AttnlabError, match="part='cross' chooses a part"):
        show(pair.decoder, part="cross")


def test_the_notebook_shows_the_page_of_all_three_parts():
    _, pair = pair_of()
    page = show(pair, lang="en", part="cross")
    assert page.part == "cross" and repr(page) == repr(pair)
    preview, script = outputs(pair, lang="en", part="cross")  # the preview: the cross-attention's heatmap
    assert "image/png" in preview[0] and "application/javascript" in script[0]
    frame = pair._repr_html_()
    assert frame.startswith("<!DOCTYPE html>") and "attnlab-meta-cross" in frame  # escaped in srcdoc
    doc = pair.to_html(lang="en", part="decoder")
    assert page_parts(doc)[0]["open"] == "decoder"


def test_a_cross_page_counts_rows_times_columns():
    assert most_layers(100, 4, n_keys=400) == MAX_CELLS // (5 * 100 * 400)
    assert most_layers(100, 4) == MAX_CELLS // (5 * 100 * 100)  # square: as before
    with pytest.raises(PageTooLargeError, match=r"20 tokens x 400,000 x 5 maps \(one layer\) = 40,000,000"):
        plan_layers(20, 6, 4, n_keys=400_000)
    fits = most_layers(64, 4, n_keys=20_000)
    plan = plan_layers(64, 12, 4, focus=6, n_keys=20_000)
    assert plan.layers == tuple(range(6 - fits // 2, 6 - fits // 2 + fits)) and len(plan.left_out) == 12 - fits


def test_hostile_tokens_stay_inside_the_page_data():
    from .fakes import INJECTIONS

    enc = softmax_layers(n_layers=1, batch=1, n=2)
    pair = attnlab.from_attentions(encoder_attentions=enc, decoder_attentions=softmax_layers(n_layers=1, batch=1,
                                   n=2, causal=True, seed=1), cross_attentions=enc, encoder_tokens=list(INJECTIONS),
                                   decoder_tokens=list(INJECTIONS))
    html = render_page(pair, part="cross")
    assert "<img" not in html and "<svg" not in html  # every token is escaped JSON inside a <script>
    assert [t["text"] for t in page_parts(html)[1]["cross"]["k_tokens"]] == pair.encoder.token_texts

