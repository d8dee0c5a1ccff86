"""Links that last (server/links.py, server/rebuild.py): a trace's inputs on disk, content-addressed and
bounded; a new app on the same folder makes the trace again on first open, with the same numbers; a
record that cannot make it says why in the request's language, with what made it and where to run it
again; the store never writes, replaces or removes what it did not create. Toys only here (no model
loads); real servers restarted with a text trace: test_restart.py."""

from __future__ import annotations

import os
import re
import time

import numpy as np
import pytest

from attnlab.checks import size_text
from attnlab.html.encode import PageData, decode_arrays
from attnlab.i18n import t
from attnlab.server import ServeConfig
from attnlab.server.links import BLOCK, RECORD_SHARE, LinkProblem, LinkStore, _record, disk_bytes
from attnlab.server.store import trace_id

from .conftest import make_client

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
TOY = {"tokens": "the cat sat on the mat", "d_model": 8, "heads": 2, "seed": 7, "temperature": 0.5, "causal": True}
LINK_STORE = 4 * 2**20
TOY_X = {"tokens": ["a", "b", "c"], "x": [[1, 0.5], [0.25, -1], [2, 0]], "seed": 3}


def _app(folder, **kw):
    return make_client(ServeConfig(links_dir=str(folder), **kw))


def _page_numbers(data: dict) -> dict[str, np.ndarray]:
    return decode_arrays(PageData(data["meta"], data["blob"]))


@pytest.mark.parametrize("body", [TOY, TOY_X])
def test_a_toy_link_opens_in_a_new_app_on_the_same_folder_with_the_same_numbers(tmp_path, body):
    first, _ = _app(tmp_path)
    with first:
        tid = first.post("/api/toy/page", json=body).json()["trace_id"]
        before = first.get(f"/api/traces/{tid}/page-data?lang=en").json()
        head_before = first.get(f"/api/traces/{tid}/head?layer=0&head=0").json()
        assert first.get(f"/api/traces/{tid}").json()["link_lasts"] is True
    second, app = _app(tmp_path)  # another server on the same cache folder: nothing in memory
    with second:
        assert not app.fastapi.state.attnlab.toys.has(tid)
        after = second.get(f"/api/traces/{tid}/page-data?lang=en")
        assert after.status_code == 200
        after = after.json()
        assert after["trace_id"] == tid and after["meta"] == before["meta"] and after["warnings"] == []
        old, new = _page_numbers(before), _page_numbers(after)
        assert set(old) == set(new) and old
        for name in old:
            np.testing.assert_allclose(new[name], old[name], rtol=0, atol=1e-6, err_msg=name)
        head_after = second.get(f"/api/traces/{tid}/head?layer=0&head=0").json()
        np.testing.assert_allclose(head_after["weights"], head_before["weights"], rtol=0, atol=1e-6)
        assert second.get(f"/t/{tid}?lang=ja").status_code == 200


def test_a_toy_without_a_seed_is_not_kept_on_disk(tmp_path):
    c, _ = _app(tmp_path)
    with c:
        tid = c.post("/api/toy/page", json={"tokens": "a b", "seed": None}).json()["trace_id"]
        assert c.get(f"/api/traces/{tid}").json()["link_lasts"] is False  # its weights were random: not again
    assert not (tmp_path / f"{tid}.json").exists()


def _records_on_disk(folder) -> int:
    return sum(disk_bytes(p.stat().st_size) for p in folder.iterdir() if p.name.endswith(".json"))


def test_records_stay_within_the_bound_least_recently_used_out_first(tmp_path):
    store = LinkStore(tmp_path, 4 * BLOCK)
    inputs = [{"text": f"text {i}", "model": "minilm", "generate": 0, "truncate": False} for i in range(6)]
    ids = [trace_id("text", i) for i in inputs]
    for i in inputs[:4]:
        assert store.save("text", i)
    assert store.load(ids[0]) == ("text", inputs[0])  # opened: now the most recently used
    for i in inputs[4:]:
        assert store.save("text", i)
        assert _records_on_disk(tmp_path) <= store.max_bytes
    assert store.usage() == {"records": 4, "bytes": 4 * BLOCK, "max_bytes": 4 * BLOCK}
    assert store.load(ids[1]) is None and store.load(ids[2]) is None  # the least recently used went
    assert [store.load(tid) is not None for tid in (ids[0], ids[3], ids[4], ids[5])] == [True] * 4
    # a new store on the folder finds them, in the order they were used, and a smaller bound prunes
    again = LinkStore(tmp_path, 2 * BLOCK)
    assert again.usage()["records"] == 2 and _records_on_disk(tmp_path) <= 2 * BLOCK


def test_a_record_removed_behind_the_stores_back_is_written_again(tmp_path):
    store = LinkStore(tmp_path, 2**20)
    inputs = {**TOY, "seed": 30}
    assert store.save("toy", inputs)
    store.path(trace_id("toy", inputs)).unlink()  # another server on the folder pruned it
    assert store.save("toy", inputs) and store.load(trace_id("toy", inputs)) == ("toy", inputs)
    assert store.usage()["records"] == 1


def test_inputs_too_large_for_one_record_are_not_written(tmp_path):
    store = LinkStore(tmp_path, 16 * BLOCK)  # one record: at most 8 KiB
    text = {"text": "word " * 2000, "model": "minilm", "generate": 0, "truncate": False}  # ~10 KB of JSON
    assert len(_record("text", text)) > store.max_record
    assert not store.save("text", text) and list(tmp_path.iterdir()) == []
    assert store.save("text", {**text, "text": "word " * 1000})


def test_a_pruned_link_says_so_in_the_pages_language(tmp_path):
    c, _ = _app(tmp_path)
    with c:
        tid = c.post("/api/toy/page", json=TOY).json()["trace_id"]
    (tmp_path / f"{tid}.json").unlink()  # pruned (by this server or another on the folder)
    c, _ = _app(tmp_path)
    with c:
        for lang in ("ja", "en"):
            r = c.get(f"/api/traces/{tid}?lang={lang}")
            assert r.status_code == 404
            assert r.json() == {"error": t("srv_trace_unknown", lang, tid=tid), "reason": "unknown",
                                "rerun": f"/?screen=toy&lang={lang}"}
        assert JAPANESE.search(c.get(f"/api/traces/{tid}/page-data?lang=ja").json()["error"])


def _write_record(folder, kind: str, inputs: dict) -> str:
    tid = trace_id(kind, inputs)
    (folder / f"{tid}.json").write_bytes(_record(kind, inputs))
    return tid


TEXT = {"text": "Tokyo is beautiful", "model": "a-model-no-longer-served", "generate": 0, "truncate": False}


def _damaged(folder) -> tuple[str, str, dict]:
    tid = _write_record(folder, "toy", {**TOY, "seed": 1})
    (folder / f"{tid}.json").write_bytes(b'{"attnlab_link": 1, "kind": "toy", "inputs": {"tok')
    return tid, "srv_link_damaged", {}


def _other_inputs(folder) -> tuple[str, str, dict]:  # valid JSON, but not the inputs its name is the hash of
    tid = trace_id("toy", {**TOY, "seed": 2})
    (folder / f"{tid}.json").write_bytes(_record("toy", {**TOY, "seed": 3}))
    return tid, "srv_link_damaged", {}


def _too_large(folder) -> tuple[str, str, dict]:
    tid = _write_record(folder, "toy", {**TOY, "seed": 4})
    (folder / f"{tid}.json").write_bytes(b" " * 2**20)  # within the store, over one record's share: never read
    return tid, "srv_link_large", {"size": size_text(2**20), "cap": size_text(LINK_STORE // RECORD_SHARE)}


def _model_gone(folder) -> tuple[str, str, dict]:
    tid = _write_record(folder, "text", TEXT)
    return tid, "srv_link_model", {"model": repr(TEXT["model"]), "models": "minilm, smollm2"}


def _refused(folder) -> tuple[str, str, dict]:  # a toy the library refuses (4 does not divide into 3 heads)
    inputs = {**TOY, "d_model": 4, "heads": 3}
    return _write_record(folder, "toy", inputs), "srv_link_refused", {"inputs": inputs}


@pytest.mark.parametrize("make", [_damaged, _other_inputs, _too_large, _model_gone, _refused])
def test_a_link_that_cannot_be_made_again_says_why_in_the_pages_language(tmp_path, make):
    tid, key, fields = make(tmp_path)
    c, _ = _app(tmp_path, link_store=LINK_STORE)
    with c:
        answers = {lang: c.get(f"/api/traces/{tid}?lang={lang}") for lang in ("ja", "en")}
        tile = c.get(f"/api/traces/{tid}/tile?lang=ja")  # every route that reads the trace answers the same
    assert {r.status_code for r in answers.values()} == {410} and tile.json() == answers["ja"].json()
    for lang, r in answers.items():
        body = r.json()
        assert body["reason"] == {"srv_link_damaged": "damaged", "srv_link_large": "too_large",
                                  "srv_link_model": "model_gone", "srv_link_refused": "refused"}[key]
        assert body["rerun"].startswith(f"/?screen={tid.split('-')[0]}&lang={lang}")
        assert bool(JAPANESE.search(body["error"])) == (lang == "ja"), body["error"]
        if key == "srv_link_refused":  # the library's own reason, as a new request would get it
            assert t("err_toy_divisible", lang, d_model=4, heads=3) in body["error"]  # in the page's language
            assert body["inputs"] == fields["inputs"] and "toy=" in body["rerun"]
        elif key == "srv_link_model":
            assert body["error"] == t(key, lang, tid=tid, **fields) and body["inputs"] == TEXT
            assert "text=Tokyo+is+beautiful" in body["rerun"] and "model=" not in body["rerun"]
        else:
            assert body["error"] == t(key, lang, tid=tid, **fields) and "inputs" not in body


def test_a_damaged_record_is_replaced_by_the_next_save(tmp_path):
    tid, _, _ = _damaged(tmp_path)
    store = LinkStore(tmp_path, 2**20)
    with pytest.raises(LinkProblem):
        store.load(tid)
    assert store.save("toy", {**TOY, "seed": 1})
    assert store.load(tid) == ("toy", {**TOY, "seed": 1})


def test_what_the_store_did_not_create_is_never_touched(tmp_path):
    outside = tmp_path / "outside.json"
    outside.write_text("mine", encoding="utf-8")
    folder = tmp_path / "links"
    folder.mkdir()
    fifo_inputs, link_inputs = {**TOY, "seed": 10}, {**TOY, "seed": 11}
    fifo = folder / f"{trace_id('toy', fifo_inputs)}.json"
    os.mkfifo(fifo)
    link = folder / f"{trace_id('toy', link_inputs)}.json"
    link.symlink_to(outside)
    foreign = folder / "notes.txt"
    foreign.write_text("a note", encoding="utf-8")
    stale = folder / f".{trace_id('toy', TOY)}.json.0123abcd.tmp"  # a temporary of a killed write
    stale.write_bytes(b"{")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    fresh = folder / f".{trace_id('toy', TOY)}.json.4567abcd.tmp"  # one being written now
    fresh.write_bytes(b"{")
    store = LinkStore(folder, BLOCK)
    assert not stale.exists() and fresh.exists()
    assert not store.save("toy", fifo_inputs) and not store.save("toy", link_inputs)
    for tid in (trace_id("toy", fifo_inputs), trace_id("toy", link_inputs)):
        with pytest.raises(LinkProblem):  # read neither through the link nor from the FIFO (no hang)
            store.load(tid)
    for i in range(3):  # a bound of one record: each save prunes the one before, never the others
        assert store.save("toy", {**TOY, "seed": 20 + i})
    assert fifo.is_fifo() and link.is_symlink() and outside.read_text(encoding="utf-8") == "mine"
    assert foreign.read_text(encoding="utf-8") == "a note" and fresh.exists()
    assert sorted(p.name for p in folder.glob("toy-*.json") if p.is_file() and not p.is_symlink()) == [
        f"{trace_id('toy', {**TOY, 'seed': 22})}.json"]


def test_a_folder_that_cannot_hold_links_leaves_the_server_running(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    c, app = _app(blocker / "links")
    with c:
        assert app.fastapi.state.attnlab.links is None
        tid = c.post("/api/toy/page", json=TOY).json()["trace_id"]
        assert c.get(f"/api/traces/{tid}").json()["link_lasts"] is False
    assert "links will not last a restart: cannot keep links in" in capsys.readouterr().err


def test_serve_options_name_the_link_store(tmp_path, monkeypatch):
    from attnlab.cli import CliError, build_parser
    from attnlab.cli.options import check_ints
    from attnlab.cli.serve import config_from_args

    monkeypatch.setenv("ATTNLAB_CACHE", str(tmp_path))
    parse = lambda argv: check_ints(build_parser().parse_args(argv))  # noqa: E731  (as the CLI's main does)
    config = config_from_args(parse(["serve"]))
    assert (config.links_dir, config.link_store) == (str(tmp_path / "links"), 64 * 2**20)
    config = config_from_args(parse(["serve", "--link-store", "0"]))
    assert (config.links_dir, config.link_store) == (None, 0)
    with pytest.raises(CliError, match=r"--link-store 10240 bytes is less than 1 MiB \(0 turns it off\)"):
        config_from_args(parse(["serve", "--link-store", "10k"]))
    assert "--link-store" in build_parser()._subparsers._group_actions[0].choices["serve"].format_help()


@pytest.mark.parametrize("query,state", [
    ("view=heatmap&layer=3&head=2&lang=ja", {"view": "heatmap", "layer": 3, "head": 2}),
    ("view=deepzoom&layer=0&lang=en", {"view": "deepzoom", "layer": 0}),
    ("view=%3Cscript%3Ealert(1)%3C/script%3E&layer=-1&head=x&lang=fr", {}),
    ("layer=9999999&head=%EF%BC%93&view=", {}),  # too many digits; a full-width digit
])
def test_page_addresses_keep_their_view_state(tmp_path, query, state):
    import json

    c, _ = _app(tmp_path)
    with c:
        tid = c.post("/api/toy/page", json=TOY).json()["trace_id"]
        for path in (f"/t/{tid}", "/"):
            r = c.get(f"{path}?{query}")
            assert r.status_code == 200 and "<script>alert" not in r.text
            boot = json.loads(re.search(r'id="attnlab-app">(.*?)</script>', r.text).group(1))
            assert boot["state"] == state and boot["lang"] == ("en" if "lang=en" in query else "ja")
        assert c.get("/t/toy-nothex?view=heatmap").status_code == 400  # a malformed id, as before
