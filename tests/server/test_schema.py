"""/openapi.json describes what the server really answers, and schemathesis agrees: its CLI with
`--checks all` (no 5xx, only documented status codes and content types, answers that match their
schemas, schema-valid data accepted, invalid data refused, ...) against a real uvicorn on a free
127.0.0.1 port. Bounded: a fixed seed and a few examples per operation. The repository's
schemathesis.toml (read from the working directory upward, as a plain `schemathesis run` there
would) says which answers the checks accept besides the defaults, and why. The text routes load a
model, so they run in the `model` variant only."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from .conftest import make_client, start_server

pytest.importorskip("schemathesis")

CONFIG = Path(__file__).resolve().parents[2] / "schemathesis.toml"
SEED, EXAMPLES, TIMEOUT_S = 20261207, 8, 540


@pytest.fixture(scope="module")
def server():
    from attnlab.server import ServeConfig

    running, stop = start_server(ServeConfig(port=0))
    httpx.post(running.url + "/api/toy/page", json={}, timeout=60)  # the schema's example trace id exists
    yield running
    stop()


def schemathesis(url: str, *selection: str, cwd: Path) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run", f"{url}/openapi.json",
           "--checks", "all", "--max-examples", str(EXAMPLES), "--seed", str(SEED), "--workers", "1",
           "--generation-database", "none", "--no-color", *selection]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_S)


def test_schemathesis_checks_all_pass(server, tmp_path):
    run = schemathesis(server.url, "--exclude-path-regex", "^/api/text", cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "failed" not in run.stdout.split("SUMMARY")[-1]


@pytest.mark.model
def test_schemathesis_checks_all_pass_on_the_text_routes(server, tmp_path):
    run = schemathesis(server.url, "--include-path-regex", "^/api/text", cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]


def test_the_schema_lists_the_codes_the_server_sends():
    _, app = make_client()
    paths = app.fastapi.openapi()["paths"]
    codes = {(m.upper(), p): set(op["responses"]) for p, ops in paths.items() for m, op in ops.items()}
    assert all("422" not in c for c in codes.values())  # FastAPI's validation code: never sent (400 is)
    assert all({"400", "401"} <= c for c in codes.values())
    assert all({"403", "413"} <= c for (m, _), c in codes.items() if m == "POST")
    assert all({"404", "410"} <= c for (_, p), c in codes.items() if p.startswith("/api/traces/"))
    heavy = ["/page-data", "/page", "/overview", "/tile", "/lse", "/stats"]
    assert all("503" in codes[("GET", f"/api/traces/{{tid}}{h}")] for h in heavy)
    assert "503" in codes[("POST", "/api/text")] and "503" in codes[("POST", "/api/text/stream")]
    assert "503" not in codes[("GET", "/api/health")] and "404" not in codes[("POST", "/api/toy")]


@pytest.mark.parametrize("method,route,query,expect", [
    ("GET", "/api/traces/{tid}", "", 404),  # an id never made here
    ("GET", "/api/traces/{tid}/head", "?layer=3", 404),  # a layer the trace lacks
    ("GET", "/api/traces/{tid}/tile", "?tx=9", 404),  # a tile outside it
    ("GET", "/api/traces/{tid}/tile", "?z=9", 404),  # a level beyond it
    ("GET", "/api/traces/{tid}/overview", "?head=7", 404),  # a head it lacks
    ("GET", "/api/traces/{tid}/tile", "?layer=x", 400),  # not a number
    ("POST", "/api/toy", "", 400),  # a body the library refuses
])
def test_what_is_sent_is_what_is_listed(method, route, query, expect):
    c, app = make_client()
    tid = c.post("/api/toy/page", json={}).json()["trace_id"] if query else "toy-0123456789abcdef"
    r = c.request(method, route.replace("{tid}", tid) + query, json={"heads": "x"} if method == "POST" else None)
    assert r.status_code == expect and r.json()["error"]
    assert str(expect) in app.fastapi.openapi()["paths"][route][method.lower()]["responses"]
