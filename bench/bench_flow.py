"""What the information-flow graph (`attnlab flow`) costs against the plain forward it reads, side by side.

Each variant runs in a fresh process (so peaks do not mix) on the same N SmolLM2 tokens; the parent
prints a table and the ratios. Peak memory is the resident set sampled every 10 ms from /proc, minus
what the process held once the model was loaded (so: what the step itself needs).

    plain    the model's own forward (transformers, SDPA, no capture)
    capture  run_text's capture with the residual stream kept (streams=True)
    flow     that capture plus the graph of the last token at each threshold (analysis.flow)

    python bench/bench_flow.py                       # 4,096 tokens, tau 0.04 and 0.1
    python bench/bench_flow.py --tokens 1024 --thresholds 0.02,0.04
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time

PAGE = os.sysconf("SC_PAGE_SIZE")


class PeakRss:
    """Peak resident memory since `reset`, sampled by a daemon thread (Linux)."""

    def __init__(self) -> None:
        self.peak = 0
        threading.Thread(target=self._sample, daemon=True).start()

    @staticmethod
    def now() -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * PAGE

    def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, self.now())
            time.sleep(0.01)

    def reset(self) -> int:
        self.peak = base = self.now()
        return base


def token_ids(lm, n: int) -> list[int]:
    """n ids of deterministic prose-like English."""
    import random

    rng = random.Random(0)
    words = ("the attention of a model is a map over tokens where each query row sums to one and heads "
             "differ in what they look at while the residual stream carries what each token has gathered").split()
    text = " ".join(rng.choice(words) for _ in range(n * 2))
    return lm.tokenizer(text)["input_ids"][:n]


def cpu_seconds() -> float:
    """User + system CPU time of this process so far: steadier than wall time on a shared machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child(variant: str, n: int, thresholds: list[float], threads: int) -> None:
    import torch

    torch.set_num_threads(threads)

    from attnlab.analysis.flow import flow
    from attnlab.models import api

    lm = api.load("smollm2")
    ids = token_ids(lm, n)
    meter = PeakRss()
    time.sleep(0.05)
    base = meter.reset()
    start, cpu = time.perf_counter(), cpu_seconds()
    out = {"variant": variant, "tokens": len(ids)}
    if variant == "plain":
        with torch.no_grad():
            lm.model.base_model(input_ids=torch.tensor([ids]), use_cache=False)
    else:
        trace = api.trace_ids(lm, [ids], streams=True)[0]
        out["trace_gb"] = trace.nbytes / 2**30
        if variant == "flow":
            out["graphs"] = []
            for tau in thresholds:
                t0, c0 = time.perf_counter(), cpu_seconds()
                graph = flow(trace, len(ids) - 1, tau)
                nodes = {(e.layer, e.target) for e in graph.edges if e.kind in ("attention", "attn_residual")}
                out["graphs"].append({"tau": tau, "seconds": time.perf_counter() - t0, "cpu": cpu_seconds() - c0,
                                      "edges": len(graph.edges), "rows": len(nodes)})
    out["seconds"], out["cpu"] = time.perf_counter() - start, cpu_seconds() - cpu
    out["peak_gb"] = (meter.peak - base) / 2**30
    print(json.dumps(out))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokens", type=int, default=4096)
    ap.add_argument("--thresholds", default="0.04,0.1")
    ap.add_argument("--threads", type=int, default=1, help="torch threads per process (1: steadier when shared)")
    ap.add_argument("--child", default=None)
    args = ap.parse_args()
    thresholds = [float(x) for x in args.thresholds.split(",")]
    if args.child:
        child(args.child, args.tokens, thresholds, args.threads)
        return
    print(f"load average before: {os.getloadavg()}", flush=True)
    rows = {}
    for variant in ("plain", "capture", "flow"):
        cmd = [sys.executable, __file__, "--child", variant, "--tokens", str(args.tokens),
               "--thresholds", args.thresholds, "--threads", str(args.threads)]
        rows[variant] = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        r = rows[variant]
        print(f"{'':<8} load average {os.getloadavg()[0]:.1f} (1 min), {os.getloadavg()[1]:.1f} (5 min)")
        print(f"{variant:<8} {r['tokens']} tokens  {r['seconds']:8.1f} s ({r['cpu']:.1f} s CPU)  "
              f"peak +{r['peak_gb']:.2f} GB"
              + (f"  (trace keeps {r['trace_gb']:.2f} GB)" if "trace_gb" in r else ""), flush=True)
        for g in r.get("graphs", []):
            print(f"         tau {g['tau']:<5} graph {g['seconds']:7.1f} s ({g['cpu']:.1f} s CPU), {g['edges']} edges, "
                  f"{g['rows']} rows weighed", flush=True)
    plain = rows["plain"]
    for variant in ("capture", "flow"):
        r = rows[variant]
        print(f"{variant} / plain: time x{r['seconds'] / plain['seconds']:.1f}, CPU x{r['cpu'] / plain['cpu']:.1f}, "
              f"peak memory x{r['peak_gb'] / max(plain['peak_gb'], 1e-9):.1f}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
