"""Streaming row statistics vs materialising the full [head, N, N] softmax, side by side.

One layer of SmolLM2-135M's shape (9 heads, 3 kv heads, d_head 64, causal), random q and k.
Each (method, N) runs in a fresh subprocess so that its peak resident memory (ru_maxrss, minus
the process's peak before the computation) belongs to it alone; time is the best of REPEATS runs.

    python bench/bench_stats.py                       # N = 1024, 2048, 4096 on the CPU
    python bench/bench_stats.py 512 8192              # other sizes
    python bench/bench_stats.py --threads 1           # torch.set_num_threads(1) in both children
    python bench/bench_stats.py --device cuda 8192    # on a GPU: peak = torch.cuda.max_memory_allocated

On a shared CPU, use --threads 1 too: the streaming path runs many small operations, and with two
threads each one waits for the busier core (measured here: 0.02 s alone vs 0.1-0.7 s under load).

A second table (CPU only) times the head census's row sums from the lse (`trace.rows`: entropy, mean
distance and max weight; the lse itself computed beforehand, not timed) on the same q and k by both
paths: torch's ops over `score_tiles`, and the fused numba pass (`trace.fused`, forced at every size).
"""

from __future__ import annotations

import json
import math
import platform
import resource
import subprocess
import sys
import time

HEADS, KV_HEADS, D_HEAD = 9, 3, 64
REPEATS = 5


def full_stats(q, k, scale):
    """The baseline: scores and weights for every (head, q_pos, k_pos), then the statistics."""
    import torch

    from attnlab.rowstats import full_row_stats

    n = q.shape[1]
    scores = scale * q @ k.repeat_interleave(HEADS // KV_HEADS, dim=0).transpose(1, 2)  # [head, N, N]
    scores.masked_fill_(~torch.ones(n, n, dtype=torch.bool, device=q.device).tril(), -math.inf)
    return full_row_stats(scores.softmax(dim=-1))


def one_layer_trace(q, k, scale):
    """A captured-style trace of one causal layer over q [head, n, d] and k [kv_head, n, d] (lse streamed)."""
    import torch

    from attnlab.models.capture import LayerCapture
    from attnlab.models.trace import ModelTrace
    from attnlab.trace import Token

    n = q.shape[1]
    cap = LayerCapture(q=q[None], k=k[None], v=k[None], mask=None, causal=True, scale=scale, module=torch.nn.Identity())
    return ModelTrace(layers=[cap], tokens=tuple(Token(text="x", id=0) for _ in range(n)), model="bench",
                      kind="decoder", n_layers=1, n_heads=q.shape[0], n_kv_heads=k.shape[0], span=(0, n),
                      batch_index=0, prompt_len=None, truncated=0)


def rows_run(method: str, q, k, scale):
    """The row sums from the lse by one path of `trace.rows` (the lse computed here, before timing)."""
    from attnlab.trace import fused, rows

    fused.MIN_CELLS = 0 if method == "rows-fused" else 2**62
    trace = one_layer_trace(q, k, scale)
    trace.lse(0)
    return lambda: rows._row_entropy_distance(trace, 0, 128, 256)


def child(method: str, n: int, device: str, threads: int) -> None:
    """Run one measurement and print it as JSON (called in a subprocess)."""
    import torch

    from attnlab.rowstats import head_row_stats

    if threads:
        torch.set_num_threads(threads)
    g = torch.Generator().manual_seed(0)
    q, k = torch.randn(HEADS, n, D_HEAD, generator=g), torch.randn(KV_HEADS, n, D_HEAD, generator=g)
    q, k = q.to(device), k.to(device)
    cuda = device.startswith("cuda")
    scale = 1 / math.sqrt(D_HEAD)
    if method.startswith("rows"):
        rows_run(method, q[:, :64], k[:, :64], scale)()  # numba's import and kernel, before measuring
        run = rows_run(method, q, k, scale)
    else:

        def run():
            if method == "stream":
                return head_row_stats(q, k, scale=scale, causal=True)
            return full_stats(q, k, scale)

    head_row_stats(q[:, :64], k[:, :64], scale=scale, causal=True)  # load kernels before measuring
    full_stats(q[:, :64], k[:, :64], scale)
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        before = torch.cuda.memory_allocated() / 2**20
    else:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # ru_maxrss is KiB on Linux
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        out = run()
        if cuda:
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    if cuda:
        peak = torch.cuda.max_memory_allocated() / 2**20 - before
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before
    torch.save({name: t.cpu() for name, t in out.items()}, f"/tmp/attnlab-bench-stats-{method}-{n}.pt")
    print(json.dumps({"time": min(times), "peak_mib": peak, "threads": torch.get_num_threads()}))


def measure(method: str, n: int, device: str, threads: int) -> dict:
    cmd = [sys.executable, __file__, "--child", method, str(n), device, str(threads)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def max_difference(n: int, method: str = "stream") -> float:
    """Largest |method - full| over the float statistics it has (mean distance divided by N)."""
    import torch

    a = torch.load(f"/tmp/attnlab-bench-stats-{method}-{n}.pt")
    b = torch.load(f"/tmp/attnlab-bench-stats-full-{n}.pt")
    diffs = [(a[k] - b[k]).abs().max().item() for k in ("max_weight", "entropy", "first_weight") if k in a]
    return max([*diffs, (a["mean_distance"] - b["mean_distance"]).abs().max().item() / n])


def main(sizes: list[int], device: str, threads: int) -> None:
    import torch

    n_threads = threads or torch.get_num_threads()
    print(f"one layer, {HEADS} heads / {KV_HEADS} kv heads, d_head {D_HEAD}, causal; {platform.machine()}, "
          f"torch {torch.__version__}, {n_threads} threads, {device}; best of {REPEATS}")
    print(f"{'N':>6} | {'full s':>8} {'stream s':>9} {'speed-up':>9} | "
          f"{'full MiB':>9} {'stream MiB':>11} {'mem ratio':>10} | max |diff|")
    for n in sizes:
        full, stream = measure("full", n, device, threads), measure("stream", n, device, threads)
        mem_ratio = full["peak_mib"] / max(stream["peak_mib"], 1.0)
        speed_up = full["time"] / stream["time"]
        print(f"{n:>6} | {full['time']:>8.3f} {stream['time']:>9.3f} {speed_up:>8.1f}x | "
              f"{full['peak_mib']:>9.0f} {stream['peak_mib']:>11.0f} {mem_ratio:>9.0f}x | "
              f"{max_difference(n):.1e}")
    if device != "cpu":
        return
    print(f"\nrow sums from the lse (entropy, mean distance, max weight), the same q and k\n"
          f"{'N':>6} | {'torch s':>8} {'fused s':>8} {'fused/torch':>11} | {'torch MiB':>9} {'fused MiB':>9} | "
          f"max |diff| to full: torch, fused")
    for n in sizes:
        t, f = measure("rows-torch", n, device, threads), measure("rows-fused", n, device, threads)
        print(f"{n:>6} | {t['time']:>8.3f} {f['time']:>8.3f} {f['time'] / t['time']:>10.2f}x | "
              f"{t['peak_mib']:>9.0f} {f['peak_mib']:>9.0f} | "
              f"{max_difference(n, 'rows-torch'):.1e}, {max_difference(n, 'rows-fused'):.1e}")


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--child"]:
        child(args[1], int(args[2]), args[3], int(args[4]))
    else:
        options = {"--device": "cpu", "--threads": "0"}  # 0: torch's default thread count
        while args[:1] and args[0] in options:
            options[args[0]], args = args[1], args[2:]
        main([int(a) for a in args] or [1024, 2048, 4096], options["--device"], int(options["--threads"]))
