"""The trace store holds at most its bytes, all of it counted: the traces' tensors, their inputs as
Python objects (a toy's x), what routes keep with them, and the remembered inputs of evicted traces.
(The server process as a whole, under a load of distinct large toys: test_load.py.)"""

from __future__ import annotations

import random
import sys

import pytest

from attnlab.server import ServeConfig
from attnlab.server.routes_api import spec_options
from attnlab.server.state import TOY_CACHE, Server
from attnlab.server.store import (
    MAX_REMEMBERED,
    TraceGone,
    TraceStore,
    TraceTooLarge,
    TraceUnknown,
    object_nbytes,
)
from attnlab.toy import run_toy
from attnlab.toy.options import toy_spec

from .conftest import make_client

MiB = 2**20


def big_toy(i: int, n: int = 64, d: int = 128):
    """A toy with its own x (n x d Python floats in its spec), distinct for each i."""
    rnd = random.Random(i)
    x = [[round(rnd.uniform(-0.05, 0.05), 3) for _ in range(d)] for _ in range(n)]
    spec = toy_spec({"tokens": [f"w{j}" for j in range(n)], "d_model": d, "x": x})
    return spec_options(spec), run_toy(spec)


def test_a_toys_inputs_are_counted_with_its_tensors():
    inputs, trace = big_toy(0)
    store = TraceStore(64 * MiB)
    entry = store.put("toy", inputs, trace)
    floats = 64 * 128 * sys.getsizeof(0.5)  # the x the spec holds as Python floats
    assert entry.nbytes >= trace.nbytes + floats
    assert inputs["x"] is trace.spec.x  # the inputs are the spec's own rows: counted once, not copied
    assert store.used() == entry.nbytes


@pytest.mark.parametrize("max_mib", [2, 5, 9])
def test_the_store_never_holds_more_than_its_bytes(max_mib):
    store = TraceStore(max_mib * MiB)
    for i in range(25):
        inputs, trace = big_toy(i)
        store.put("toy", inputs, trace)
        assert store.used() <= store.max_bytes
        counted = sum(e.nbytes for e in store._entries.values())
        assert counted == sum(e.measure() for e in store._entries.values())  # the running total is right
    usage = store.usage()
    assert usage["traces"] >= 1 and usage["remembered"] >= 1


def test_evicted_inputs_answer_410_until_their_share_is_spent_then_404():
    store = TraceStore(MiB // 4)
    ids = []
    for i in range(40):
        inputs, trace = big_toy(i, n=16, d=32)
        ids.append(store.put("toy", inputs, trace).id)
    kept = [t for t in ids if store.has(t)]
    with pytest.raises(TraceGone) as gone:
        store.get(ids[-len(kept) - 1])  # the most recently evicted
    assert gone.value.inputs["tokens"][:2] == ["w0", "w1"] and len(gone.value.inputs["x"]) == 16
    assert store._gone_held <= store.remember_bytes and 1 < len(store._gone) < 40 - len(kept)
    with pytest.raises(TraceUnknown):
        store.get(ids[0])  # forgotten: its inputs no longer fit in the remembered share
    assert len(store._gone) <= MAX_REMEMBERED


def test_inputs_too_large_to_remember_are_not_kept():
    store = TraceStore(2 * MiB)
    inputs, trace = big_toy(1, n=64, d=128)  # ~0.3 MB of inputs as JSON, beyond 1/16 of 2 MiB
    first = store.put("toy", inputs, trace).id
    for i in range(2, 6):
        store.put("toy", *big_toy(i, n=64, d=128))
    assert not store.has(first)
    with pytest.raises(TraceUnknown):
        store.get(first)
    assert store.used() <= store.max_bytes


def test_a_trace_larger_than_the_store_is_refused():
    inputs, trace = big_toy(0)
    with pytest.raises(TraceTooLarge, match="more than the"):
        TraceStore(MiB // 4).put("toy", inputs, trace)


def test_what_routes_keep_is_counted_and_can_evict():
    store = TraceStore(8 * MiB)
    a = store.put("toy", *big_toy(1))
    b = store.put("toy", *big_toy(2))
    before = store.used()
    store.keep(b, "stats", {"blob": "x" * (2 * MiB)})
    assert store.used() >= before + 2 * MiB - 1 and store.used() <= store.max_bytes
    store.keep(b, ("page", "en"), {"blob": "y" * (9 * MiB // 2)})
    assert not store.has(a.id) and store.has(b.id)  # the least recently used went to make room
    assert store.used() <= store.max_bytes


def test_object_nbytes_counts_shared_objects_once():
    row = tuple(float(i) for i in range(1000))
    alone = object_nbytes(row)
    assert object_nbytes([row, row, row]) < 2 * alone
    assert object_nbytes({"a": "x" * 1000}) > 1000


@pytest.mark.parametrize("max_cache", [MiB, 100 * MiB, 2 * 2**30])
def test_the_two_stores_share_max_cache(max_cache):
    srv = Server.start(ServeConfig(max_cache=max_cache))
    assert srv.texts.max_bytes + srv.toys.max_bytes == max_cache
    assert srv.toys.max_bytes == min(TOY_CACHE, max_cache // 2)


def test_health_reports_what_is_held_within_the_budget():
    c, _ = make_client(max_cache=16 * MiB)
    for i in range(6):
        inputs, _ = big_toy(i, n=32, d=64)
        assert c.post("/api/toy/page", json=inputs).status_code == 200
    health = c.get("/api/health").json()
    assert health["toys"]["bytes"] <= health["toys"]["max_bytes"] == 8 * MiB
    assert health["traces"]["max_bytes"] + health["toys"]["max_bytes"] == 16 * MiB
