"""Where `attnlab text --model smollm2 --truncate` on a long text spends its time and memory.

The issue (#7, item 9): 100,000 characters took 5 minutes and 7.2 GB with nothing shown. This runs
the same steps in one process, each timed, with the peak RSS *during* the step (sampled every 20 ms
from /proc/self/statm by a thread, reset at each step; the captured trace stays in memory, so later
steps include it). Side by side: a layer's mean over heads computed as today (`pattern(layer, None)`:
every head's N x N map at once, then the mean) and head by head (one map at a time, summed), with
the ratio of their peaks; the two means are compared exactly.

    python bench/bench_long_text.py               # 100k characters, truncated to 8192 tokens
    python bench/bench_long_text.py --chars 20000 # shorter
    python bench/bench_long_text.py --figures     # also the three figures `attnlab text` writes (minutes)
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import threading
import time

PAGE = os.sysconf("SC_PAGE_SIZE")


class PeakRss:
    """Peak resident memory since the last reset, sampled by a daemon thread (Linux)."""

    def __init__(self) -> None:
        self.peak = 0
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        while True:
            with open("/proc/self/statm") as f:
                self.peak = max(self.peak, int(f.read().split()[1]) * PAGE)
            time.sleep(0.02)

    def step(self, rows: list, name: str, fn):
        self.peak = 0
        start = time.perf_counter()
        out = fn()
        rows.append((name, time.perf_counter() - start, self.peak / 2**30))
        print(f"{name:<48} {rows[-1][1]:8.1f} s {rows[-1][2]:8.2f} GB", flush=True)
        return out


def long_text(chars: int) -> str:
    """Deterministic prose-like English (about 4.7 characters per SmolLM2 token)."""
    rng = random.Random(0)
    words = ("the attention of a model is a map over tokens where each query row sums to one "
             "and heads differ in what they look at").split()
    out, n = [], 0
    while n < chars:
        out.append(rng.choice(words))
        n += len(out[-1]) + 1
    return " ".join(out)[:chars]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chars", type=int, default=100_000)
    ap.add_argument("--figures", action="store_true")
    args = ap.parse_args()
    import torch

    from attnlab.models import api

    meter, rows = PeakRss(), []
    text = long_text(args.chars)
    lm = meter.step(rows, "load smollm2 (cached copy)", lambda: api.load("smollm2"))
    ids = meter.step(rows, f"tokenize all {args.chars} characters", lambda: lm.tokenizer(text)["input_ids"])
    trace = meter.step(rows, f"run_text ({len(ids)} tokens, truncate=True)",
                       lambda: api.run_text(text, "smollm2", truncate=True))
    meter.step(rows, f"pattern(0, 0): one head [{trace.n_tokens} x {trace.n_tokens}]", lambda: trace.pattern(0, 0))
    at_once = meter.step(rows, "pattern(0, None): all heads at once, mean", lambda: trace.pattern(0, None))

    def head_by_head() -> torch.Tensor:
        acc = trace.weights(0, [0])[0]
        for h in range(1, trace.n_heads):
            acc += trace.weights(0, [h])[0]
        return acc / trace.n_heads

    summed = meter.step(rows, "same mean, head by head (one map at a time)", head_by_head)
    print(f"max |difference| between the two means: {float((summed - at_once).abs().max()):.3g}")
    print(f"peak ratio, all at once / head by head: {rows[-2][2] / rows[-1][2]:.2f}")
    if args.figures:
        import matplotlib

        matplotlib.use("Agg")
        from attnlab.views.heatmap.figures import plot_head
        from attnlab.views.modelview.figures import plot_grid, plot_layer_means

        with tempfile.TemporaryDirectory() as tmp:
            for name, make, dpi in [("plot_head(0, 0)", lambda: plot_head(trace, 0, 0), 110),
                                    ("plot_grid (every layer x head)", lambda: plot_grid(trace), 70),
                                    ("plot_layer_means (every layer)", lambda: plot_layer_means(trace), 110)]:
                meter.step(rows, f"{name} + savefig", lambda make=make, dpi=dpi: make().savefig(
                    os.path.join(tmp, "f.png"), dpi=dpi))


if __name__ == "__main__":
    main()
