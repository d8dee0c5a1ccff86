"""What capturing every decoding step costs against a plain `generate`, side by side (SmolLM2, greedy).

Each variant runs in a fresh process on the same prompt and the same number of new tokens; the parent
prints a table and the ratios. Peak memory is the resident set sampled every 10 ms from /proc, minus
what the process held once the model was loaded (so: what the generation itself needs).

    plain    transformers' generate (greedy, KV cache, plain SDPA), as `models.generate.greedy_continue`
    steps    attnlab.generate: every step's row in every layer and head kept, top-5 probabilities per step
    lens     the same with the logit lens (30 layers unembedded per step)

    python bench/bench_generate.py                 # 1,024 new tokens
    python bench/bench_generate.py --tokens 256 --lens
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from bench_flow import PeakRss, cpu_seconds

PROMPT = "Once upon a time, in a small village by the sea, there lived"


def child(variant: str, n: int, threads: int) -> None:
    import torch

    from attnlab.models import api
    from attnlab.models.generate import greedy_continue

    torch.set_num_threads(threads)
    lm = api.load("smollm2")
    ids = api.encode(lm, PROMPT).ids
    greedy_continue(lm, ids, 2)  # warm up both paths' first-call costs
    meter = PeakRss()
    time.sleep(0.05)
    base = meter.reset()
    start, cpu = time.perf_counter(), cpu_seconds()
    if variant == "plain":
        out = greedy_continue(lm, ids, n)
        new, extra = len(out) - len(ids), {}
    else:
        gen = api.generate(PROMPT, "smollm2", n, lens=variant == "lens")
        new, extra = len(gen.steps), {"trace_gb": gen.trace.nbytes / 2**30}
    print(json.dumps({"variant": variant, "new": new, "seconds": time.perf_counter() - start,
                      "cpu": cpu_seconds() - cpu,
                      "peak_gb": (meter.peak - base) / 2**30, **extra}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokens", type=int, default=1024)
    ap.add_argument("--lens", action="store_true", help="also the logit-lens variant (slower)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads per process (1: steadier when shared)")
    ap.add_argument("--child", default=None)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.tokens, args.threads)
        return
    print(f"load average before: {os.getloadavg()}", flush=True)
    rows = {}
    for variant in ("plain", "steps", *(("lens",) if args.lens else ())):
        cmd = [sys.executable, __file__, "--child", variant, "--tokens", str(args.tokens), "--threads",
               str(args.threads)]
        rows[variant] = r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        print(f"{'':<6} load average {os.getloadavg()[0]:.1f} (1 min), {os.getloadavg()[1]:.1f} (5 min)")
        print(f"{variant:<6} {r['new']} new tokens  {r['seconds']:8.1f} s ({r['cpu']:.1f} s CPU)  "
              f"peak +{r['peak_gb']:.3f} GB"
              + (f"  (trace keeps {r['trace_gb']:.3f} GB)" if "trace_gb" in r else ""), flush=True)
    plain = rows["plain"]
    for variant in rows.keys() - {"plain"}:
        r = rows[variant]
        ratio = r["peak_gb"] / max(plain["peak_gb"], 1e-9)
        print(f"{variant} / plain: time x{r['seconds'] / plain['seconds']:.2f}, CPU x{r['cpu'] / plain['cpu']:.2f}, "
              f"peak memory +{r['peak_gb'] - plain['peak_gb']:.3f} GB (x{ratio:.1f})")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
