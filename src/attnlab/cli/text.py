"""`attnlab text "..." --model minilm|smollm2|PATH`: a real model's attention on real text.

Prints, for each token, the tokens the chosen head attends to most; writes the head's heatmap, a
layer x head grid and the head mean per layer into --out. `--format json` prints
{model, tokens, n_layers, n_heads, n_kv_heads, layer, head, weights} (weights: [q_pos][k_pos]).
`step4` is the tutorial's step 4 for `attnlab demo`: its sentence through minilm, with figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
import warnings
from pathlib import Path
from typing import Any, TextIO

from . import CliError


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "text",
        help="a real model's attention on your text",
        description="Run a real model on TEXT and show where each token's attention goes.",
    )
    p.add_argument("text", help="the sentence (any language the model's tokenizer knows)")
    p.add_argument("--model", default="minilm", help="minilm (default), smollm2, a model folder or a hub id")
    p.add_argument("--layer", type=int, default=0, help="layer to show (default 0)")
    p.add_argument("--head", type=int, default=0, help="head to show (default 0)")
    p.add_argument("--top", type=int, default=3, help="attended tokens listed per token (default 3)")
    p.add_argument("--out", type=Path, default=None, help="folder for the figures (default attnlab-out)")
    p.add_argument("--format", choices=("text", "json"), default="text", help="json: the head's weights")
    p.add_argument("--truncate", action="store_true", help="cut text longer than the model accepts")
    p.add_argument("--generate", type=int, default=0, metavar="N", help="decoders: greedily add N tokens")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from ..models.api import CaptureFallbackWarning, run_text

    if args.top < 1:
        raise CliError(f"--top {args.top}: give 1 or more")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CaptureFallbackWarning)
        trace = run_text(args.text, args.model, truncate=args.truncate, generate=args.generate)
    for w in caught:
        if issubclass(w.category, CaptureFallbackWarning):
            print(f"attnlab: note: {w.message}", file=sys.stderr)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    trace.check_layer_head(args.layer, args.head)
    if trace.truncated:
        print(f"attnlab: cut the last {trace.truncated} tokens: {trace.model} accepts at most "
              f"{trace.n_tokens}", file=sys.stderr)
    if args.format == "json":
        print(json.dumps(to_json(trace, args.layer, args.head), ensure_ascii=False))
        if args.out is not None:
            write_figures(trace, args.layer, args.head, args.out)
        return 0
    print(top_table(trace, args.layer, args.head, args.top))
    for path in write_figures(trace, args.layer, args.head, args.out or Path("attnlab-out")):
        print(f"wrote {path}")
    return 0


def to_json(trace: Any, layer: int, head: int) -> dict[str, Any]:
    """The documented schema; weights are the chosen head's [q_pos][k_pos] (8 significant digits)."""
    from ..serialize import tensor_to_list

    return {
        "model": trace.model,
        "tokens": trace.token_texts,
        "n_layers": trace.n_layers,
        "n_heads": trace.n_heads,
        "n_kv_heads": trace.n_kv_heads,
        "layer": layer,
        "head": head,
        "weights": tensor_to_list(trace.pattern(layer, head)),
    }


def top_table(trace: Any, layer: int, head: int | None, top: int) -> str:
    """One line per token: the tokens it attends to most, with their weights."""
    from ..plot.layers import token_labels

    w = trace.pattern(layer, head)  # [q_pos, k_pos]
    labels = token_labels(trace)
    width = max(_width(s) for s in labels)
    which = "mean over heads" if head is None else f"head {head}"
    lines = [f"{trace.model}: layer {layer}, {which} ({trace.n_layers} layers x {trace.n_heads} heads, "
             f"{trace.n_kv_heads} kv heads); query -> most attended keys"]
    if getattr(trace, "prompt_len", None) is not None:
        lines.append(f"tokens from {trace.prompt_len} on (marked *) were generated greedily")
    for q, label in enumerate(labels):
        values, keys = w[q].topk(min(top, w.shape[1]))
        picks = ", ".join(
            f"{labels[k]} {v:.2f}" for v, k in zip(values.tolist(), keys.tolist(), strict=True) if v > 0
        )  # a causal row has zeros after q: not listed
        lines.append(f"  {label}{' ' * (width - _width(label))} -> {picks}")
    return "\n".join(lines)


def _width(s: str) -> int:
    """Terminal columns of s (CJK characters take two), so the arrows line up."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def write_figures(trace: Any, layer: int, head: int | None, out: Path) -> list[Path]:
    """The head's heatmap, the layer x head grid and the per-layer head means, as PNG files in `out`."""
    from ..plot.layers import plot_grid, plot_head, plot_layer_means

    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise CliError(f"cannot create the output folder {out}: {e.strerror}") from None
    stem = _safe(trace.model)
    figures = {
        f"{stem}-L{layer}-{'mean' if head is None else f'H{head}'}.png": plot_head(trace, layer, head),
        f"{stem}-grid.png": plot_grid(trace),
        f"{stem}-layer-means.png": plot_layer_means(trace),
    }
    paths = []
    for name, fig in figures.items():
        fig.savefig(out / name, dpi=110 if "grid" not in name else 70)
        paths.append(out / name)
    return paths


def _safe(name: str) -> str:
    """A model name usable in a file name (paths and hub ids contain '/')."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in Path(name).name or name)


def step4(out: Path, stream: TextIO = sys.stdout) -> list[Path]:
    """The tutorial's step 4: its sentence through minilm; prints the table, writes the figures."""
    from ..models.api import DEMO_TEXT, run_text

    trace = run_text(DEMO_TEXT, "minilm")
    layer = trace.n_layers - 1
    print(top_table(trace, layer, None, 3), file=stream)
    paths = write_figures(trace, layer, None, out)  # the same head mean as the table
    print(f"figures written ({out}/): " + ", ".join(p.name for p in paths), file=stream)
    return paths
