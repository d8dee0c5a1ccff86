"""Figures that do not mislead: weights on a fixed 0-1 scale unless asked (the scale named on the
figure), the temperature and the mask shown where they act, and each figure in one language."""

from __future__ import annotations

import re

import pytest
import torch

import attnlab
from attnlab.errors import AttnlabError
from attnlab.plot._style import WEIGHTS_CMAP
from attnlab.toy import ToySpec, run_seeds, run_toy

from ..html.fakes import FakeTrace

TUTORIAL = run_toy()
HOT = run_toy(ToySpec(temperature=0.3, causal=True))
TWO = run_toy(ToySpec(heads=2, causal=True))
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def weight_images(fig):
    """The images drawn with the weights' map."""
    return [im for ax in fig.axes for im in ax.images if im.get_cmap().name == WEIGHTS_CMAP]


def texts(fig):
    """Every string in the figure except tick labels (token texts are the user's, in any language)."""
    ticks = {id(tl) for ax in fig.axes for tl in (*ax.get_xticklabels(), *ax.get_yticklabels())}
    return [a.get_text() for a in fig.findobj(lambda a: hasattr(a, "get_text")) if id(a) not in ticks and a.get_text()]


FIGS = {
    "weights": lambda **kw: attnlab.plot_weights(TUTORIAL, **kw),
    "pipeline": lambda **kw: attnlab.plot_pipeline(HOT, **kw),
    "pipeline_qkv": lambda **kw: attnlab.plot_pipeline_qkv(TUTORIAL, **kw),
    "heads": lambda **kw: attnlab.plot_heads(TWO, **kw),
    "seeds": lambda **kw: attnlab.plot_seeds(run_seeds(TUTORIAL.spec, [0, 1]), **kw),
    "head": lambda **kw: attnlab.plot_head(FakeTrace([f"t{i}" for i in range(20)], causal=True), 1, 2, **kw),
}


@pytest.mark.parametrize("name", sorted(FIGS))
def test_weights_are_on_a_fixed_scale_by_default_and_it_is_named(name):
    fig = FIGS[name](lang="en")
    images = weight_images(fig)
    assert images and all(im.get_clim() == (0.0, 1.0) for im in images)
    assert any("colour: fixed 0-1" in s for s in texts(fig))
    ja = FIGS[name]()
    assert any("色: 0〜1 固定" in s for s in texts(ja))


@pytest.mark.parametrize("name", sorted(FIGS))
def test_auto_scale_spans_the_weights_shown_and_says_so(name):
    fig = FIGS[name](lang="en", scale="auto")
    images = weight_images(fig)
    shown = torch.cat([torch.as_tensor(im.get_array().compressed()) for im in images])
    lo, hi = float(shown.min()), float(shown.max())
    for im in images:
        assert im.get_clim() == pytest.approx((lo, hi), abs=1e-6)
    assert any(f"colour: auto {lo:.2f}-{hi:.2f}" in s for s in texts(fig))


def test_grids_of_small_maps_name_their_scale():
    fake = FakeTrace([f"t{i}" for i in range(10)], n_layers=2, n_heads=3)
    for make in (attnlab.plot_grid, attnlab.plot_layer_means):
        fixed, auto = make(fake, lang="en"), make(fake, lang="en", scale="auto")
        assert all(im.get_clim() == (0.0, 1.0) for ax in fixed.axes for im in ax.images)
        assert "colour: fixed 0-1" in fixed._suptitle.get_text()
        assert "colour: auto, each map its own" in auto._suptitle.get_text()


def test_an_unknown_scale_is_one_clear_error():
    with pytest.raises(AttnlabError, match="scale 'log' is not a colour scale: choose one of fixed, auto"):
        attnlab.plot_weights(TUTORIAL, scale="log")


def test_the_temperature_is_shown_where_it_acts():
    fig = attnlab.plot_pipeline(HOT, lang="en")
    titles = [ax.get_title() for ax in fig.axes if ax.images and ax.get_title()]
    assert titles == ["Input token embeddings (x)", "Raw Attention Scores (QK^T / sqrt(d)); grey: masked, −inf",
                      "Scores / temperature 0.3", "Attention Weights = softmax(scores / 0.3)", "Output representations"]
    scaled = next(ax for ax in fig.axes if ax.get_title() == "Scores / temperature 0.3")
    drawn = scaled.images[0].get_array()
    want = HOT.stages.scores[0] / 0.3
    seen = torch.isfinite(want)
    assert drawn.mask.tolist() == (~seen).tolist()  # masked cells stay grey after the division
    torch.testing.assert_close(torch.as_tensor(drawn.data)[seen], want[seen].double(), atol=1e-6, rtol=0)
    title = attnlab.plot_weights(HOT, lang="en").axes[0].get_title()
    assert "temperature 0.3: weights = softmax(scores / 0.3)" in title
    assert "Scores / temperature" not in " ".join(texts(attnlab.plot_pipeline(TUTORIAL, lang="en")))


def test_the_mask_is_named_on_the_figures():
    assert "grey = hidden by the mask" in attnlab.plot_weights(HOT, lang="en").axes[0].get_title()
    assert "灰色 = マスクで隠された位置" in attnlab.plot_heads(TWO)._suptitle.get_text()
    assert "grey" not in attnlab.plot_weights(TUTORIAL, lang="en").axes[0].get_title()


@pytest.mark.parametrize("name", sorted(FIGS))
def test_each_figure_is_in_one_language(name):
    en = texts(FIGS[name](lang="en"))
    assert not [s for s in en if JAPANESE.search(s)]
    ja = texts(FIGS[name](lang="ja"))
    english_titles = {"Self-Attention Weight Matrix", "Normalized Attention Weights", "Output representations",
                      "Input token embeddings (x)", "mean of the heads", "weight"}
    assert not [s for s in ja if any(e in s for e in english_titles)]
    assert any(JAPANESE.search(s) for s in ja)
