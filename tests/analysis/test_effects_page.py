"""The effects tab's data: one JSON-ready dict whose every number is the effects' and the census's own."""

from __future__ import annotations

import json

import pytest

from attnlab.analysis.census import head_census
from attnlab.analysis.effects import head_effects
from attnlab.analysis.effects_page import effects_page_data

pytestmark = pytest.mark.model


@pytest.mark.parametrize("model,text,kw", [
    ("minilm", "The cat sat on the mat because it was tired.", {"methods": ["zero"]}),
    ("smollm2", "When Mary and John went to the store, John gave a drink to", {"target": " Mary",
                                                                                "methods": ["attribution", "dla"]}),
])
def test_page_data_carries_effects_roles_and_attention_per_head(model, text, kw):
    r = head_effects(text, model, **kw)
    census = head_census(r.trace, probe=False)
    data = effects_page_data(r, census)
    json.dumps(data, allow_nan=False)  # JSON-ready, every number finite
    assert data["main"] == ("zero" if model == "minilm" else "attribution")
    assert data["methods"] == list(r.methods) and data["n_layers"] * data["n_heads"] == len(data["rows"])
    roles = {(x.layer, x.head, x.role) for x in census.roles}
    assert {(x["layer"], x["head"], x["role"]) for x in data["roles"]} == roles
    for row in data["rows"]:
        a, b = row["layer"], row["head"]
        for m in r.methods:
            assert row[m] == pytest.approx(float(r.effects[m][a, b]), abs=1e-6) == data["effects"][m][a][b]
        for s in ("first_token", "prev_token"):
            assert row[s] == pytest.approx(float(census.scores[s][a, b]), abs=1e-6) == data["attention"][s][a][b]
        assert set(row["roles"]) == {role for x, y, role in roles if (x, y) == (a, b)}
