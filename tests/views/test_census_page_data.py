"""The census tabs' page data (no browser): the head census, the rollout and the value-weighted switch
carry the library's own numbers, only for the traces they apply to."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from attnlab.analysis.census import TEXT_SCORES, head_census, text_scores
from attnlab.analysis.rollout import rollout, rollout_rows
from attnlab.analysis.value_weighted import value_norms, value_weighted_pattern
from attnlab.errors import AttnlabError
from attnlab.html.encode import decode_arrays, encode_trace
from attnlab.i18n import t
from attnlab.toy import run_toy
from attnlab.views import page_views, view_named
from attnlab.views.heatmap.data import value_weighted_page_data
from attnlab.views.rollout import MAX_TOKENS

from ..analysis.conftest import synthetic_trace
from ..html.fakes import FakeTrace, words


def names(trace):
    return [v.name for v in page_views(trace)]


def test_the_tabs_apply_to_model_traces_and_the_rollout_gives_rows_past_its_limit():
    assert "atlas" not in names(run_toy()) and "rollout" not in names(run_toy())
    assert names(FakeTrace(words(6)))[-2:] == ["atlas", "rollout"]
    long = FakeTrace(words(MAX_TOKENS + 1), n_layers=2, n_heads=1)
    assert "atlas" in names(long) and "rollout" in names(long)  # past the full matrix: the last token's row
    data = encode_trace(long)
    assert data.meta["view_meta"]["rollout"] == {"full": False, "row": MAX_TOKENS}
    row = decode_arrays(data)["rollout_rows"]
    np.testing.assert_allclose(row, rollout_rows(long, [MAX_TOKENS]).numpy(), rtol=0, atol=0)
    assert "rollout" not in data.meta["arrays"]
    assert "atlas" not in names(FakeTrace(words(1)))  # a score averages rows 1 .. N-1
    with pytest.raises(AttnlabError, match="a model trace of 2 tokens or more"):
        view_named("rollout", FakeTrace(words(1)))


def test_the_atlas_carries_the_census_of_the_text():
    trace = synthetic_trace(n=23, n_layers=3, n_heads=6, n_kv=2)
    meta = encode_trace(trace).meta["view_meta"]["atlas"]
    expected = text_scores(trace)
    for name, grid in meta["scores"].items():
        np.testing.assert_allclose(np.array(grid), expected[name].numpy(), rtol=0, atol=5e-7)
    census = head_census(trace, probe=False)
    assert [(r["layer"], r["head"], r["role"]) for r in meta["roles"]] == [
        (r.layer, r.head, r.role) for r in census.roles]
    # the score names and their words come from the census, in its order (the tab spells none)
    assert list(meta["scores"]) == list(meta["score_labels"]) == list(TEXT_SCORES)
    assert meta["score_labels"]["prev_token"] == t("census_prev_token", "ja") and meta["in_tokens"] == ["mean_distance"]
    rules = {r["role"]: r for r in meta["rules"]}
    assert rules["induction"]["on"] == "probe" and rules["previous_token"]["on"] == "text"
    assert rules["local"]["limit"] == pytest.approx(min(3.0, census.uniform_distance / 4), abs=1e-6)


def test_the_rollout_travels_exactly():
    trace = synthetic_trace(n=19, n_layers=3, n_heads=4, n_kv=2, causal=False)
    arrays = decode_arrays(encode_trace(trace))
    np.testing.assert_array_equal(arrays["rollout"], rollout(trace).numpy())


def test_value_norms_and_exact_row_totals_where_there_is_an_output_projection():
    trace = synthetic_trace(n=17, n_layers=3, n_heads=6, n_kv=2)
    arrays = decode_arrays(encode_trace(trace, layers=[0, 2]))
    assert arrays["vw_norms"].shape == (2, 6, 17) and arrays["vw_totals"].shape == (2, 6, 17)
    for i, layer in enumerate((0, 2)):
        norms = value_norms(trace, layer)
        np.testing.assert_array_equal(arrays["vw_norms"][i], norms.numpy())
        dense = (torch.stack([trace.pattern(layer, h) for h in range(6)]) * norms[:, None, :]).sum(-1)
        # exp(s - lse) against softmax in fp32: each weight carries |s| * 2^-24 of rounding (|s| ~ 10 here)
        np.testing.assert_allclose(arrays["vw_totals"][i], dense.numpy(), rtol=1e-5, atol=0)
        # the page's recipe with exact weights gives value_weighted_pattern
        share = trace.pattern(layer, 4) * norms[4] / torch.tensor(arrays["vw_totals"][i, 4])[:, None]
        torch.testing.assert_close(share, value_weighted_pattern(trace, layer, 4), rtol=0, atol=1e-5)


@pytest.mark.parametrize("trace", [synthetic_trace(n=9, out_proj=False), FakeTrace(words(6)), run_toy()],
                         ids=["no-out-proj", "fake", "toy"])
def test_no_output_projection_no_switch_and_no_error(trace):
    assert not {"vw_norms", "vw_totals"} & set(encode_trace(trace).meta["arrays"])


def test_value_weighted_page_data_names_what_is_missing():
    with pytest.raises(AttnlabError, match="no output projection attnlab understands"):
        value_weighted_page_data(synthetic_trace(n=9, out_proj=False))
