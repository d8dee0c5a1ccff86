"""/api/traces/{tid}/why and /flow: the why panel's and the flow tab's data for a kept trace, the numbers
`why_answer` and `flow` give for the same trace (the flow: the same text run again with its streams),
and every refusal in the request's language."""

from __future__ import annotations

import pytest

from attnlab.analysis.flow import flow
from attnlab.analysis.why import why_text
from attnlab.i18n import t
from attnlab.views.flow.data import tab_data
from attnlab.views.heatmap.why import cell_data, why_answer

from ..analysis.conftest import synthetic_trace
from ..html.fakes import FakeTrace, words
from .conftest import keep, poll


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_any_cell_of_a_kept_trace_is_explained(app, lang):
    c, srv = app
    trace = synthetic_trace(n=12, seed=5)
    tid = keep(srv, trace)
    for layer, head, q, k in [(0, 0, 5, 2), (2, 5, 11, 11), (1, 3, 7, 0)]:
        r = c.get(f"/api/traces/{tid}/why?layer={layer}&head={head}&query={q}&key={k}&lang={lang}")
        assert r.status_code == 200
        assert r.json() == why_answer(trace, layer, head, q, k, lang)  # the library's, as JSON carries it
    toy = c.post("/api/toy/page", json={"heads": 2, "causal": True}).json()["trace_id"]
    got = c.get(f"/api/traces/{toy}/why?layer=0&head=1&query=2&key=1&lang={lang}").json()
    assert got == why_answer(srv.toys.get(toy).trace, 0, 1, 2, 1, lang) and got["why"]["toy"]["pairs"]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_cells_it_cannot_explain_are_refused_in_the_requests_language(app, lang):
    c, srv = app
    tid = keep(srv, synthetic_trace(n=12, seed=6))
    cases = {
        "layer=0&head=0&query=12&key=0": t("srv_why_position", lang, name="query", pos=12, last=11),
        "layer=0&head=0&query=3&key=40": t("srv_why_position", lang, name="key", pos=40, last=11),
        "layer=0&head=0&query=3&key=7": t("srv_why_hidden", lang, q=3, k=7),  # causal: later keys hidden
    }
    for query, message in cases.items():
        r = c.get(f"/api/traces/{tid}/why?{query}&lang={lang}")
        assert (r.status_code, r.json()) == (400, {"error": message})
    fake = keep(srv, FakeTrace(words(5)), text="fake")
    r = c.get(f"/api/traces/{fake}/why?layer=0&head=0&query=1&key=0&lang={lang}")
    assert (r.status_code, r.json()) == (400, {"error": t("srv_why_not_kept", lang, model="fake")})
    assert c.get(f"/api/traces/{tid}/why?layer=9&head=0&query=1&key=0&lang={lang}").status_code == 404
    r = c.get(f"/api/traces/{tid}/why?layer=0&head=0&query=-1&key=0&lang={lang}")
    assert r.status_code == 400 and "query" in r.json()["error"]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_what_flow_cannot_compute_here_is_refused_in_the_requests_language(app, lang):
    c, srv = app
    small = synthetic_trace(n=8, seed=1)
    long = synthetic_trace(n=600, n_layers=1, n_heads=1, n_kv=1, d=4, seed=2)
    toy = c.post("/api/toy/page", json={}).json()["trace_id"]
    cases = {
        toy: t("srv_flow_toy", lang),
        keep(srv, small): t("srv_flow_model", lang, model="'synthetic'"),
        keep(srv, small, text="g", generate=5): t("srv_flow_generated", lang, n=5),
        keep(srv, FakeTrace(words(5)), text="fake", model="minilm"): t("srv_flow_keeps", lang, model="fake"),
        keep(srv, long, text="long", model="minilm"): t("srv_flow_long", lang, n=600, most=512),
    }
    for tid, message in cases.items():
        r = c.get(f"/api/traces/{tid}/flow?token=0&lang={lang}")
        assert (r.status_code, r.json()) == (400, {"error": message}), tid
        assert c.get(f"/api/traces/{tid}/flow?lang={lang}").json() == {"can": False, "why": message, "most": 512}
    for bad in ("token=0&threshold=0", "token=0&threshold=1.5", "token=0&threshold=nan", "token=-1"):
        r = c.get(f"/api/traces/{toy}/flow?{bad}&lang={lang}")  # the query's own validation, naming the field
        assert r.status_code == 400 and ("threshold" in r.json()["error"] or "token" in r.json()["error"]), bad


@pytest.mark.model
def test_the_flow_of_a_kept_text_is_computed_in_the_worker_and_kept(app):
    import attnlab

    c, _ = app
    text = "Tokyo is a beautiful city."
    tid = c.post("/api/text?lang=en", json={"text": text, "model": "minilm"}).json()["trace_id"]
    assert c.get(f"/api/traces/{tid}/flow?lang=en").json() == {"can": True, "why": None, "most": 512}
    r, seen = poll(lambda: c.get(f"/api/traces/{tid}/flow?token=3&threshold=0.05&lang=ja"), limit_s=300,
                   every_s=0.3)
    assert r.status_code == 200 and seen and seen[0]["state"] in ("queued", "running")
    want = flow(attnlab.run_text(text, "minilm", streams=True), 3, 0.05)
    got, expected = r.json(), tab_data(want, "ja")
    assert got["title"] == expected["title"] and got["tokens"] == expected["tokens"]
    assert [(e["layer"], e["from"], e["to"], e["kind"]) for e in got["edges"]] == [
        (e["layer"], e["from"], e["to"], e["kind"]) for e in expected["edges"]]
    for a, b in zip(got["edges"], expected["edges"], strict=True):  # another forward: fp32 rounding apart
        assert a["importance"] == pytest.approx(b["importance"], abs=1e-4)
    again = c.get(f"/api/traces/{tid}/flow?token=3&threshold=0.05&lang=en")  # kept: answered at once, in English
    assert again.status_code == 200 and again.json()["title"] == tab_data(want, "en")["title"]
    r = c.get(f"/api/traces/{tid}/flow?token=99&lang=en")
    assert r.status_code == 400 and r.json()["error"].startswith("token 99 is out of range")
    cell = c.get(f"/api/traces/{tid}/why?layer=2&head=1&query=4&key=2&lang=en").json()
    w = attnlab.why(attnlab.run_text(text, "minilm"), 2, 1, 4, 2)
    assert cell["why"]["score"] == pytest.approx(cell_data(w)["score"], abs=1e-4)
    assert cell["text"].split("\n")[0] == why_text(w, "en").split("\n")[0]
