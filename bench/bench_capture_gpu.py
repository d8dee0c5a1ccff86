"""GPU check of the capture: SmolLM2-135M's shape (random weights) on CUDA, long inputs.

The bundled model files (98 MB GGUF, 517 MB converted) exceed what can travel to a device
machine, and timing and memory do not depend on the weights' values, so this builds a Llama with
SmolLM2-135M's config (30 layers, 9 heads, 3 kv heads, d_head 64) from random weights.

1. Equivalence (fp32, N = 512): every layer's and head's captured pattern vs eager output_attentions;
   last hidden state capture vs plain SDPA (must be identical).
2. Speed and memory (bf16): plain SDPA forward, capture forward + one head's map + row statistics of
   every layer and head, eager output_attentions (until it runs out of memory), at N = 2,048 ... 32,768.
   Time: CUDA-synchronised wall time, median of 3 after a warm-up; memory: peak allocated.

    PYTHONPATH=src python3 bench/bench_capture_gpu.py [--n 2048 8192 32768] [--device cuda]
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import torch

from attnlab.models.capture import CAPTURE, install, recording

SMOLLM2 = dict(
    vocab_size=49152,
    hidden_size=576,
    intermediate_size=1536,
    num_hidden_layers=30,
    num_attention_heads=9,
    num_key_value_heads=3,
    head_dim=64,
    max_position_embeddings=32768,
    rope_theta=100000.0,
    tie_word_embeddings=True,
)


# row statistics (tile, q_block, fused) tried on the GPU; the first is the one in the capture's total
BLOCKS = [(2048, 2048, True), (2048, 2048, False), (4096, 4096, True)]


def build(device: str, dtype: torch.dtype):
    from transformers import LlamaConfig, LlamaForCausalLM

    install()
    torch.manual_seed(0)
    model = LlamaForCausalLM(LlamaConfig(**SMOLLM2)).to(device=device, dtype=dtype).eval()
    model.set_attn_implementation(CAPTURE)
    return model


def trace_of(model, ids):
    """A ModelTrace over the recorded layers (single unpadded text)."""
    from attnlab.models.trace import ModelTrace
    from attnlab.trace import Token

    with torch.no_grad(), recording() as rec:
        out = model.model(input_ids=ids, use_cache=False)
    layers = rec.ordered()
    trace = ModelTrace(
        layers=layers,
        tokens=tuple(Token(str(i)) for i in range(ids.shape[1])),
        model="smollm2-shape",
        kind="decoder",
        n_layers=len(layers),
        n_heads=9,
        n_kv_heads=3,
        span=(0, ids.shape[1]),
        batch_index=0,
        prompt_len=None,
        truncated=0,
    )
    return trace, out.last_hidden_state


def equivalence(device: str) -> None:
    model = build(device, torch.float32)
    ids = torch.randint(0, 49152, (1, 512), device=device)
    trace, hidden = trace_of(model, ids)
    model.set_attn_implementation("sdpa")
    with torch.no_grad():
        ref_hidden = model.model(input_ids=ids, use_cache=False).last_hidden_state
    model.set_attn_implementation("eager")
    with torch.no_grad():
        eager = model.model(input_ids=ids, use_cache=False, output_attentions=True).attentions
    worst = max(
        (trace.head_weights(layer, list(range(9))) - eager[layer][0].float()).abs().max().item() for layer in range(30)
    )
    print(
        f"equivalence N=512 fp32 on {device}: max |capture - eager| = {worst:.2e}; "
        f"hidden state identical to SDPA: {torch.equal(hidden, ref_hidden)}"
    )


def timed(fn, device: str, repeat: int = 3) -> tuple[float, float]:
    """Median seconds and peak GiB of fn() (after one warm-up)."""
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    fn()
    sync()
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t)
    peak = torch.cuda.max_memory_allocated() / 2**30 if device == "cuda" else float("nan")
    return statistics.median(times), peak


def now(device: str) -> float:
    if device == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter()


def speed(device: str, sizes: list[int]) -> None:
    model = build(device, torch.bfloat16)
    print(f"row statistics (keys x queries, fused): {BLOCKS[0]} in the capture; others alone")
    print("| N | plain SDPA | capture fwd | + head map (peak fwd+map) | + row stats (peak) | capture total "
          "| eager + output_attentions "
          "| row stats, other blocks |")
    print("|---|---|---|---|---|---|---|---|")
    for n in sizes:
        print(one_size(model, device, n), flush=True)


def one_size(model, device: str, n: int) -> str:
    ids = torch.randint(0, 49152, (1, n), device=device)
    parts: dict[str, float] = {}

    def sdpa():
        with torch.no_grad():
            model.model(input_ids=ids, use_cache=False)

    def eager():
        with torch.no_grad():
            model.model(input_ids=ids, use_cache=False, output_attentions=True)

    def capture():
        parts.pop("trace", None)  # drop the previous round's trace first: peak memory of one trace
        reset = torch.cuda.reset_peak_memory_stats if device == "cuda" else (lambda: None)
        peak = (lambda: torch.cuda.max_memory_allocated() / 2**30) if device == "cuda" else (lambda: math.nan)
        reset()
        t0 = now(device)
        trace, _ = trace_of(model, ids)
        t1 = now(device)
        trace.pattern(15, 4)
        t2 = now(device)
        parts["peak_fwd_head"] = peak()
        reset()
        trace.row_stats(tile=BLOCKS[0][0], q_block=BLOCKS[0][1], fused=BLOCKS[0][2])
        t3 = now(device)
        parts.update(fwd=t1 - t0, head=t2 - t1, stats=t3 - t2, peak_stats=peak())
        parts["trace"] = trace

    model.set_attn_implementation("sdpa")
    s = timed(sdpa, device)
    model.set_attn_implementation(CAPTURE)
    c = timed(capture, device)
    trace = parts.pop("trace")
    other = []  # the row statistics with other block sizes (keys x queries), on the same trace
    for tile, q_block, fused in BLOCKS[1:]:
        t, peak = timed(lambda tr=trace, t=tile, qb=q_block, f=fused: tr.row_stats(tile=t, q_block=qb, fused=f),
                        device, 1)
        other.append(f"{tile}x{q_block}{' fused' if fused else ''}: {t * 1e3:.0f} ms, {peak:.1f} GiB")
    trace = None  # free the captured q, k, v before eager needs the memory
    model.set_attn_implementation("eager")
    try:
        e = timed(eager, device, repeat=1)
        e_text = f"{e[0] * 1e3:.0f} ms, {e[1]:.1f} GiB"
    except torch.OutOfMemoryError:
        e_text = "out of memory"
    model.set_attn_implementation(CAPTURE)
    if device == "cuda":
        torch.cuda.empty_cache()
    return (
        f"| {n:,} | {s[0] * 1e3:.0f} ms, {s[1]:.1f} GiB | {parts['fwd'] * 1e3:.0f} ms | "
        f"+{parts['head'] * 1e3:.1f} ms ({parts['peak_fwd_head']:.1f} GiB) | +{parts['stats'] * 1e3:.0f} ms "
        f"({parts['peak_stats']:.1f} GiB) | {c[0] * 1e3:.0f} ms, "
        f"{c[1]:.1f} GiB | {e_text} | {'; '.join(other)} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, nargs="+", default=[2048, 8192, 16384, 32768])
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = ap.parse_args()
    print(
        f"torch {torch.__version__}, device {args.device}"
        + (f" ({torch.cuda.get_device_name()})" if args.device == "cuda" else "")
    )
    equivalence(args.device)
    speed(args.device, args.n)


if __name__ == "__main__":
    main()
