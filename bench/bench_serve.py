"""The web app's numbers, each beside a baseline measured in the same run, as ratios.

1. toy   Edit-to-repaint in Chromium: from an edit's input event in the playground (a seed, a cell of
         x, a token, the temperature) to the frame that shows the recomputed views. Baseline: the
         static route, done as fast as it can be in-process: render the page file again
         (`render_page`) and load it in the same browser, to its first drawn frame.
2. zoom  SmolLM2 at 8,192 tokens: one 256 x 256 tile and a head's pooled overview (max and mean),
         from q, k and the row log-sum-exp, in-process and over HTTP. Baseline: the dense way, one
         head's full softmax map (`trace.pattern`), then slicing or pooling it. Also the memory a
         trace holds against the N x N maps of all its heads.
3. load  A bounded load test on loopback: 50 concurrent /api/toy clients for 20 s plus 4 concurrent
         /api/text clients (MiniLM, a new text each time, so each is a capture), against a server in
         its own process. p50/p95 latency, errors (503s from the full model queue are counted apart:
         they are the documented answer), peak RSS of the server. Baseline: the same toy calls
         in-process, one at a time (run_toy + trace_to_dict).

Run: PYTHONPATH=src python bench/bench_serve.py [toy] [zoom] [load]   (default: all three)
The machine is small (2 cores) and shared: numbers vary between runs; compare the ratios.
"""

from __future__ import annotations

import asyncio
import os
import re
import resource
import socket
import subprocess
import sys
import threading
import time

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))] if s else float("nan")


def wait_js(page, expr: str, timeout_s: float = 30) -> None:
    """Poll a JS expression until true (page.wait_for_function evaluates strings: the app's CSP forbids it)."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expr):
        if time.monotonic() > deadline:
            raise TimeoutError(expr)
        time.sleep(0.005)


def row(*cells) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def start_server(config):
    """uvicorn in a thread on a free loopback port; (url, state, stop)."""
    import uvicorn

    from attnlab.server import create_app

    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    app = create_app(config)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)

    def stop():
        server.should_exit = True
        thread.join(10)

    return f"http://127.0.0.1:{sock.getsockname()[1]}", app.fastapi.state.attnlab, stop


# 1. toy ---------------------------------------------------------------------------------------

TOY_CASES = [  # (name, the playground's address: its controls are filled from it)
    ("tutorial 3 tokens, d_model 4", "tokens=Tokyo%20is%20beautiful"),
    ("step 3: 9 tokens, d_model 16, 4 heads", "tokens=Tokyo%20is%20a%20beautiful%20city%20with%20many%20old%20temples"
     "&d_model=16&heads=4"),
    ("64 tokens, d_model 32, 4 heads", "tokens=" + "%20".join(f"w{i}" for i in range(64)) + "&d_model=32&heads=4"),
]


def edit_plan(page, i: int):
    """The i-th edit: seed, a cell of x, a token, the temperature, in turn (each triggers one repaint)."""
    kind = i % 4
    if kind == 0:
        page.fill("[data-testid=toy-seed]", str(100 + i))
    elif kind == 1:
        page.fill("input.xcell[data-i='0'][data-j='1']", f"{0.1 * (i % 9):.1f}")
    elif kind == 2:
        value = page.input_value("[data-testid=toy-tokens]")
        first, *rest = value.split(" ")
        page.fill("[data-testid=toy-tokens]", " ".join([first + "x" if len(first) < 12 else first[:3], *rest]))
    else:
        page.fill("[data-testid=toy-temperature]", f"{0.5 + 0.1 * (i % 10):.1f}")
    return kind


def bench_toy(n_edits: int = 40) -> list[str]:
    """Both thread settings, side by side: torch's default first, then --threads 1 (process-wide)."""
    import torch

    default = torch.get_num_threads()
    lines = [row("torch threads", "case", "edits", "app p50 ms", "app p95 ms", "app max ms", "page reload p50 ms",
                 "p95 ms", "p95 ratio app / reload"), row(*["---"] * 9)]
    for threads in (default, 1):
        lines += [row(threads, *cells) for cells in bench_toy_threads(threads, n_edits)]
    return lines


def bench_toy_threads(threads: int, n_edits: int) -> list[list]:
    from playwright.sync_api import sync_playwright

    from attnlab.html import render_page
    from attnlab.server import ServeConfig
    from attnlab.toy import run_toy
    from attnlab.toy.options import toy_spec

    url, _, stop = start_server(ServeConfig(port=0, threads=threads))
    lines = []
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = b.new_page(viewport={"width": 1400, "height": 1000})
            for name, query in TOY_CASES:
                page.goto(f"{url}/?lang=en&{query}")
                wait_js(page, "window.__attnlabApp && window.__attnlabApp.edits.length >= 1")
                for i in range(n_edits + 4):  # 4 warm-up edits, not counted
                    before = page.evaluate("window.__attnlabApp.edits.length")
                    edit_plan(page, i)
                    wait_js(page, f"window.__attnlabApp.edits.length > {before}")
                    page.wait_for_timeout(30)
                ms = [e["ms"] for e in page.evaluate("window.__attnlabApp.edits")][-n_edits:]
                # baseline: the same spec, page file rendered again and loaded to its first frame
                spec_opts = page.evaluate("window.__attnlabApp.screen.state()")
                reload_ms = []
                ref = b.new_page(viewport={"width": 1400, "height": 1000})
                for i in range(12):
                    t0 = time.perf_counter()
                    html = render_page(run_toy(toy_spec({**spec_opts, "seed": 500 + i})), lang="en")
                    ref.set_content(html)
                    ref.wait_for_selector("body[data-ready]", state="attached")
                    reload_ms.append((time.perf_counter() - t0) * 1000)
                ref.close()
                reload_ms = reload_ms[2:]
                lines.append([name, len(ms), f"{pct(ms, 50):.0f}", f"{pct(ms, 95):.0f}", f"{max(ms):.0f}",
                              f"{pct(reload_ms, 50):.0f}", f"{pct(reload_ms, 95):.0f}",
                              f"{pct(ms, 95) / pct(reload_ms, 95):.2f}"])
            b.close()
    finally:
        stop()
    return lines


# 2. zoom --------------------------------------------------------------------------------------

def long_text() -> str:
    words = ("the temples of kyoto are old and tokyo is a beautiful city where many people live and work while "
             "trains run under the streets every few minutes").split()
    return " ".join(f"{words[i % len(words)]}{'.' if i % 17 == 16 else ''}" for i in range(12000))


def timed(fn, *args, repeat: int = 1, **kw):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(*args, **kw)
        best = min(best, time.perf_counter() - t0)
    return best, out


def bench_zoom(n_tokens: int = 8192) -> list[str]:
    import httpx
    import torch

    from attnlab.models.api import load, run_text
    from attnlab.server import ServeConfig
    from attnlab.trace.pool import pool_block

    lm = load("smollm2")
    ids = lm.tokenizer(long_text())["input_ids"][:n_tokens]
    text = lm.tokenizer.decode(ids)
    t_cap, trace = timed(run_text, text, "smollm2", truncate=True)
    n = trace.n_tokens
    default = torch.get_num_threads()
    heads = [(3, 2), (15, 4), (29, 8)]
    out = [f"SmolLM2-135M, {n} tokens, fp32 on CPU; capture (forward + q/k/v kept, {default} threads) {t_cap:.1f} s",
           "", row("torch threads", "layer/head", "lse from the trace, first call s", "tile 256x256 ms",
                   "overview max 512 s", "overview mean 512 s", "dense pattern() s", "dense tile ratio",
                   "dense overview ratio", "max |tile - pattern|"),
           row(*["---"] * 10)]
    for threads in (default, 1):  # process-wide, as `attnlab serve --threads` sets it
        torch.set_num_threads(threads)
        for layer, head in heads:
            t_lse, _ = timed(trace.lse, layer)
            mid = n // 2
            t_tile, (w, _) = timed(trace.tile, layer, head, (mid, mid + 256), (mid - 256, mid), repeat=5)
            t_max, pooled = timed(trace.pooled, layer, head, -(-n // 512), mode="max")
            t_mean, _ = timed(trace.pooled, layer, head, -(-n // 512), mode="mean")
            t_dense, dense = timed(trace.pattern, layer, head)
            err = float((w - dense[mid : mid + 256, mid - 256 : mid]).abs().max())
            t_pool, ref = timed(pool_block, dense, -(-n // 512), "max")
            assert float((pooled - ref).abs().max()) < 1e-5
            del dense, ref
            out.append(row(threads, f"{layer}/{head}", f"{t_lse:.2f}", f"{t_tile * 1000:.1f}", f"{t_max:.2f}",
                           f"{t_mean:.2f}", f"{t_dense:.2f}", f"{t_tile / t_dense:.4f}",
                           f"{t_max / (t_dense + t_pool):.2f}", f"{err:.1e}"))
    # over HTTP on loopback: the same trace kept by a running server
    url, srv, stop = start_server(ServeConfig(port=0, threads=1))
    try:
        entry = srv.texts.put("text", {"text": text, "model": "smollm2", "generate": 0, "truncate": True}, trace)
        api = f"{url}/api/traces/{entry.id}"
        with httpx.Client(timeout=120) as c:
            layer, head = 20, 5
            t0 = time.perf_counter()
            r = c.get(f"{api}/overview", params={"layer": layer, "head": head, "size": 512})
            t_over_cold = time.perf_counter() - t0
            assert r.status_code == 200, r.text
            t0 = time.perf_counter()
            c.get(f"{api}/overview", params={"layer": layer, "head": head, "size": 512, "mode": "mean"})
            t_over_warm = time.perf_counter() - t0
            tile_ms = []
            for ty in range(10, 30):
                t0 = time.perf_counter()
                r = c.get(f"{api}/tile", params={"layer": layer, "head": head, "z": 0, "ty": ty, "tx": ty - 1})
                tile_ms.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200 and len(r.content) == 2 * 256 * 256 * 4
    finally:
        stop()
    dense_all = trace.n_layers * trace.n_heads * n * n * 4
    out += ["", row("over HTTP (loopback), server --threads 1", "value"), row("---", "---"),
            row(f"overview (layer {layer}, head {head}), max-pool, first request, s", f"{t_over_cold:.2f}"),
            row("overview again (mean-pool), s", f"{t_over_warm:.2f}"),
            row("tile 256x256 weights + scores, p50 / p95 ms", f"{pct(tile_ms, 50):.1f} / {pct(tile_ms, 95):.1f}"),
            row("trace memory (q, k, v and lse of 30 layers, its memo included), GiB", f"{trace.nbytes / 2**30:.2f}"),
            row("every head's N x N map in fp32 would be, GiB", f"{dense_all / 2**30:.0f}"),
            row("peak RSS of this process, GiB", f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f}")]
    return out


# 3. load --------------------------------------------------------------------------------------

def toy_body(k: int) -> dict:
    """The k-th toy request of the load test: 3 to 14 tokens, d_model 8, 1 or 2 heads."""
    return {"tokens": " ".join(f"w{j}" for j in range(3 + k % 12)), "d_model": 8, "heads": 1 + (k % 2), "seed": k}


async def load_clients(url: str, seconds: float, n_toy: int, n_text: int) -> dict:
    import httpx

    stats = {"toy": [], "text": [], "errors": [], "busy": 0}
    stop_at = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=n_toy + n_text + 4)

    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as c:
        async def toy_client(i: int) -> None:
            k = 0
            while time.monotonic() < stop_at:
                body = toy_body(i * 1000 + k)
                t0 = time.perf_counter()
                r = await c.post("/api/toy", json=body)
                if r.status_code == 200:
                    stats["toy"].append((time.perf_counter() - t0) * 1000)
                else:
                    stats["errors"].append(f"toy {r.status_code} {r.text[:80]}")
                k += 1

        async def text_client(i: int) -> None:
            k = 0
            while time.monotonic() < stop_at:
                body = {"text": f"Client {i} asks question number {k}: is Tokyo beautiful?", "model": "minilm"}
                t0 = time.perf_counter()
                r = await c.post("/api/text", json=body)
                if r.status_code == 200:
                    stats["text"].append((time.perf_counter() - t0) * 1000)
                elif r.status_code == 503:
                    stats["busy"] += 1
                    await asyncio.sleep(float(r.headers.get("retry-after", "1")))
                else:
                    stats["errors"].append(f"text {r.status_code} {r.text[:80]}")
                k += 1

        await asyncio.gather(*(toy_client(i) for i in range(n_toy)), *(text_client(i) for i in range(n_text)))
    return stats


def bench_load(seconds: float = 20, n_toy: int = 50, n_text: int = 4, threads: int = 1) -> list[str]:
    from attnlab.export import trace_to_dict
    from attnlab.toy import run_toy
    from attnlab.toy.options import toy_spec

    proc = subprocess.Popen([sys.executable, "-m", "attnlab", "serve", "--port", "0", "--threads", str(threads)],
                            stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        url = re.search(r"(http://127\.0\.0\.1:\d+)/", proc.stdout.readline()).group(1)
        import httpx

        httpx.post(f"{url}/api/text", json={"text": "warm up", "model": "minilm"}, timeout=120)  # model loaded once
        single = []
        with httpx.Client(base_url=url, timeout=60) as c:  # one client, one request at a time: the HTTP path's cost
            for k in range(200):
                t = time.perf_counter()
                c.post("/api/toy", json=toy_body(k))
                single.append((time.perf_counter() - t) * 1000)
        t0 = time.perf_counter()
        stats = asyncio.run(load_clients(url, seconds, n_toy, n_text))
        wall = time.perf_counter() - t0
        status = open(f"/proc/{proc.pid}/status").read()
        peak = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 2**20
    finally:
        proc.terminate()
        proc.wait(20)
    import torch

    torch.set_num_threads(threads)  # as the server runs
    base = []
    for k in range(300):  # the same toy computations, in-process, one at a time
        t = time.perf_counter()
        trace_to_dict(run_toy(toy_spec(toy_body(k))))
        base.append((time.perf_counter() - t) * 1000)
    toy, text = stats["toy"], stats["text"]
    return [f"{n_toy} toy clients + {n_text} text clients (MiniLM, a new text each: a capture each), {seconds:.0f} s, "
            f"server in its own process (--threads {threads}); the clients run on the same 2 cores",
            "", row("requests", "done", "per s", "p50 ms", "p95 ms", "max ms", "errors", "503 (queue full)"),
            row(*["---"] * 8),
            row("POST /api/toy", len(toy), f"{len(toy) / wall:.0f}", f"{pct(toy, 50):.0f}", f"{pct(toy, 95):.0f}",
                f"{max(toy):.0f}", len([e for e in stats["errors"] if e.startswith("toy")]), 0),
            row("POST /api/text", len(text), f"{len(text) / wall:.1f}", f"{pct(text, 50):.0f}", f"{pct(text, 95):.0f}",
                f"{max(text) if text else 0:.0f}", len([e for e in stats["errors"] if e.startswith("text")]),
                stats["busy"]),
            row("POST /api/toy, 1 client, one at a time (no load)", len(single), "", f"{pct(single, 50):.1f}",
                f"{pct(single, 95):.1f}", f"{max(single):.0f}", "", ""),
            row(f"in-process toy, one at a time, {threads} thread(s) (baseline)", len(base), "", f"{pct(base, 50):.1f}",
                f"{pct(base, 95):.1f}", f"{max(base):.0f}", "", ""),
            "", f"server peak RSS {peak:.2f} GiB; one request over HTTP / in-process (p50): "
            f"{pct(single, 50) / pct(base, 50):.1f}x; under load (50 + 4 clients) / in-process (p50): "
            f"{pct(toy, 50) / pct(base, 50):.0f}x (queueing: 50 requests in flight on 2 cores); "
            f"errors: {stats['errors'][:3] or 'none'}"]


def main(argv: list[str]) -> None:
    import torch

    parts = argv or ["toy", "zoom", "load"]
    default = torch.get_num_threads()  # each part starts from torch's default (a part may change it)
    print(f"# bench_serve ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs, shared machine)\n")
    for part in parts:
        torch.set_num_threads(default)
        print(f"## {part}\n")
        print("\n".join({"toy": bench_toy, "zoom": bench_zoom, "load": bench_load}[part]()), "\n", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
