"""Corpus census throughput: documents/s and tokens/s, local and Ray, against the plain forward.

For one model and one document length, in one run:

    plain     the model body with plain SDPA (no capture), over the same batches the corpus run
              makes (`document.plan_batches`): the baseline, what reading the corpus costs anyway
    local     `run_corpus(..., engine="local")`, model already loaded, one torch thread
    ray       `run_corpus(..., engine="ray")` on a local cluster (`--ray-cpus` actors of one CPU
              and one thread each), wall time including the cluster's start and each actor's load
    steady    documents/s between the first and the last part file written (their mtimes), so the
              start (cluster, actors' model loads, the first part) is left out
    parts     one document's cost split: capture forward, census text scores, then the whole
              `document_scores` (its row statistics reuse the census's tile pass), Parquet bytes

One torch thread per worker (BENCH_THREADS to change): on this shared 2-core machine idle OpenMP
threads spin and other sessions' load comes and goes, and one thread per core is what it disturbs least.

Documents: a fixed mixed English / Japanese text, numbered so every document differs, cut to
exactly --tokens tokens (--truncate). The machine is shared: the load average is printed beside
the numbers, and CPU time of this process is given for the in-process parts.

    python bench/bench_corpus.py --model minilm --docs 64 --tokens 128
    python bench/bench_corpus.py --model smollm2 --docs 2 --tokens 2048 --engines local
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

BASE = ("Document {i}: attention lets every token look at every other token and decide how much each one "
        "matters. 東京はとても美しい街です。春には桜が咲き、多くの人が公園を訪れます。The cat sat on the mat "
        "because it was tired, and then it slept for a long time in the warm afternoon sun. ")


def corpus(folder: Path, docs: int, tokens: int) -> Path:
    repeat = tokens // 40 + 2  # the base is ~60 tokens for both bundled tokenizers: enough to cut
    path = folder / "corpus.txt"
    path.write_text("".join(BASE.format(i=i) * repeat + "\n" for i in range(docs)), encoding="utf-8")
    return path


def steady(folder: Path) -> float:
    """Documents/s between the first and the last part file written (each part: the same --part-docs)."""
    from attnlab.corpus.parts import done_parts, read_info

    parts = sorted((p.stat().st_mtime, read_info(p)["stop"] - read_info(p)["start"])
                   for p in done_parts(folder).values())
    if len(parts) < 2:
        return float("nan")
    return sum(n for _, n in parts[1:]) / (parts[-1][0] - parts[0][0])


def timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def plain_forward(lm, path: Path, tokens: int) -> tuple[float, float]:
    """Wall and CPU seconds of the plain SDPA body over the corpus run's batches."""
    import torch

    from attnlab.corpus.document import Options, PartResult, encode_docs, plan_batches
    from attnlab.models.api import pad_batch
    from attnlab.models.capture import CAPTURE

    texts = path.read_text(encoding="utf-8").splitlines()
    docs = encode_docs(lm, texts, 0, Options(tokens, True), PartResult())
    batches = plan_batches(docs, 4096)
    lm.model.set_attn_implementation("sdpa")
    try:
        def run():
            with torch.no_grad():
                for batch in batches:
                    inputs, _ = pad_batch(lm, [d.ids for d in batch])
                    lm.model.base_model(**inputs, use_cache=False)
        _, wall, cpu = timed(run)
    finally:
        lm.model.set_attn_implementation(CAPTURE)
    return wall, cpu


def parts_of_one(lm, path: Path, tokens: int) -> dict[str, float]:
    """CPU seconds of each step of one document's work."""
    from attnlab.analysis.census import text_scores
    from attnlab.corpus.document import Options, PartResult, document_scores, encode_docs
    from attnlab.corpus.parts import part_bytes, part_info, part_table
    from attnlab.models.api import trace_ids

    text = path.read_text(encoding="utf-8").splitlines()[0]
    doc = encode_docs(lm, [text], 0, Options(tokens, True), PartResult())[0]
    out = {}
    traces, _, out["forward (capture)"] = timed(lambda: trace_ids(lm, [doc.ids]))
    trace = traces[0]
    _, _, out["census text scores"] = timed(lambda: text_scores(trace))
    scores, _, out["document_scores, census pass cached"] = timed(lambda: document_scores(trace))
    result = PartResult(docs=[doc], scores=[scores])
    cfg = lm.model.config
    _, _, out["parquet bytes"] = timed(lambda: part_bytes(part_table(result, cfg.num_hidden_layers,
                                                                       cfg.num_attention_heads),
                                                            part_info(0, 0, 1, result)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="minilm")
    ap.add_argument("--docs", type=int, default=64)
    ap.add_argument("--tokens", type=int, default=128)
    ap.add_argument("--engines", nargs="+", default=["local", "ray"])
    ap.add_argument("--ray-cpus", type=int, default=2)
    ap.add_argument("--part-docs", type=int, default=8)
    args = ap.parse_args()
    os.environ.pop("RAY_ADDRESS", None)

    import torch

    from attnlab.corpus.run import run_corpus
    from attnlab.models.api import load

    torch.set_num_threads(int(os.environ.get("BENCH_THREADS", "1")))
    lm, load_s, _ = timed(lambda: load(args.model))
    work = Path(tempfile.mkdtemp(prefix="bench-corpus-"))
    path = corpus(work, args.docs, args.tokens)
    kw = {"max_tokens": args.tokens, "truncate": True, "progress": False, "part_docs": args.part_docs,
          "threads": torch.get_num_threads()}
    print(f"model {args.model} (loaded in {load_s:.1f} s), {args.docs} documents x {args.tokens} tokens, "
          f"torch threads {__import__('torch').get_num_threads()}, load average before {os.getloadavg()[0]:.1f}")
    rows = []
    wall, cpu = plain_forward(lm, path, args.tokens)
    rows.append(("plain SDPA forward (baseline)", wall, cpu, args.docs / wall))
    if "local" in args.engines:
        _, wall, cpu = timed(lambda: run_corpus(path, args.model, work / "local", **kw))
        rows.append(("local, 1 process", wall, cpu, steady(work / "local")))
    if "ray" in args.engines:
        _, wall, _ = timed(lambda: run_corpus(path, args.model, work / "ray", engine="ray", ray_cpus=args.ray_cpus,
                                              **kw))
        rows.append((f"ray, {args.ray_cpus} actors (wall incl. start)", wall, None, steady(work / "ray")))
    base = rows[0][3]
    print("\n| what | wall s | CPU s (this process) | documents/s (wall) | steady documents/s | steady tokens/s "
          "| steady time / plain forward |")
    print("|---|---|---|---|---|---|---|")
    for name, wall, cpu, rate in rows:
        cpu_s = f"{cpu:.1f}" if cpu is not None else "-"
        print(f"| {name} | {wall:.1f} | {cpu_s} | {args.docs / wall:.2f} | {rate:.2f} | {rate * args.tokens:,.0f} | "
              f"{base / rate:.2f}x |")
    print(f"\none document of {args.tokens} tokens, CPU seconds per step:")
    for name, sec in parts_of_one(lm, path, args.tokens).items():
        print(f"  {name:30s} {sec:7.2f}")
    print(f"load average after {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
