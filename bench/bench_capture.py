"""Capture vs plain SDPA vs Hugging Face eager `output_attentions=True`, SmolLM2-135M on this CPU.

Every (method, N) runs in its own process, so peak RSS (ru_maxrss) is clean. Each worker loads the
model, warms up on 16 tokens, then times the work once. The three methods take turns, `--rounds`
times over (eager, sdpa, capture, eager, ...), and each keeps its fastest round: the machine is
shared, and interleaving plus the minimum keeps other load from favouring one method. Methods:

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

    torch.set_num_threads(int(os.environ.get("BENCH_THREADS", "2")))
    lm = load_model("smollm2")
    lm.model.set_attn_implementation({"capture": CAPTURE, "sdpa": "sdpa", "eager": "eager"}[method])
    body = lm.model.base_model

    def run(ids: list[int]) -> dict[str, float]:
        t0 = time.perf_counter()
        if method == "capture":
            trace = trace_ids(lm, [ids])[0]
            t1 = time.perf_counter()
            trace.pattern(15, 4)
            t2 = time.perf_counter()
            trace.row_stats()
            t3 = time.perf_counter()
            return {"total": t3 - t0, "forward": t1 - t0, "head_map": t2 - t1, "row_stats": t3 - t2}
        x = torch.tensor([ids])
        with torch.no_grad():
            out = body(input_ids=x, use_cache=False, output_attentions=method == "eager")
        if method == "eager":
            assert len(out.attentions) == 30 and out.attentions[0].shape[-1] == len(ids)
        return {"total": time.perf_counter() - t0}

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
    rows = [
        "| N | eager + output_attentions | plain SDPA | attnlab capture (forward / + head map / + row stats) "
        "| capture / SDPA | eager / capture | capture RSS / eager RSS |",
        "|---|---|---|---|---|---|---|",
    ]
    by = {(r["method"], r["n"]): r for r in results}
    for n in sorted({r["n"] for r in results}):
        e, s, c = by.get(("eager", n), {}), by.get(("sdpa", n), {}), by.get(("capture", n), {})

        def cell(r: dict) -> str:
            if "error" in r:
                return f"failed: {r['error'][:60]}"
            return f"{r['total']:.2f} s, {r['peak_rss_mb']:,.0f} MB" if r else "-"

        cap = cell(c)
        if c and "error" not in c:
            cap = (f"{c['total']:.2f} s ({c['forward']:.2f} / +{c['head_map']:.3f} / +{c['row_stats']:.2f}), "
                   f"{c['peak_rss_mb']:,.0f} MB")
        ok = all(r and "error" not in r for r in (e, s, c))
        ratios = (
            [f"{c['total'] / s['total']:.2f}x (forward only {c['forward'] / s['total']:.2f}x)",
             f"{e['total'] / c['total']:.2f}x", f"{c['peak_rss_mb'] / e['peak_rss_mb']:.2f}"]
            if ok else ["-", "-", "-"]
        )
        rows.append(f"| {n:,} | {cell(e)} | {cell(s)} | {cap} | " + " | ".join(ratios) + " |")
    return "\n".join(rows)


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
                if "error" in r or method not in best or r["total"] < best[method]["total"]:
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
