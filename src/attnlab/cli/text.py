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
import warnings
from pathlib import Path
from typing import Any, TextIO

from ..i18n import LANGS
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
    p.add_argument("--words", action="store_true",
                   help="aggregate to words: sum over a word's key pieces, mean over its query pieces")
    p.add_argument("--lang", choices=LANGS, default="ja", help="language of the printout and page (default ja)")
    p.add_argument("--html", type=Path, default=None, metavar="PATH",
                   help="also write the interactive page (one self-contained HTML file) to PATH")
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
        print(json.dumps(to_json(trace, args.layer, args.head, words=args.words), ensure_ascii=False))
        if args.out is not None:
            write_figures(trace, args.layer, args.head, args.out)
        if args.html is not None:
            from ..html import write_html

            write_html(trace, args.html, lang=args.lang)  # stdout stays pure JSON
        return 0
    print(top_table(trace, args.layer, args.head, args.top, words=args.words, lang=args.lang))
    out = args.out or Path("attnlab-out")
    paths = write_figures(trace, args.layer, args.head, out)
    print(WRITTEN[args.lang] + f" ({out}/): " + ", ".join(p.name for p in paths))
    from .toy import save_page

    save_page(trace, args.html, args.lang)
    return 0


WRITTEN = {"ja": "図を保存しました", "en": "figures written"}


def to_json(trace: Any, layer: int, head: int | None, *, words: bool = False) -> dict[str, Any]:
    """The documented schema; weights are the chosen head's [q_pos][k_pos] (or [q_word][k_word])."""
    from ..serialize import tensor_to_list

    labels, w = rows_and_weights(trace, layer, head, words)
    data = {
        "model": trace.model,
        "tokens": [t.text for t in trace.tokens] if not words else [label.split(" ", 1)[1] for label in labels],
        "n_layers": trace.n_layers,
        "n_heads": trace.n_heads,
        "n_kv_heads": trace.n_kv_heads,
        "layer": layer,
        "head": head,
        "weights": tensor_to_list(w),
    }
    if words:
        data["unit"] = "word"  # tokens are words and weights [q_word][k_word] (see docs/words.md)
    return data


def rows_and_weights(trace: Any, layer: int, head: int | None, words: bool) -> tuple[list[str], Any]:
    """Labels and the [q, k] weights to show: per token, or aggregated to words."""
    w = trace.pattern(layer, head)  # [q_pos, k_pos]
    if not words:
        from ..plot.layers import token_labels

        return token_labels(trace), w
    from ..analysis.words import aggregate_to_words

    w, texts = aggregate_to_words(w, trace.tokens)
    return [f"{i} {t}" for i, t in enumerate(texts)], w


HEADER = {
    "ja": "{model}: 層 {layer}、{which}（{n_layers} 層 x {n_heads} ヘッド、kv ヘッド {n_kv}）。{unit} → 最も注目する先",
    "en": "{model}: layer {layer}, {which} ({n_layers} layers x {n_heads} heads, {n_kv} kv heads); "
          "{unit} -> most attended",
}


def top_table(trace: Any, layer: int, head: int | None, top: int, *, words: bool = False,
              lang: str = "en") -> str:
    """One line per token (or word): the tokens it attends to most, with their weights."""
    labels, w = rows_and_weights(trace, layer, head, words)
    from ..report import display_width

    width = max(display_width(s) for s in labels)
    ja = lang == "ja"
    which = ("全ヘッド平均" if ja else "mean over heads") if head is None else ("ヘッド" if ja else "head ") + str(head)
    unit = ("単語" if ja else "word") if words else ("トークン" if ja else "token")
    lines = [HEADER[lang].format(model=trace.model, layer=layer, which=which, n_layers=trace.n_layers,
                                 n_heads=trace.n_heads, n_kv=trace.n_kv_heads, unit=unit)]
    if getattr(trace, "prompt_len", None) is not None:
        lines.append(f"{trace.prompt_len} 番目以降（* 印）は貪欲生成したトークン" if ja else
                     f"tokens from {trace.prompt_len} on (marked *) were generated greedily")
    for q, label in enumerate(labels):
        values, keys = w[q].topk(min(top, w.shape[1]))
        picks = ", ".join(
            f"{labels[k]} {v:.2f}" for v, k in zip(values.tolist(), keys.tolist(), strict=True) if v > 0
        )  # a causal row has zeros after q: not listed
        lines.append(f"  {label}{' ' * (width - display_width(label))} -> {picks}")
    return "\n".join(lines)


def write_figures(trace: Any, layer: int, head: int | None, out: Path) -> list[Path]:
    """The head's heatmap, the layer x head grid and the per-layer head means, as PNG files in `out`.

    Staged and moved into place together (`_files.write_all`): a failure leaves nothing half-written.
    """
    from ..plot.layers import plot_grid, plot_head, plot_layer_means
    from ._files import write_all

    stem = _safe(trace.model)
    figures = {
        f"{stem}-L{layer}-{'mean' if head is None else f'H{head}'}.png": (lambda: plot_head(trace, layer, head), 110),
        f"{stem}-grid.png": (lambda: plot_grid(trace), 70),
        f"{stem}-layer-means.png": (lambda: plot_layer_means(trace), 110),
    }
    return write_all(out, {
        name: (lambda path, make=make, dpi=dpi: make().savefig(path, dpi=dpi, format="png"))
        for name, (make, dpi) in figures.items()
    })


def _safe(name: str) -> str:
    """A model name usable in a file name (paths and hub ids contain '/')."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in Path(name).name or name)


def step4(out: Path, stream: TextIO | None = None, lang: str = "ja") -> list[Path]:
    """The tutorial's step 4: its sentence through minilm; prints the table, writes the figures."""
    from ..models.api import DEMO_TEXT, run_text

    stream = stream or sys.stdout
    trace = run_text(DEMO_TEXT, "minilm")
    layer = trace.n_layers - 1
    print(top_table(trace, layer, None, 3, lang=lang), file=stream)
    paths = write_figures(trace, layer, None, out)  # the same head mean as the table
    print(WRITTEN[lang] + f" ({out}/): " + ", ".join(p.name for p in paths), file=stream)
    return paths
