"""/api/traces/{tid}/effects: the head effects of a kept text trace, measured in the model worker with
progress (202) and then the effects tab's data, the numbers `head_effects` gives for the same text; what
this server cannot measure is said (GET) and refused (POST, 400) in the request's language."""

from __future__ import annotations

import pytest

from attnlab.i18n import t

from ..analysis.conftest import synthetic_trace
from .conftest import keep as kept
from .conftest import poll


def keep(srv, trace, **inputs):
    return kept(srv, trace, **{"model": "smollm2", **inputs})  # a model this server runs, unless said


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_what_cannot_be_measured_here_is_said_and_refused_in_the_requests_language(app, lang):
    c, srv = app
    small, long = synthetic_trace(n=8, seed=1), synthetic_trace(n=2100, n_layers=1, n_heads=1, n_kv=1, d=4, seed=2)
    toy = c.post("/api/toy/page", json={}).json()["trace_id"]
    cases = {
        toy: t("srv_effects_toy", lang),
        keep(srv, small, model="synthetic"): t("srv_effects_model", lang, model="'synthetic'"),
        keep(srv, small, text="g", generate=5): t("srv_effects_generated", lang, n=5),
        keep(srv, long, text="long"): t("srv_effects_long", lang, n=2100, most=2048),
    }
    for tid, why in cases.items():
        assert c.get(f"/api/traces/{tid}/effects?lang={lang}").json() == {"can": False, "why": why}
        r = c.post(f"/api/traces/{tid}/effects?lang={lang}", json={"methods": ["dla"]})
        assert (r.status_code, r.json()) == (400, {"error": why})
    r = c.post(f"/api/traces/text-0123456789abcdef/effects?lang={lang}", json={})
    assert r.status_code == 404


def test_the_exact_methods_are_refused_past_their_length_here(app):
    c, srv = app
    tid = keep(srv, synthetic_trace(n=300, n_layers=1, n_heads=2, n_kv=1, d=4, seed=3), text="300")
    r = c.post(f"/api/traces/{tid}/effects?lang=en", json={"methods": ["zero", "mean", "dla"]})
    assert (r.status_code, r.json()["error"]) == (400, t("srv_effects_long_exact", "en", methods="zero, mean", most=256,
                                                        n=300))


@pytest.mark.parametrize("body,key,fields", [
    ({"methods": "zero"}, "srv_effects_methods", {"given": "'zero'"}),
    ({"methods": []}, "srv_effects_methods", {"given": "[]"}),
    ({"methods": ["zero", "zero"]}, "srv_effects_methods", {"given": "['zero', 'zero']"}),
    ({"methods": ["nope"]}, "srv_effects_methods", {"given": "['nope']"}),
    ({"methods": [{"a": 1}]}, "srv_effects_methods", {"given": "[{'a': 1}]"}),
    ({"target": 3}, "srv_effects_string", {"name": "target", "given": "3"}),
    ({"corrupt": ""}, "srv_effects_string", {"name": "corrupt", "given": "''"}),
    ({"layer": 1}, "srv_unknown_option", {"what": "effects", "name": "'layer'", "names": "methods, target, corrupt"}),
])
def test_a_body_of_the_wrong_types_is_one_line(app, body, key, fields):
    c, srv = app
    tid = keep(srv, synthetic_trace(n=6, seed=4), text="types")
    if key == "srv_effects_methods":
        fields = {"methods": "zero, mean, attribution, dla, patching", **fields}
    for lang in ("ja", "en"):
        r = c.post(f"/api/traces/{tid}/effects?lang={lang}", json=body)
        assert (r.status_code, r.json()) == (400, {"error": t(key, lang, **fields)})


@pytest.mark.model
def test_the_effects_of_a_small_text_are_measured_with_progress_and_kept(app):
    from attnlab.analysis.census import head_census
    from attnlab.analysis.effects import head_effects
    from attnlab.views.effects.data import tab_data

    c, _ = app
    text = "The cat sat on the mat."
    tid = c.post("/api/text?lang=en", json={"text": text, "model": "smollm2"}).json()["trace_id"]
    assert c.get(f"/api/traces/{tid}/effects?lang=en").json() == {"can": True, "done": None}
    body = {"methods": ["zero", "attribution", "dla"]}
    r, seen = poll(lambda: c.post(f"/api/traces/{tid}/effects?lang=en", json=body))
    assert r.status_code == 200 and seen and seen[0]["state"] in ("queued", "running")
    assert all(s["position"] >= 0 for s in seen if s["state"] in ("queued", "running"))
    got = r.json()
    want = head_effects(text, "smollm2", methods=body["methods"], lang="en")
    expected = tab_data(want, head_census(want.trace, probe=False), "en")
    assert got["methods"] == expected["methods"] == body["methods"] and got["tokens"] == expected["tokens"]
    for m in got["methods"]:  # the library's numbers for the same text (another forward: fp32 rounding apart)
        for a, b in zip(got["effects"][m], expected["effects"][m], strict=True):
            assert a == pytest.approx(b, abs=1e-4)
    assert got["roles"] == expected["roles"] and len(got["readings"]) == len(expected["readings"])
    assert got["header"][0] == expected["header"][0]  # the target line, with its clean value
    # kept: the tab reopens on it, in either language; the same body answers at once
    done = c.get(f"/api/traces/{tid}/effects?lang=ja").json()
    assert done["can"] and done["done"]["effects"] == got["effects"] and done["done"]["header"][0].startswith("目標は")
    assert c.post(f"/api/traces/{tid}/effects?lang=en", json=body).json() == got
    # the library's refusal, in the request's language, once per asking
    for _ in range(2):
        r, _ = poll(lambda: c.post(f"/api/traces/{tid}/effects?lang=ja", json={"methods": ["patching"]}))
        assert (r.status_code, r.json()) == (400, {"error": t("effects_err_patching", "ja")})
