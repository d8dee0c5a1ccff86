"""The effects tab (views/effects): a page carries it when given the effects of its trace, and every
number it carries is the effects' and the census's own (effects_page_data), its correlations recomputed
here; the effects of another trace, or a toy, are refused with one line in the page's language."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from attnlab.analysis.census import head_census
from attnlab.analysis.effects_page import effects_page_data
from attnlab.analysis.effects_text import CAVEATS, header_lines, readings, sentence
from attnlab.errors import AttnlabError
from attnlab.html import render_page
from attnlab.i18n import t
from attnlab.notebook import show
from attnlab.toy import run_toy
from attnlab.views import page_views

from ..analysis.conftest import synthetic_trace
from .effects_fakes import fake_effects


def meta_of(page: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="attnlab-meta">(.*?)</script>', page).group(1))


def rank_rho(a, b) -> float:
    """Spearman's rho as pandas ranks it (ties averaged), then Pearson's r: no code shared with attnlab."""
    ra, rb = pd.Series(np.ravel(a)).rank().to_numpy(), pd.Series(np.ravel(b)).rank().to_numpy()
    return float(np.corrcoef(ra, rb)[0, 1])


def check_page_numbers(effects, trace, lang: str) -> dict:
    """The page's effects data: effects_page_data's numbers as they are, the words and sentences of the
    printout in `lang`, and each attention-vs-|effect| rho recomputed."""
    page = render_page(trace, lang=lang, effects=effects, view="effects")
    meta = meta_of(page)
    assert meta["view"] == "effects" and "effects" in meta["views"]
    shown = meta["view_meta"]["effects"]["data"]
    census = head_census(trace, probe=False)
    for key, value in effects_page_data(effects, census).items():
        assert shown[key] == json.loads(json.dumps(value)), key  # as JSON carries it: every number the same
    for m in effects.methods:  # and the grids are the effects' own
        np.testing.assert_allclose(np.array(shown["effects"][m]), effects.effects[m].numpy(), atol=1e-6)
        for s in shown["scatter_scores"]:
            want = rank_rho(census.scores[s].numpy(), effects.effects[m].abs().numpy())
            assert shown["rho_attention"][m][s] == pytest.approx(want, abs=1e-6), (m, s)
    found = readings(effects, census.scores)
    assert shown["readings"] == [sentence(r, lang) for r in found if r.key not in CAVEATS]
    assert shown["caveats"] == [sentence(r, lang) for r in found if r.key in CAVEATS]
    assert shown["header"] == header_lines(effects, lang, 0.0)[1:]
    assert shown["words"]["methods"] == {m: t(f"effects_method_{m}", lang) for m in shown["effects"]}
    return shown


@pytest.mark.parametrize("seed,lang", [(1, "en"), (2, "ja")])
def test_a_page_given_effects_carries_their_numbers(seed, lang):
    trace = synthetic_trace(n=12, n_layers=3, n_heads=4, seed=seed)
    effects = fake_effects(trace, seed=seed)
    shown = check_page_numbers(effects, trace, lang)
    assert shown["main"] == "zero" and shown["methods"] == ["zero", "attribution", "dla"]
    assert shown["spearman"]["attribution~zero"] == pytest.approx(
        rank_rho(effects.effects["attribution"].numpy(), effects.effects["zero"].numpy()), abs=1e-6)


def test_without_effects_a_page_has_no_effects_tab_and_the_app_offers_it():
    trace = synthetic_trace(n=8, seed=3)
    assert "effects" not in [v.name for v in page_views(trace)]
    assert "effects" in [v.name for v in page_views(trace, live=True)]
    meta = meta_of(render_page(trace, lang="en"))
    assert "effects" not in meta["views"] and "effects" not in meta["view_meta"]
    with pytest.raises(AttnlabError, match="reads from the web app's server"):
        render_page(trace, view="effects")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_effects_of_another_trace_are_refused_in_the_pages_language(lang):
    trace, other = synthetic_trace(n=8, seed=4), synthetic_trace(n=9, seed=4)
    effects = fake_effects(other)
    want = t("effects_err_other_trace", lang, model="synthetic", n=9, trace_model="synthetic", trace_n=8)
    with pytest.raises(AttnlabError) as got:
        render_page(trace, lang=lang, effects=effects)
    assert str(got.value) == want
    with pytest.raises(AttnlabError, match=re.escape(want)):
        show(trace, lang=lang, effects=effects)


def test_a_toy_cannot_show_effects():
    toy, trace = run_toy(), synthetic_trace(n=8, seed=5)
    with pytest.raises(AttnlabError, match="view 'effects' needs a model trace"):
        render_page(toy, effects=fake_effects(trace))


def test_show_takes_the_effects_and_opens_on_their_tab():
    trace = synthetic_trace(n=8, seed=6)
    effects = fake_effects(trace, seed=6)
    page = show(effects, lang="en")
    assert page.trace is trace and page.effects is effects and page.view == "effects"
    assert show(trace, effects=effects, view="heatmap").view == "heatmap"
    with pytest.raises(AttnlabError, match=re.escape("show(effects=...) takes attnlab.head_effects")):
        show(trace, effects={"zero": [[0.0]]})
    html = page._repr_html_()
    assert "srcdoc=" in html and "attnlab: " not in html[:200]


@pytest.mark.model
@pytest.mark.parametrize("model,text,kw,lang", [
    ("smollm2", "The cat sat on the mat.", {"methods": ["attribution", "dla"]}, "en"),
    ("smollm2", "When Mary and John went to the store, John gave a drink to",
     {"target": " Mary", "methods": ["attribution", "dla"]}, "ja"),
    ("minilm", "The cat sat on the mat because it was tired.", {"methods": ["zero"]}, "en"),
])
def test_the_page_of_real_effects_carries_the_effects_own_numbers(model, text, kw, lang):
    from attnlab.analysis.effects import head_effects

    effects = head_effects(text, model, lang=lang, **kw)
    shown = check_page_numbers(effects, effects.trace, lang)
    assert shown["n_layers"] * shown["n_heads"] == len(shown["rows"]) and shown["model"] == model
