"""The JSON API answers what the CLI prints, and refuses what the CLI refuses with the CLI's message.

Toy requests are compared with `attnlab toy --format json` run in this process (same library calls,
so equal JSON); model requests with `attnlab text --format json` (marked `model`)."""

from __future__ import annotations

import json
import threading
import time
from urllib.parse import parse_qsl

import pytest

from attnlab import explain, run_toy
from attnlab.cli import main as cli

from .conftest import make_client


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = cli(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def cli_error(capsys, *argv) -> str:
    """The CLI's English message (--lang en) without its advice, which names a flag where the app has a
    control (i18n.error_text's surfaces): the part before "; "."""
    code, _, err = run_cli(capsys, *argv, "--lang", "en")
    assert code == 2
    return err.strip().removeprefix("attnlab: error: ").split("; ")[0]


@pytest.mark.parametrize("body,argv", [
    ({}, []),
    ({"tokens": "I love transformers so much", "d_model": 8, "heads": 2, "seed": 3, "causal": True},
     ["--tokens", "I love transformers so much", "--d-model", "8", "--heads", "2", "--seed", "3", "--causal"]),
    ({"tokens": ["東京", "は", "美しい"], "temperature": 0.5, "x": [[1, 0], [0, 1], [0.5, 0.5]]},
     ["--tokens", "東京 は 美しい", "--temperature", "0.5", "--x", "1,0;0,1;0.5,0.5"]),
])
def test_toy_answers_the_cli_json(client, capsys, body, argv):
    r = client.post("/api/toy", json=body)
    assert r.status_code == 200
    code, out, _ = run_cli(capsys, "toy", "--format", "json", *argv)
    assert code == 0
    assert r.json() == json.loads(out)


@pytest.mark.parametrize("body,argv", [
    ({"d_model": 6, "heads": 4}, ["--d-model", "6", "--heads", "4"]),
    ({"temperature": 0}, ["--temperature", "0"]),
    ({"tokens": " ".join(["w"] * 300)}, ["--tokens", " ".join(["w"] * 300)]),
    ({"x": [[1, 2], [3, 4]], "tokens": "a b c"}, ["--x", "1,2;3,4", "--tokens", "a b c"]),
    ({"heads": 17, "d_model": 34}, ["--heads", "17", "--d-model", "34"]),
])
def test_toy_mistakes_get_the_clis_message(client, capsys, body, argv):
    r = client.post("/api/toy", json=body)
    assert r.status_code == 400
    assert {"error": r.json()["error"].split("; ")[0]} == {"error": cli_error(capsys, "toy", *argv)}


@pytest.mark.parametrize("body,message", [
    ({"heads": "two"}, "heads must be an integer, got 'two'"),
    ({"d_model": True}, "d_model must be an integer, got True"),
    ({"seed": 2**70}, "seed 1180591620717411303424 is outside"),
    ({"seed": 1.5}, "seed must be an integer, got 1.5"),
    ({"causal": "yes"}, "causal must be true or false, got 'yes'"),
    ({"x": [[1, "a"]]}, "x[0][1] must be a finite number, got 'a'"),
    ({"x": 5}, "x must be a list of rows"),
    ({"tokens": 5}, "tokens must be a list of strings or one string of words, got int"),
    ({"colour": 1}, "unknown toy option 'colour': choose from tokens, d_model"),
])
def test_json_only_mistakes_are_named_too(client, body, message):
    r = client.post("/api/toy", json=body)
    assert r.status_code == 400 and message in r.json()["error"]


def test_bodies_that_are_not_json_objects(client):
    r = client.post("/api/toy", content=b"{nope", headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"].startswith("the request body is not valid JSON")
    r = client.post("/api/toy", content=b'{"temperature": NaN}', headers={"content-type": "application/json"})
    assert r.status_code == 400 and "NaN is not a number JSON allows" in r.json()["error"]
    r = client.post("/api/toy", content=b"\xff\xfe", headers={"content-type": "application/json"})
    assert r.status_code == 400 and "UTF-8" in r.json()["error"]


def test_toy_page_data_and_the_trace_it_keeps(client):
    r = client.post("/api/toy/page?lang=en", json={"tokens": "a b c d", "heads": 2})
    assert r.status_code == 200
    d = r.json()
    from attnlab.views import page_views

    toy = run_toy(tokens=("a", "b", "c", "d"), heads=2)
    assert d["meta"]["views"] == [v.name for v in page_views(toy)]  # a page file's tabs (no live ones)
    assert d["meta"]["view_meta"]["explain"]["text"] == explain(toy, "en")
    assert d["meta"]["labels"]["pipeline"] == "Pipeline"
    explained = client.get(f"/api/traces/{d['trace_id']}/explain?lang=en").json()["explanation"]
    assert explained == explain(toy, "en")
    # the same spec asked another way is the same trace (its id comes from the spec, not the wording)
    again = client.post("/api/toy/page", json={"tokens": ["a", "b", "c", "d"], "heads": 2, "seed": 42}).json()
    assert again["trace_id"] == d["trace_id"]
    info = client.get(f"/api/traces/{d['trace_id']}").json()
    assert info["kind"] == "toy" and info["n_tokens"] == 4 and info["inputs"]["tokens"] == ["a", "b", "c", "d"]
    page = client.get(f"/api/traces/{d['trace_id']}/page?lang=en")
    assert page.status_code == 200 and "attachment" in page.headers["content-disposition"]
    from attnlab import render_page
    assert page.text == render_page(run_toy(tokens=("a", "b", "c", "d"), heads=2), lang="en")


def test_unknown_and_malformed_ids_and_paths(client):
    assert client.get("/api/traces/text-0123456789abcdef").status_code == 404
    assert client.get("/api/traces/../../etc/passwd").status_code == 404
    r = client.get("/api/traces/nonsense")
    assert r.status_code == 400 and "tid" in r.json()["error"]
    r = client.get("/api/traces/toy-0123456789abcdef/tile?layer=x")
    assert r.status_code == 400 and r.json()["error"].startswith("layer should be a valid integer")
    r = client.delete("/api/health")
    assert r.status_code == 405 and r.json() == {"error": "DELETE is not allowed on /api/health"}


def test_text_requests_never_name_a_path(client):
    for model in ("/etc", "../models", "owner/name", "minilm "):
        r = client.post("/api/text", json={"text": "hello", "model": model})
        assert r.status_code == 400 and "is not served here" in r.json()["error"], model
    r = client.post("/api/text", json={"text": 3})
    assert r.status_code == 400 and r.json()["error"] == "text must be a string, got int"
    r = client.post("/api/text", json={"model": "minilm"})
    assert r.status_code == 400 and r.json()["error"].startswith("text is missing")
    r = client.post("/api/text", json={"text": "x", "generate": 100000})
    assert r.status_code == 400 and "generate 100000 is outside 0..256" in r.json()["error"]


def test_the_queue_answers_503_with_retry_after_and_a_gone_client_cancels_its_wait():
    c, app = make_client()
    srv = app.fastapi.state.attnlab
    gate = threading.Event()
    running = srv.worker.submit("block", "minilm", lambda job: gate.wait(30))
    while running.state != "running":
        time.sleep(0.01)
    waiting = [srv.worker.submit(f"w{i}", "minilm", lambda job: None) for i in range(srv.config.queue)]
    r = c.post("/api/text", json={"text": "Tokyo is beautiful", "model": "minilm"})
    assert r.status_code == 503 and int(r.headers["retry-after"]) >= 2 and "queue is full" in r.json()["error"]
    # another model has its own queue; the waiters that leave cancel their queued jobs
    for job in waiting:
        srv.worker.leave(job)
    assert [j.state for j in waiting] == ["cancelled"] * len(waiting)
    assert all(j.future.cancelled() for j in waiting)
    gate.set()
    assert running.future.result(timeout=10) is True


@pytest.mark.model
def test_text_answers_the_cli_json_plus_its_trace_id(client, capsys):
    body = {"text": "Tokyo is beautiful", "model": "minilm", "layer": 5, "head": 3}
    r = client.post("/api/text", json=body)
    assert r.status_code == 200
    got = r.json()
    tid = got.pop("trace_id")
    assert got.pop("warnings") == []  # English through MiniLM: read as written
    code, out, _ = run_cli(capsys, "text", "Tokyo is beautiful", "--model", "minilm", "--layer", "5", "--head", "3",
                           "--format", "json")
    assert code == 0 and got == json.loads(out)
    # words, and a layer the trace lacks: the CLI's output and message
    r = client.post("/api/text", json={**body, "words": True})
    code, out, _ = run_cli(capsys, "text", "Tokyo is beautiful", "--layer", "5", "--head", "3", "--words", "--format",
                           "json")
    assert {k: v for k, v in r.json().items() if k not in ("trace_id", "warnings")} == json.loads(out)
    r = client.post("/api/text", json={**body, "layer": 6})
    assert r.status_code == 400
    assert r.json()["error"].split("; ")[0] == cli_error(capsys, "text", "Tokyo is beautiful", "--layer", "6")
    assert client.get(f"/api/traces/{tid}").json()["n_tokens"] == 5


@pytest.mark.model
def test_too_long_text_is_refused_unless_truncated(client, capsys):
    text = "word " * 600
    r = client.post("/api/text", json={"text": text, "model": "minilm"})
    assert r.status_code == 400
    assert r.json()["error"].split("; ")[0] == cli_error(capsys, "text", text, "--model", "minilm")
    r = client.post("/api/text", json={"text": text, "model": "minilm", "truncate": True})
    assert r.status_code == 200 and len(r.json()["tokens"]) == 512  # cut to what MiniLM accepts
    assert client.get(f"/api/traces/{r.json()['trace_id']}").json()["truncated"] == 601 - 511


@pytest.mark.model
def test_eviction_answers_410_with_what_to_rerun():
    probe, _ = make_client()
    probe.post("/api/text", json={"text": "Tokyo is beautiful", "model": "minilm"})
    one = probe.get("/api/health").json()["traces"]["bytes"]  # one 5-token MiniLM trace
    c, _ = make_client(max_cache=one * 3)  # model traces get half of it: room for one such trace, not two
    first = c.post("/api/text", json={"text": "Tokyo is beautiful", "model": "minilm"}).json()["trace_id"]
    second = c.post("/api/text", json={"text": "Kyoto is old", "model": "minilm"}).json()["trace_id"]
    r = c.get(f"/api/traces/{first}")
    assert r.status_code == 410  # no link store here (ServeConfig's default): evicted is gone
    assert "evicted" in r.json()["error"] and "run it again" in r.json()["error"]
    assert r.json()["inputs"] == {"text": "Tokyo is beautiful", "model": "minilm", "generate": 0, "truncate": False}
    assert r.json()["reason"] == "evicted"
    rerun = r.json()["rerun"]  # the app's text form, filled and run (what the page's "run again" opens)
    assert rerun.startswith("/?") and dict(parse_qsl(rerun[2:])) == {
        "screen": "text", "lang": "en", "text": "Tokyo is beautiful", "model": "minilm", "generate": "0",
        "truncate": "false", "run": "1"}
    assert c.get(f"/api/traces/{second}").status_code == 200
    usage = c.get("/api/health").json()["traces"]
    assert usage["bytes"] <= usage["max_bytes"]


@pytest.mark.model
def test_the_stream_reports_progress_then_the_trace(client):
    with client.stream("POST", "/api/text/stream", json={"text": "Kyoto is old", "model": "minilm"}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events = [block for block in r.read().decode().split("\n\n") if block]
    names = [b.split("\n")[0].removeprefix("event: ") for b in events]
    assert names[-1] == "result" and set(names[:-1]) <= {"progress"}
    result = json.loads(events[-1].split("\n")[1].removeprefix("data: "))
    assert result["n_tokens"] == 5 and result["url"] == f"/t/{result['trace_id']}"


@pytest.mark.parametrize("path", ["/api/text", "/api/text/stream"])
def test_a_client_that_goes_away_cancels_its_queued_capture(live_server, path):
    """A real server: the model queue is held by a running job; a request queued behind it is cancelled
    when its client disconnects (a timeout here), without the model ever being loaded for it."""
    import httpx

    from attnlab.server.store import trace_id

    worker = live_server.state.worker
    gate = threading.Event()
    running = worker.submit(f"block-{path}", "smollm2", lambda job: gate.wait(30))
    while running.state != "running":
        time.sleep(0.01)
    text = f"a request that will be abandoned ({path})"
    key = trace_id("text", {"text": text, "model": "smollm2", "generate": 0, "truncate": False})
    body = {"text": text, "model": "smollm2"}
    if path.endswith("stream"):  # progress comes at once: read one event, then hang up
        with httpx.stream("POST", live_server.url + path, json=body, timeout=10) as r:
            first = next(r.iter_lines())
        assert first == "event: progress"
    else:  # the answer waits for the capture: give up after 1.5 s
        with pytest.raises(httpx.TimeoutException):
            httpx.post(live_server.url + path, json=body, timeout=1.5)
    deadline = time.monotonic() + 10
    while key in worker._by_key and time.monotonic() < deadline:  # the server notices within ~0.5 s
        time.sleep(0.05)
    gate.set()
    assert key not in worker._by_key  # cancelled and gone from the queue
    assert running.future.result(timeout=10) is True
    assert not live_server.state.texts.has(key)


@pytest.mark.model
def test_library_errors_speak_the_request_language_with_the_apps_advice(client):
    """A keyed library error (i18n.tr_error) answers in ?lang= and names the app's control, not a CLI flag."""
    text = "word " * 600
    for lang, control, flag in (("en", 'tick "cut text that is too long"', "--truncate"),
                                ("ja", "「長すぎる文は切る」にチェック", "--truncate")):
        r = client.post(f"/api/text?lang={lang}", json={"text": text, "model": "minilm"})
        said = r.json()["error"]
        assert r.status_code == 400 and control in said and flag not in said, said
    tid = client.post("/api/text", json={"text": "Tokyo is beautiful", "model": "minilm"}).json()["trace_id"]
    r = client.get(f"/api/traces/{tid}/head?layer=9&head=0&lang=ja")
    assert r.status_code == 404 and "層の選択から選んでください" in r.json()["error"], r.json()
