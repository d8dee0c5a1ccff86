"""The explorer's generation settings (server/inputs.py): a decoder's generation is kept with its steps
and the trace's page data carries the steps tab (the numbers analysis.steps gives for the same settings);
a sampled generation's seed is kept in the trace's inputs, so its link makes the same tokens again after
a restart; bad settings are refused with a 400 in the request's language."""

from __future__ import annotations

import json

import pytest

import attnlab
from attnlab.analysis.steps import steps_to_dict
from attnlab.i18n import t
from attnlab.server import ServeConfig

from .conftest import make_client

TEXT = "The capital of Japan is"


def as_json(data: dict) -> dict:
    return json.loads(json.dumps(data))


def page_steps(c, tid: str) -> dict:
    r = c.get(f"/api/traces/{tid}/page-data?lang=en")
    assert r.status_code == 200
    meta = r.json()["meta"]
    assert meta["views"][0] == "steps" and meta["view"] == "steps"
    shown = meta["view_meta"]["steps"]["data"]
    shown.pop("how")
    return shown


@pytest.mark.model
def test_a_sampled_generation_keeps_its_steps_and_its_seed_through_a_restart(tmp_path):
    body = {"text": TEXT, "model": "smollm2", "generate": 3, "temperature": 0.8, "top_k": 30}
    c, _ = make_client(ServeConfig(links_dir=str(tmp_path)))
    with c:
        r = c.post("/api/text", json=body)
        assert r.status_code == 200, r.text
        tid = r.json()["trace_id"]
        inputs = c.get(f"/api/traces/{tid}").json()["inputs"]
        seed = inputs["seed"]  # none given: the server chose one and kept it
        assert isinstance(seed, int) and inputs == {**body, "truncate": False, "seed": seed}
        first = page_steps(c, tid)
    gen = attnlab.generate(TEXT, "smollm2", 3, temperature=0.8, top_k=30, seed=seed)
    assert first == as_json(steps_to_dict(gen))  # the same settings, the same tokens and probabilities
    again, _ = make_client(ServeConfig(links_dir=str(tmp_path)))  # a new server: the link rebuilds the trace
    with again:
        assert page_steps(again, tid) == first
        page = again.get(f"/api/traces/{tid}/page?lang=en")
        assert page.status_code == 200 and '"steps"' in page.text  # the download holds the steps tab too


@pytest.mark.model
def test_a_greedy_generation_has_its_steps_and_keeps_its_old_inputs(client):
    r = client.post("/api/text", json={"text": TEXT, "model": "smollm2", "generate": 2})
    assert r.status_code == 200
    tid = r.json()["trace_id"]
    assert client.get(f"/api/traces/{tid}").json()["inputs"] == {"text": TEXT, "model": "smollm2", "generate": 2,
                                                                  "truncate": False}
    want = as_json(steps_to_dict(attnlab.generate(TEXT, "smollm2", 2)))
    assert page_steps(client, tid) == want
    assert {k: r.json()[k] for k in want} == want  # the answer holds them as `--generate N --format json` does
    plain = client.post("/api/text", json={"text": TEXT, "model": "smollm2"}).json()["trace_id"]
    assert "steps" not in client.get(f"/api/traces/{plain}/page-data?lang=en").json()["meta"]["views"]


REFUSED = [  # (body, i18n key, its fields)
    ({"text": "x", "model": "minilm", "generate": 2}, "srv_gen_encoder", {"model": "minilm"}),
    ({"text": "x", "model": "smollm2", "temperature": 0.7}, "srv_gen_needs_generate", {"name": "temperature"}),
    ({"text": "x", "model": "smollm2", "generate": 2, "seed": 3}, "srv_gen_greedy", {"name": "seed"}),
    ({"text": "x", "model": "smollm2", "generate": 2, "top_k": 5, "temperature": 0}, "srv_gen_greedy",
     {"name": "top_k"}),
    ({"text": "x", "model": "smollm2", "generate": 2, "temperature": -1}, "srv_gen_temperature", {"given": -1.0}),
    ({"text": "x", "model": "smollm2", "generate": 2, "temperature": "hot"}, "srv_number",
     {"name": "temperature", "given": "'hot'"}),
    ({"text": "x", "model": "smollm2", "generate": 2, "temperature": 1, "top_k": 0}, "srv_int_range",
     {"name": "top_k", "lo": 1, "hi": 2**20, "given": 0}),
    ({"text": "x", "model": "smollm2", "generate": 2, "temperature": 1, "seed": 2**32}, "srv_int_range",
     {"name": "seed", "lo": 0, "hi": 2**32 - 1, "given": 2**32}),
    ({"text": "x", "model": "smollm2", "generate": 2, "temperature": 1, "seed": True}, "srv_int",
     {"name": "seed", "given": "True"}),
    ({"text": "x", "model": "smollm2", "generate": 257}, "srv_int_range",
     {"name": "generate", "lo": 0, "hi": 256, "given": 257}),
]


@pytest.mark.parametrize(("body", "key", "fields"), REFUSED)
@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("path", ["/api/text", "/api/text/stream"])
def test_bad_generation_settings_are_refused_in_the_requests_language(client, body, key, fields, lang, path):
    r = client.post(f"{path}?lang={lang}", json=body)
    assert r.status_code == 400 and r.json() == {"error": t(key, lang, **fields)}
