"""A short, bounded load on loopback: concurrent toy clients get only correct answers (no error, no
mixed-up answer). The long run with latencies and peak RSS is bench/bench_serve.py's `load`."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx

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
