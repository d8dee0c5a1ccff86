"""`attnlab text "..." --model NAME|PATH`: a real model's attention on real text.

Prints, for each token, the tokens the chosen head attends to most; writes the head's heatmap, a
layer x head grid and the head mean per layer into --out. `--format json` prints the head's weights
in the schema of `attnlab.export` ({model, tokens, bytes, n_layers, ..., layer, head, weights}).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from typing import Any

from . import CliError
from .generation import add_generation_options, check_generation_args, run_generation
from .options import add_format, add_html, add_lang, add_out, add_scale


def register(subparsers: Any) -> None:
    from ..models.registry import BUNDLED, DEFAULT_MODEL

    p = subparsers.add_parser(
        "text",
        help="a real model's attention on your text",
        description="Run a real model on TEXT and show where each token's attention goes.",
    )
    p.add_argument("text", help="the sentence (any language the model's tokenizer knows)")
    others = ", ".join(name for name in BUNDLED if name != DEFAULT_MODEL)
    p.add_argument("--model", default=DEFAULT_MODEL,
                   help=f"{DEFAULT_MODEL} (default), {others}, a model folder or a hub id")
    p.add_argument("--layer", type=int, default=0, help="layer to show (default 0)")
    p.add_argument("--head", type=int, default=0, help="head to show (default 0)")
    p.add_argument("--top", type=int, default=3, help="attended tokens listed per token (default 3)")
    add_format(p, "json: the head's weights on stdout")
    p.add_argument("--truncate", action="store_true", help="cut text longer than the model accepts")
    p.add_argument("--generate", type=int, default=0, metavar="N",
                   help="decoders: add N tokens one at a time, each step's attention and probabilities kept")
    add_generation_options(p)
    p.add_argument("--words", action="store_true",
                   help="aggregate to words: sum over a word's key pieces, mean over its query pieces")
    add_lang(p)
    add_out(p)
    add_scale(p)
    add_html(p)
    p.set_defaults(handler=handle)


def _run(args: argparse.Namespace):
    """(The trace, the Generation with --generate or None), with the capture fallback's warning and notes
    on the text printed as one-line notes."""
    from ..models.api import CaptureFallbackWarning, run_text
    from ..models.notes import notes_for

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CaptureFallbackWarning)
        gen = run_generation(args)
        trace = gen.trace if gen is not None else run_text(args.text, args.model, truncate=args.truncate)
    for w in caught:
        if issubclass(w.category, CaptureFallbackWarning):
            print(f"attnlab: note: {w.message}", file=sys.stderr)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    for line in notes_for(trace, args.text, lang=args.lang):
        print(f"attnlab: note: {line}", file=sys.stderr)
    return trace, gen


def handle(args: argparse.Namespace) -> int:
    from ..analysis.steps import steps_text, steps_to_dict
    from ..export import head_to_dict
    from ..reporting import model_report
    from ..views import FigureOptions, figure_notes, figures_for, file_stem
    from .output import check_destinations, print_json, save_figures, save_page

    if args.top < 1:
        raise CliError(f"--top {args.top}: give 1 or more")
    check_generation_args(args)
    check_destinations(args.out, args.html, figures=args.format != "json" or args.out is not None)
    trace, gen = _run(args)
    trace.check_layer_head(args.layer, args.head)
    if trace.truncated:
        print(f"attnlab: cut the last {trace.truncated} tokens: {trace.model} accepts at most "
              f"{trace.n_tokens}", file=sys.stderr)
    opts = FigureOptions(lang=args.lang, layer=args.layer, head=args.head, stem=file_stem(trace.model),
                         scale=args.scale)
    if args.format == "json":
        print_json({**head_to_dict(trace, args.layer, args.head, words=args.words),
                    **(steps_to_dict(gen) if gen is not None else {})})
        if args.out is not None:
            save_figures(figures_for(trace, opts), args.out, args.lang, quiet=True)
        save_page(trace, args.html, args.lang, quiet=True, focus=(args.layer, args.head))  # stdout: pure JSON
        return 0
    print(model_report(trace, args.layer, args.head, args.top, words=args.words, lang=args.lang))
    if gen is not None:
        print("\n" + steps_text(gen, args.lang))
    save_figures(figures_for(trace, opts), args.out, args.lang)
    for note in figure_notes(trace, opts):
        print(f"attnlab: note: {note}", file=sys.stderr)
    save_page(trace, args.html, args.lang, focus=(args.layer, args.head))
    return 0
