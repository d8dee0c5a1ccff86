"""Capture vs plain SDPA vs Hugging Face eager `output_attentions=True`, SmolLM2-135M on this CPU.

Every (method, N) runs in its own process, so peak RSS (ru_maxrss) is clean. Each worker loads the
model, warms up on 16 tokens, then times the work once, in wall and CPU seconds. The methods take
turns, `--rounds` times over (eager, sdpa, capture, eager, ...), and each keeps its round with the
least CPU time. Torch runs on one thread (BENCH_THREADS to change): the machine is shared by other
jobs, and one thread's CPU time is what such load disturbs least (wall time is shown too). Methods:

    eager    model body in eager attention with output_attentions=True (every layer's N x N weights)
    sdpa     model body, plain SDPA forward (the baseline: no attention returned)
    capture  attnlab: body forward through the capture function (q/k/v kept per layer)
             + one head's full map (layer 15, head 4) + row statistics of every layer and head

All three run the transformer body (`model.base_model`, no LM head), fp32, batch 1, no KV cache.
Also measured: smollm2's cold load (GGUF conversion into an empty cache) and warm load (cached copy).

    python bench/bench_capture.py                 # N = 256 1024 2048, prints the table
    python bench/bench_capture.py --n 256 --rounds 1
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

TEXT = (
    "Attention lets every token look at every other token and decide how much each one matters. "
    "東京はとても美しい街です。The cat sat on the mat because it was tired, and then it slept. "
)


def _ids(tokenizer, n: int) -> list[int]:
    base = tokenizer(TEXT)["input_ids"]
    return (base * (n // len(base) + 1))[:n]


def worker(method: str, n: int) -> dict:
    import torch

    from attnlab.models.api import trace_ids
    from attnlab.models.capture import CAPTURE
    from attnlab.models.loading import load_model

    torch.set_num_threads(int(os.environ.get("BENCH_THREADS", "1")))
    lm = load_model("smollm2")
    lm.model.set_attn_implementation({"capture": CAPTURE, "sdpa": "sdpa", "eager": "eager"}[method])
    body = lm.model.base_model

    def run(ids: list[int]) -> dict[str, float]:
        """Wall and CPU seconds of each part (CPU: this process, all threads)."""
        marks = [(time.perf_counter(), time.process_time())]
        if method == "capture":
            trace = trace_ids(lm, [ids])[0]
            marks.append((time.perf_counter(), time.process_time()))
            trace.pattern(15, 4)
            marks.append((time.perf_counter(), time.process_time()))
            trace.row_stats()
            marks.append((time.perf_counter(), time.process_time()))
        else:
            with torch.no_grad():
                out = body(input_ids=torch.tensor([ids]), use_cache=False, output_attentions=method == "eager")
            if method == "eager":
                assert len(out.attentions) == 30 and out.attentions[0].shape[-1] == len(ids)
            marks.append((time.perf_counter(), time.process_time()))
        parts = ["forward", "head_map", "row_stats"][: len(marks) - 1]
        times = {"wall": marks[-1][0] - marks[0][0], "cpu": marks[-1][1] - marks[0][1]}
        for name, a, b in zip(parts, marks, marks[1:]):
            times[f"{name}_wall"], times[f"{name}_cpu"] = b[0] - a[0], b[1] - a[1]
        return times

    run(_ids(lm.tokenizer, 16))  # warm-up: first-call overheads, tiny memory
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    ids = _ids(lm.tokenizer, n)
    times = run(ids)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"method": method, "n": n, **times, "peak_rss_mb": peak / 1024, "rss_loaded_mb": rss_before / 1024}


def load_times() -> dict:
    """Cold: an empty cache (the GGUF is converted); warm: the cached copy. Each in a fresh process."""
    code = (
        "import time; t=time.perf_counter(); from attnlab.models.loading import load_model; "
        "load_model('smollm2'); print(time.perf_counter()-t)"
    )
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "ATTNLAB_CACHE": cache}
        for label in ("cold", "warm"):
            t0 = time.perf_counter()
            res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
            out[label] = {"load_s": float(res.stdout.strip().splitlines()[-1]), "process_s": time.perf_counter() - t0}
    return out


def spawn(method: str, n: int) -> dict:
    cmd = [sys.executable, __file__, "--worker", method, "--n", str(n)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        return {"method": method, "n": n, "error": res.stderr.strip().splitlines()[-1]}
    return json.loads(res.stdout.strip().splitlines()[-1])


def table(results: list[dict]) -> str:
    """One row per N and method (capture split into its parts), then the ratios the targets name."""
    rows = [
        "| N | method | wall s | CPU s | peak RSS MB | CPU vs SDPA |",
        "|---|---|---|---|---|---|",
    ]
    by = {(r["method"], r["n"]): r for r in results}
    ratios = ["", "| N | capture / SDPA (CPU) | capture forward only / SDPA | eager / capture (CPU) "
              "| eager / capture forward | capture RSS / eager RSS |", "|---|---|---|---|---|---|"]
    for n in sorted({r["n"] for r in results}):
        e, s, c = (by.get((m, n), {"error": "missing"}) for m in ("eager", "sdpa", "capture"))
        for label, r in (("HF eager + output_attentions", e), ("plain SDPA forward", s), ("attnlab capture", c)):
            if "error" in r:
                rows.append(f"| {n:,} | {label} | failed: {r['error'][:70]} | | | |")
                continue
            rel = f"{r['cpu'] / s['cpu']:.2f}x" if "error" not in s else "-"
            rows.append(f"| {n:,} | {label} | {r['wall']:.2f} | {r['cpu']:.2f} | {r['peak_rss_mb']:,.0f} | {rel} |")
            if label == "attnlab capture":
                for part in ("forward", "head_map", "row_stats"):
                    rows.append(f"| | &nbsp;&nbsp;of which {part.replace('_', ' ')} | {r[part + '_wall']:.3f} "
                                f"| {r[part + '_cpu']:.3f} | | |")
        if not any("error" in r for r in (e, s, c)):
            ratios.append(
                f"| {n:,} | {c['cpu'] / s['cpu']:.2f}x | {c['forward_cpu'] / s['cpu']:.2f}x "
                f"| {e['cpu'] / c['cpu']:.2f}x | {e['cpu'] / c['forward_cpu']:.2f}x "
                f"| {c['peak_rss_mb'] / e['peak_rss_mb']:.2f} |"
            )
    return "\n".join(rows + ratios)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, nargs="+", default=[256, 1024, 2048])
    ap.add_argument("--rounds", type=int, default=3, help="turns per method and N (fastest kept)")
    ap.add_argument("--worker", choices=("eager", "sdpa", "capture"))
    ap.add_argument("--no-load", action="store_true", help="skip the cold/warm load measurement")
    args = ap.parse_args()
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
                if "error" in r or method not in best or r["cpu"] < best[method]["cpu"]:
                    best[method] = r
        results.extend(best.values())
    print(table(results))
    if not args.no_load:
        lt = load_times()
        print(f"\nsmollm2 load: cold (GGUF conversion) {lt['cold']['load_s']:.1f} s "
              f"(process {lt['cold']['process_s']:.1f} s); warm (cached copy) {lt['warm']['load_s']:.2f} s "
              f"(process {lt['warm']['process_s']:.1f} s)")


if __name__ == "__main__":
    main()
