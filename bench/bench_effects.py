"""Head effects vs plain forwards, SmolLM2-135M on this CPU, side by side in one process.

Two parts, each a ratio measured in one run (CPU time of one torch thread, BENCH_THREADS to change;
wall time and the load average are printed too, since the machine may be shared):

  heads  all 30 x 9 heads zero-ablated on N tokens (default 128):
           batched   attnlab's sweep (`models.effects.sweep`: a head of layer L runs layers L..last,
                     many heads per forward), the metric read as `head_effects` reads it
           single    one forward per head: the causal LM's own forward with a plain pre-hook that
                     zeroes the head's slice of o_proj's input, logits only where they are read
         for two targets: "text" (log p of every next token, the default: logits at N - 1 positions)
         and "token" (one token at the last position: one row of logits); the differences between
         the two ways are printed as a check (they must agree to ~1e-5).
  long   DLA + attribution patching (`head_effects(methods=["attribution", "dla"])`: one forward
         and one backward, the trace kept) on about N tokens (default 2048), vs the plain SDPA
         forward of the causal LM (logits everywhere, as the text target needs) and of its body.
         Also the exact ablation's estimate for that length (what the CLI prints first).

    python bench/bench_effects.py                       # both parts, 1 round
    python bench/bench_effects.py --part heads --n 128
"""

from __future__ import annotations

import argparse
import os
import resource
import time

TEXT = (
    "Attention lets every token look at every other token and decide how much each one matters. "
    "The cat sat on the mat because it was tired, and then it slept until the morning came. "
)


def clock(fn) -> tuple[float, float, object]:
    """(cpu s, wall s, result) of fn()."""
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return time.process_time() - c, time.perf_counter() - w, out


def part_heads(lm, n: int) -> list[str]:
    import torch

    from attnlab.models.effects import sites, sweep
    from attnlab.models.intervene import HeadEdit
    from attnlab.models.targets import LogProbs, make_target

    ids = (lm.tokenizer(TEXT)["input_ids"] * (n // 20 + 2))[:n]
    where = sites(lm)
    edits = [HeadEdit(layer, h) for layer in range(where.n_layers) for h in range(where.n_heads)]
    rows = []
    for kind in ("text", "token"):
        if kind == "text":
            tgt = make_target(lm, ids, target=None, position=None, positions=None, lang="en")
        else:
            tgt = make_target(lm, ids, target=" the", position=n, positions=None, lang="en")
        read = torch.tensor(tgt.positions) - 1
        tokens = torch.tensor(tgt.token_ids)
        readout = LogProbs(lm, tgt, ids, loss=kind == "text")
        b_cpu, b_wall, got = clock(lambda readout=readout: sweep(lm, where, ids, edits, readout))
        batched = got["metric"] - got["metric_base"]

        def singles(read=read, tokens=tokens, kind=kind):
            x = torch.tensor([ids])
            keep = len(ids) - int(read.min())  # logits only from the first read position on
            out = []
            with torch.no_grad():
                base = _metric(lm.model(input_ids=x, use_cache=False, logits_to_keep=keep).logits[0], read, tokens, n)
                for e in edits:
                    hook = where.out_modules[e.layer].register_forward_pre_hook(
                        lambda m, a, h=e.head, d=where.d_head: (_zeroed(a[0], h, d),))
                    try:
                        logits = lm.model(input_ids=x, use_cache=False, logits_to_keep=keep).logits[0]
                    finally:
                        hook.remove()
                    out.append(_metric(logits, read, tokens, n) - base)
            return torch.tensor(out)

        s_cpu, s_wall, single = clock(singles)
        worst = float((batched - single).abs().max())
        rows.append(f"| heads | {n} | {kind} | 270 single forwards | {s_cpu:.1f} | {s_wall:.1f} | 1 | |")
        rows.append(f"| heads | {n} | {kind} | **batched sweep** | {b_cpu:.1f} | {b_wall:.1f} | "
                    f"**{b_cpu / s_cpu:.3f}x** | max diff {worst:.1e} |")
    return rows


def _zeroed(x, head: int, d: int):
    x = x.clone()
    x[..., head * d : (head + 1) * d] = 0
    return x


def _metric(logits, read, tokens, n):
    """Mean log p of tokens at read positions; logits hold the last len(logits) positions of n."""
    import torch

    rows = read - (n - logits.shape[0])
    return float(torch.log_softmax(logits[rows].float(), -1).gather(1, tokens[:, None]).mean())


def part_long(lm, n: int) -> list[str]:
    import torch

    from attnlab.analysis.effects import EXACT, head_effects
    from attnlab.models.capture import CAPTURE
    from attnlab.models.effects import forward_equivalents, sites, time_forward

    ids = lm.tokenizer(TEXT * (n // 20 + 2))["input_ids"][:n]
    text = lm.tokenizer.decode(ids)  # exactly n tokens, when it re-encodes to the same ids (checked)
    if lm.tokenizer(text)["input_ids"] != ids:
        raise SystemExit(f"the {n}-token cut does not re-encode to itself; try another --n")
    x = torch.tensor([ids])
    lm.model.set_attn_implementation("sdpa")
    try:
        with torch.no_grad():
            full_cpu, full_wall, _ = clock(lambda: lm.model(input_ids=x, use_cache=False))
            body_cpu, body_wall, _ = clock(lambda: lm.model.base_model(input_ids=x, use_cache=False))
    finally:
        lm.model.set_attn_implementation(CAPTURE)
    e_cpu, e_wall, result = clock(lambda: head_effects(text, "smollm2", methods=["attribution", "dla"]))
    where = sites(lm)
    one = time_forward(lm, ids)
    estimate = one * forward_equivalents(lm, where, [layer for layer in range(where.n_layers)
                                                     for _ in range(where.n_heads)])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    m = len(ids)
    return [
        f"| long | {m} | text | plain SDPA forward, causal LM (logits everywhere) | {full_cpu:.1f} | "
        f"{full_wall:.1f} | 1 | |",
        f"| long | {m} | text | plain SDPA forward, body only | {body_cpu:.1f} | {body_wall:.1f} | "
        f"{body_cpu / full_cpu:.3f}x | |",
        f"| long | {m} | text | **DLA + attribution (head_effects)** | {e_cpu:.1f} | {e_wall:.1f} | "
        f"**{e_cpu / full_cpu:.3f}x** (vs body {e_cpu / body_cpu:.2f}x) | peak RSS {peak:.0f} MB, "
        f"{result.runtime_s:.1f} s inside |",
        f"| long | {m} | text | exact ablation, estimated ({', '.join(EXACT[:2])} each) | | {estimate:.0f} | | "
        f"one forward {one:.2f} s |",
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--part", choices=("heads", "long", "both"), default="both")
    ap.add_argument("--n", type=int, default=None, help="tokens (heads: 128, long: 2048)")
    args = ap.parse_args()
    import torch

    from attnlab.models.api import load

    torch.set_num_threads(int(os.environ.get("BENCH_THREADS", "1")))
    lm = load("smollm2")
    load_before = os.getloadavg()
    rows = ["| part | N | target | what | CPU s | wall s | vs baseline (CPU) | note |",
            "|---|---|---|---|---|---|---|---|"]
    if args.part in ("heads", "both"):
        rows += part_heads(lm, args.n or 128)
    if args.part in ("long", "both"):
        rows += part_long(lm, args.n or 2048)
    load_after = os.getloadavg()
    print("\n".join(rows))
    print(f"\nload average (1 min) before {load_before[0]:.2f}, after {load_after[0]:.2f}; "
          f"torch threads {torch.get_num_threads()}; {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
