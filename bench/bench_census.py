"""The head census and the row statistics vs plain SDPA vs eager, SmolLM2-135M on this CPU, side by side.

Every (method, N) runs in its own process. The methods take turns, `--rounds` times over (eager,
sdpa, capture, eager, ...), and every measured part keeps its least CPU time over the rounds (the
parts of one capture run are timed one after the other, so load that comes and goes would otherwise
bias the later ones). One torch thread
(BENCH_THREADS to change): the machine is shared, and one thread's CPU time is what other load
disturbs least; wall time and the load average are recorded too. Methods:

    eager    model body, eager attention, output_attentions=True (every layer's N x N weights)
    sdpa     model body, plain SDPA forward (the baseline)
    capture  attnlab, in parts, on the same forward:
               forward      the body through the capture function (q, k, v and the kernel's row lse kept)
               gathers      prev_token, self, first_token of all 30 x 9 heads (O(N x d_head) per head)
               census_text  all five text scores (the gathers + entropy and mean distance: one tile pass)
               probe        the induction probe (R = 50: a 100-token forward) and its two scores
               stats_old    today's `ModelTrace.row_stats()` (online softmax over tiles, five statistics)
               stats_lse    `trace.rows.lse_row_stats`: entropy, first_weight, mean_distance from the lse
               stats_max    its max_weight and argmax, computed when first asked for (one more pass)
             and, before the warm-up, kernel_load: importing numba and loading the fused row sums' compiled
             kernel (`trace.fused`, used from ~1,400 tokens on), once per process; not in the parts above

All run the transformer body (no LM head), fp32, batch 1, no KV cache.

    python bench/bench_census.py                 # N = 1024 2048, 3 rounds
    python bench/bench_census.py --n 256 --rounds 1
    python bench/bench_census.py --paths --n 2048 --rounds 5

`--paths`: the two paths of the row sums (`trace.rows`: torch's ops, or the fused numba pass of
`trace.fused`) against the plain SDPA forward, all in one process, interleaved: each round runs the plain
forward, the capture forward, and the text census on that trace once per path (memo cleared between,
order alternating); ratios are per round, medians reported. The kernel's load (numba import and the cached
compiled code) is timed once, apart, as a process pays it once.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

TEXT = (
    "Attention lets every token look at every other token and decide how much each one matters. "
    "東京はとても美しい街です。The cat sat on the mat because it was tired, and then it slept. "
)
PARTS = ("forward", "gathers", "census_text", "probe", "stats_old", "stats_lse", "stats_max", "kernel_load")


def _ids(tokenizer, n: int) -> list[int]:
    base = tokenizer(TEXT)["input_ids"]
    return (base * (n // len(base) + 1))[:n]


def _capture_parts(lm, ids: list[int]) -> list[tuple[str, callable]]:
    """The capture method's parts, in order; each reads the trace the forward made."""
    import torch

    from attnlab.analysis.census import _weights_at, probe_scores, text_scores
    from attnlab.models.api import trace_ids
    from attnlab.models.probe import induction_probe
    from attnlab.trace.rows import lse_row_stats

    state: dict = {}

    def forward():
        state["trace"] = trace_ids(lm, [ids])[0]

    def gathers():
        trace = state["trace"]
        q = torch.arange(1, trace.n_tokens)
        for layer in range(trace.n_layers):
            for k in (q - 1, q, torch.zeros_like(q)):
                _weights_at(trace, layer, q, k).mean(-1)

    def probe():
        p = induction_probe("smollm2", 50, 0)
        probe_scores(p.trace, p.length)

    def stats_lse():
        state["lazy"] = lse_row_stats(state["trace"])

    return [
        ("forward", forward),
        ("gathers", gathers),
        ("census_text", lambda: text_scores(state["trace"])),
        ("probe", probe),
        ("stats_old", lambda: state["trace"].row_stats()),
        ("stats_lse", stats_lse),
        ("stats_max", lambda: state["lazy"].max_weight),
    ]


def worker(method: str, n: int) -> dict:
    import torch

    from attnlab.models import api
    from attnlab.models.capture import CAPTURE

    torch.set_num_threads(int(os.environ.get("BENCH_THREADS", "1")))
    lm = api.load("smollm2")  # the process cache: the probe reuses this model
    lm.model.set_attn_implementation({"capture": CAPTURE, "sdpa": "sdpa", "eager": "eager"}[method])
    body = lm.model.base_model

    def run(ids: list[int]) -> dict[str, float]:
        if method == "capture":
            parts = _capture_parts(lm, ids)
        else:
            def fwd():
                with torch.no_grad():
                    body(input_ids=torch.tensor([ids]), use_cache=False, output_attentions=method == "eager")
            parts = [("forward", fwd)]
        times = {}
        for name, fn in parts:
            w, c = time.perf_counter(), time.process_time()
            fn()
            times[f"{name}_wall"], times[f"{name}_cpu"] = time.perf_counter() - w, time.process_time() - c
        return times

    loaded = {}
    if method == "capture":
        from attnlab.trace import fused

        w, c = time.perf_counter(), time.process_time()
        fused._kernel()
        loaded = {"kernel_load_wall": time.perf_counter() - w, "kernel_load_cpu": time.process_time() - c}
    run(_ids(lm.tokenizer, 16))  # warm-up: first-call overheads
    load0 = os.getloadavg()[0]
    times = {**run(_ids(lm.tokenizer, n)), **loaded}
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"method": method, "n": n, **times, "peak_rss_mb": peak, "load": (load0 + os.getloadavg()[0]) / 2}


def spawn(method: str, n: int) -> dict:
    res = subprocess.run([sys.executable, __file__, "--worker", method, "--n", str(n)], capture_output=True, text=True)
    if res.returncode != 0:
        return {"method": method, "n": n, "error": (res.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(res.stdout.strip().splitlines()[-1])


def keep_fastest_parts(best: dict, r: dict) -> None:
    """Each part keeps its least CPU time (and that round's wall time); load: the highest seen."""
    for part in PARTS:
        cpu, wall = f"{part}_cpu", f"{part}_wall"
        if cpu in r and r[cpu] < best[cpu]:
            best[cpu], best[wall] = r[cpu], r[wall]
    best["load"] = max(best["load"], r["load"])


def table(results: list[dict]) -> str:
    by = {(r["method"], r["n"]): r for r in results}
    rows = ["| N | what | CPU s | wall s | vs SDPA forward (CPU) | highest load avg |", "|---|---|---|---|---|---|"]
    for n in sorted({r["n"] for r in results}):
        e, s, c = (by.get((m, n), {"error": "missing"}) for m in ("eager", "sdpa", "capture"))
        if any("error" in r for r in (e, s, c)):
            rows.append(f"| {n:,} | failed: {[r.get('error') for r in (e, s, c)]} | | | | |")
            continue
        base = s["forward_cpu"]

        def line(label, cpu, wall, load, n=n, base=base):
            rows.append(f"| {n:,} | {label} | {cpu:.2f} | {wall:.2f} | {cpu / base:.3f}x | {load:.1f} |")

        line("plain SDPA forward", base, s["forward_wall"], s["load"])
        line("HF eager + output_attentions", e["forward_cpu"], e["forward_wall"], e["load"])
        for part in PARTS:
            line(f"capture: {part}", c[f"{part}_cpu"], c[f"{part}_wall"], c["load"])
        fw = c["forward_cpu"]
        sums = {
            "= capture forward + text census": fw + c["census_text_cpu"],
            "= capture forward + text census + kernel load (once per process)": fw + c["census_text_cpu"]
            + c["kernel_load_cpu"],
            "= capture forward + text census + probe": fw + c["census_text_cpu"] + c["probe_cpu"],
            "= capture forward + gathers only": fw + c["gathers_cpu"],
            "= capture forward + row stats (today's)": fw + c["stats_old_cpu"],
            "= capture forward + row stats from lse (max lazy, not asked)": fw + c["stats_lse_cpu"],
            "= capture forward + row stats from lse, max asked": fw + c["stats_lse_cpu"] + c["stats_max_cpu"],
        }
        for label, cpu in sums.items():
            rows.append(f"| {n:,} | **{label}** | {cpu:.2f} | | **{cpu / base:.3f}x** | |")
    return "\n".join(rows)


def paths(ns: list[int], rounds: int) -> None:
    """The `--paths` comparison (see the module docstring), printed as a markdown table."""
    import statistics

    import torch

    from attnlab.analysis.census import text_scores
    from attnlab.models import api
    from attnlab.models.api import trace_ids
    from attnlab.models.capture import CAPTURE
    from attnlab.trace import fused

    torch.set_num_threads(int(os.environ.get("BENCH_THREADS", "1")))
    lm = api.load("smollm2")
    body, minimum = lm.model.base_model, fused.MIN_CELLS

    def cpu(fn, *args):
        c = time.process_time()
        out = fn(*args)
        return time.process_time() - c, out

    def sdpa(ids):
        lm.model.set_attn_implementation("sdpa")
        with torch.no_grad():
            body(input_ids=torch.tensor([ids]), use_cache=False)

    def capture(ids):
        lm.model.set_attn_implementation(CAPTURE)
        return trace_ids(lm, [ids])[0]

    def census(trace, cells):
        fused.MIN_CELLS = cells
        trace.memo.clear()
        return cpu(text_scores, trace)[0]

    small = _ids(lm.tokenizer, 16)
    sdpa(small)
    census(capture(small), 2**62)  # first-call overheads of the torch path
    load = census(capture(small), 0)  # numba import + the kernel (compiled or from its cache)
    print(f"kernel load, once per process: {load:.2f} s CPU; load average {os.getloadavg()}", file=sys.stderr)
    rows = ["| N | what | CPU s (median) | vs SDPA forward, median of per-round ratios | rounds |",
            "|---|---|---|---|---|"]
    for n in ns:
        ids = _ids(lm.tokenizer, n)
        got: dict[str, list[float]] = {k: [] for k in ("sdpa", "forward", "torch", "fused")}
        for r in range(rounds):
            got["sdpa"].append(cpu(sdpa, ids)[0])
            t, trace = cpu(capture, ids)
            got["forward"].append(t)
            for path in (("torch", "fused") if r % 2 == 0 else ("fused", "torch")):
                got[path].append(census(trace, 2**62 if path == "torch" else 0))
            print(json.dumps({"n": n, "round": r, **{k: v[-1] for k, v in got.items()},
                              "load": os.getloadavg()[0]}), file=sys.stderr)
        base = got["sdpa"]
        lines = [("plain SDPA forward", base, base), ("capture forward", got["forward"], got["forward"]),
                 ("+ text census, torch path", got["torch"], [f + c for f, c in zip(got["forward"], got["torch"])]),
                 ("+ text census, fused path", got["fused"], [f + c for f, c in zip(got["forward"], got["fused"])])]
        for label, part, total in lines:
            ratio = statistics.median(t / b for t, b in zip(total, base))
            rows.append(f"| {n:,} | {label} | {statistics.median(part):.2f} | {ratio:.3f}x | {rounds} |")
    fused.MIN_CELLS = minimum
    print("\n".join(rows))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, nargs="+", default=[1024, 2048])
    ap.add_argument("--rounds", type=int, default=3, help="turns per method and N (least CPU time kept)")
    ap.add_argument("--worker", choices=("eager", "sdpa", "capture"))
    ap.add_argument("--paths", action="store_true", help="the row sums' two paths vs SDPA, in one process")
    args = ap.parse_args()
    if args.paths:
        paths(args.n, args.rounds)
        return
    if args.worker:
        print(json.dumps(worker(args.worker, args.n[0])))
        return
    results = []
    for n in args.n:
        best: dict[str, dict] = {}
        for _ in range(args.rounds):
            for method in ("eager", "sdpa", "capture"):
                r = spawn(method, n)
                print(json.dumps(r), file=sys.stderr)
                if "error" in r or method not in best:
                    best[method] = r
                elif "error" not in best[method]:
                    keep_fastest_parts(best[method], r)
        results.extend(best.values())
    print(table(results))


if __name__ == "__main__":
    main()
