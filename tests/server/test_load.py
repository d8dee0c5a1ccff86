"""Short, bounded loads on loopback: concurrent toy clients get only correct answers (no error, no
mixed-up answer); a server in its own process, sent distinct large toys, stays within --max-cache
(its RSS stops growing once the store is full). The long run with latencies is bench/bench_serve.py's `load`."""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from attnlab.export import trace_to_dict
from attnlab.toy import run_toy
from attnlab.toy.options import toy_spec

CLIENTS, SECONDS = 12, 3.0  # bounded: 12 clients for 3 s on 127.0.0.1


def test_concurrent_toy_clients_all_get_their_own_answer(live_server):
    async def client(c: httpx.AsyncClient, i: int, out: list) -> None:
        k, stop = 0, time.monotonic() + SECONDS
        while time.monotonic() < stop:
            body = {"tokens": " ".join(f"t{j}" for j in range(2 + (i + k) % 7)), "seed": 100 * i + k, "d_model": 4}
            r = await c.post("/api/toy", json=body)
            out.append((body, r.status_code, r.json()))
            k += 1

    async def run() -> list:
        out: list = []
        async with httpx.AsyncClient(base_url=live_server.url, timeout=60) as c:
            await asyncio.gather(*(client(c, i, out) for i in range(CLIENTS)))
        return out

    box: list = []  # asyncio.run in a thread of its own: the session's Playwright may hold this thread's loop
    worker = threading.Thread(target=lambda: box.append(asyncio.run(run())))
    worker.start()
    worker.join(60)
    results = box[0]
    assert len(results) >= CLIENTS
    assert [s for _, s, _ in results if s != 200] == []
    for body, _, got in results[:: max(1, len(results) // 40)]:  # a sample: each answer is its own request's
        assert got == trace_to_dict(run_toy(toy_spec(body)))


MAX_CACHE_MIB = 64  # the server's --max-cache (toys get half of it)
WARMUP, REQUESTS, DEADLINE_S = 2, 14, 240  # bounded: 14 toys of 256 x 512 numbers, within 4 minutes


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def _large_toy(i: int) -> bytes:
    """A distinct toy at the lab's largest: 256 tokens, d_model 512, its own x (~0.7 MB of JSON)."""
    rnd = random.Random(i)
    x = [[round(rnd.uniform(-0.05, 0.05), 2) for _ in range(512)] for _ in range(256)]
    body = {"tokens": [f"w{j}" for j in range(256)], "d_model": 512, "x": x}
    return json.dumps(body, separators=(",", ":")).encode()


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads RSS from /proc (Linux)")
def test_memory_stays_within_max_cache_under_distinct_large_toys():
    """Before the fix each such toy kept ~4.5 MB after eviction (its inputs, remembered for the 410):
    +170 MB over these requests. Now RSS, once the first requests have warmed the process, may grow
    only by what the stores may hold (--max-cache), and the stores say they hold no more than that."""
    cmd = [sys.executable, "-m", "attnlab", "serve", "--port", "0", "--max-cache", f"{MAX_CACHE_MIB}MiB",
           "--threads", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=os.environ.copy())
    try:
        url = proc.stdout.readline().split()[-1].rstrip("/")
        assert url.startswith("http://127.0.0.1:"), url
        deadline, rss = time.monotonic() + DEADLINE_S, []
        with httpx.Client(base_url=url, timeout=120) as c:
            for i in range(REQUESTS):
                assert time.monotonic() < deadline, f"only {i} of {REQUESTS} requests within {DEADLINE_S} s"
                r = c.post("/api/toy/page?lang=en", content=_large_toy(i), headers={"content-type": "application/json"})
                assert r.status_code == 200, r.text[:200]
                rss.append(_rss_mib(proc.pid))
            health = c.get("/api/health").json()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    held = health["toys"]["bytes"] + health["traces"]["bytes"]
    assert held <= health["toys"]["max_bytes"] + health["traces"]["max_bytes"] == MAX_CACHE_MIB * 2**20
    assert health["toys"]["traces"] >= 1 and health["toys"]["remembered"] >= 1  # it did keep and evict
    growth = max(rss[WARMUP:]) - rss[WARMUP - 1]
    print(f"RSS after warm-up {rss[WARMUP - 1]:.0f} MiB, then up to {max(rss[WARMUP:]):.0f} MiB: +{growth:.0f} MiB "
          f"over {REQUESTS - WARMUP} distinct large toys (--max-cache {MAX_CACHE_MIB} MiB)")
    assert growth <= MAX_CACHE_MIB, rss
