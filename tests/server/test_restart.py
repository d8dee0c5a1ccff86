"""`/t/<id>` links survive a restart: a real `attnlab serve` process makes a text trace and two toys, is
stopped; a new process on the same cache folder (ATTNLAB_CACHE) opens the links and answers the same
page data (numbers compared), and a record damaged while no server ran says so in ja and en. Also, in
one process: a text trace evicted from memory is made again from its record instead of answering 410."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import numpy as np
import pytest

from attnlab.html.encode import PageData, decode_arrays
from attnlab.i18n import t

from .conftest import make_client

pytestmark = pytest.mark.model
TOY = {"tokens": "the cat sat on the mat", "d_model": 8, "heads": 2, "seed": 7, "causal": True}
TEXT = {"text": "Tokyo is beautiful", "model": "minilm"}
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


class Serve:
    """`python -m attnlab serve --port 0` on `cache`, stopped with Ctrl-C (SIGINT) as a user would."""

    def __init__(self, cache: Path) -> None:
        env = {**os.environ, "ATTNLAB_CACHE": str(cache)}
        self.proc = subprocess.Popen([sys.executable, "-m", "attnlab", "serve", "--port", "0"], env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("attnlab serve: http://"):
            self.proc.kill()
            raise RuntimeError(f"the server did not start: {line}{self.proc.stderr.read()}")
        self.url = line.split(": ", 1)[1].strip().rstrip("/")
        self.http = httpx.Client(base_url=self.url, timeout=180)

    def stop(self) -> None:
        self.http.close()
        self.proc.send_signal(signal.SIGINT)
        out, err = self.proc.communicate(timeout=60)
        assert self.proc.returncode == 0 and "attnlab serve: stopped" in out, err


def _numbers(data: dict) -> dict[str, np.ndarray]:
    return decode_arrays(PageData(data["meta"], data["blob"]))


def _same_numbers(before: dict, after: dict) -> None:
    """Equal page data up to rounding: fp32 arrays within 1e-5, quantised weights within one step."""
    assert after["meta"] == before["meta"]
    old, new = _numbers(before), _numbers(after)
    assert set(old) == set(new) and old
    for name, a in old.items():
        if a.dtype == np.uint8:
            assert np.abs(new[name].astype(int) - a.astype(int)).max() <= 1, name
        else:
            np.testing.assert_allclose(new[name], a, rtol=0, atol=1e-5, err_msg=name)


def test_links_open_after_the_server_restarts(tmp_path):
    first = Serve(tmp_path)
    try:
        toy = first.http.post("/api/toy/page", json=TOY).json()["trace_id"]
        other = first.http.post("/api/toy/page", json={**TOY, "seed": 8}).json()["trace_id"]
        text = first.http.post("/api/text", json=TEXT).json()["trace_id"]
        before = {tid: first.http.get(f"/api/traces/{tid}/page-data?lang=en").json() for tid in (toy, text)}
        head = first.http.get(f"/api/traces/{text}/head?layer=2&head=1").json()
        assert first.http.get(f"/api/traces/{text}").json()["link_lasts"] is True
    finally:
        first.stop()
    records = tmp_path / "links"
    assert sorted(p.name for p in records.iterdir()) == sorted(f"{tid}.json" for tid in (toy, other, text))
    (records / f"{other}.json").write_bytes(b"{\"attnlab_link\": 1, \"kin")  # damaged while no server ran
    second = Serve(tmp_path)
    try:
        for tid in (toy, text):
            page = second.http.get(f"/t/{tid}?view=heatmap&layer=3&head=2&lang=ja")
            assert page.status_code == 200 and '"state":{"view":"heatmap","layer":3,"head":2}' in page.text
            after = second.http.get(f"/api/traces/{tid}/page-data?lang=en")
            assert after.status_code == 200, after.text
            _same_numbers(before[tid], after.json())
        again = second.http.get(f"/api/traces/{text}/head?layer=2&head=1").json()
        np.testing.assert_allclose(again["weights"], head["weights"], rtol=0, atol=1e-6)
        for lang in ("ja", "en"):
            r = second.http.get(f"/api/traces/{other}?lang={lang}")
            assert r.status_code == 410 and r.json()["reason"] == "damaged"
            assert r.json()["error"] == t("srv_link_damaged", lang, tid=other)
            assert bool(JAPANESE.search(r.json()["error"])) == (lang == "ja")
            assert r.json()["rerun"] == f"/?screen=toy&lang={lang}"
    finally:
        second.stop()


def test_an_evicted_text_trace_is_made_again_from_its_record(tmp_path):
    from attnlab.server import ServeConfig

    probe, _ = make_client()
    probe.post("/api/text", json=TEXT)
    one = probe.get("/api/health").json()["traces"]["bytes"]  # one 5-token MiniLM trace
    c, _ = make_client(ServeConfig(max_cache=one * 3, links_dir=str(tmp_path)))  # room for one such trace
    first = c.post("/api/text", json=TEXT).json()
    c.post("/api/text", json={"text": "Kyoto is old", "model": "minilm"})
    r = c.get(f"/api/traces/{first['trace_id']}/head?layer=0&head=0")
    assert r.status_code == 200  # not 410: its record made it again
    np.testing.assert_allclose(r.json()["weights"], first["weights"], rtol=0, atol=1e-6)
    usage = c.get("/api/health").json()["traces"]
    assert usage["bytes"] <= usage["max_bytes"]
