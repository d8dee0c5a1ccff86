"""`attnlab text "..." --model NAME|PATH`: a real model's attention on real text.

Prints, for each token, the tokens the chosen head attends to most; writes the head's heatmap, a
layer x head grid and the head mean per layer into --out. `--format json` prints the head's weights
in the schema of `attnlab.export` ({model, tokens, bytes, n_layers, ..., layer, head, weights}).
An encoder-decoder shows the --part asked for: the encoder's or the decoder's self-attention as above,
or cross-attention (`reporting.cross_report`, `plot.cross.plot_cross`, `export.cross_to_dict`: target
tokens over source tokens); its --html page holds all three parts, opening on --part.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from typing import Any

from . import CliError
from .generation import add_generation_options, check_generation_args, run_generation
from .options import INT_MAX, SUMMARY_ROWS, add_format, add_html, add_int, add_lang, add_model, add_out, add_scale


def register(subparsers: Any) -> None:

    p = subparsers.add_parser(
        "text",
        help="a real model's attention on your text",
        description="Run a real model on TEXT and show where each token's attention goes.",
    )
    p.add_argument("text", help="the sentence (any language the model's tokenizer knows)")
    add_model(p)
    add_int(p, "--layer", default=0, lo=-INT_MAX, help="layer to show (default 0)")
    add_int(p, "--head", default=0, lo=-INT_MAX, help="head to show (default 0)")
    add_int(p, "--top", default=3, lo=1, help="attended tokens listed per token (default 3)")
    add_format(p, "json: the head's weights on stdout")
    p.add_argument("--truncate", action="store_true", help="cut text longer than the model accepts")
    add_int(p, "--generate", default=0, lo=0,
            help="decoders: add N tokens one at a time, each step's attention and probabilities kept; "
                 "encoder-decoders: the target's length when --target-text is not given")
    p.add_argument("--target-text", metavar="TEXT",
                   help="encoder-decoders (BART, T5, Marian): the target the decoder reads (default: generated)")
    p.add_argument("--part", choices=("encoder", "decoder", "cross"), default=None,
                   help="encoder-decoders: the encoder's or the decoder's self-attention, or cross-attention "
                        "(target over source tokens) (default encoder)")
    p.add_argument("--words", action="store_true",
                   help="aggregate to words: sum over a word's key pieces, mean over its query pieces")
    p.add_argument("--all", action="store_true",
                   help=f"print every row of the table (above {SUMMARY_ROWS} rows it is summarized: the strongest "
                        "rows and counts)")
    add_lang(p)
    add_out(p)
    add_scale(p)
    add_html(p)
    p.add_argument("--layers", type=_layers_arg, default=None, metavar="LIST",
                   help="the layers the --html page holds, e.g. 0-11 or 0,5,29 or all (default: as many as "
                        "fit one page, around --layer; the page names the others)")
    add_generation_options(p)
    p.set_defaults(handler=handle)


def _layers_arg(text: str) -> tuple[int, ...] | None:
    from ..errors import AttnlabError
    from ..html.layers import parse_layers

    try:
        return parse_layers(text)
    except AttnlabError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _check_page(args: argparse.Namespace) -> None:
    """--html: refuse now, after a tokenizer pass and before the model runs, a page that cannot hold
    what was asked (the layers of --layers, or not one layer at this length)."""
    from ..html.layers import PageTooLargeError, plan_layers, span_text
    from ..models.api import encode, load
    from ..models.registry import model_for, model_info

    name = model_for(args.text) if args.model is None else args.model
    info = model_info(name)
    if info.n_layers is None or info.n_heads is None:  # a config that does not say: the page checks later
        return
    reserve = max(args.generate, 0)
    n = len(encode(load(name), args.text, truncate=args.truncate, reserve=reserve).ids) + reserve
    try:
        plan_layers(n, info.n_layers, info.n_heads, args.layers, focus=args.layer)
    except PageTooLargeError as e:
        fits = f"; pass --layers {span_text(e.fits)}" if e.fits else ""
        raise CliError(f"the --html page: {e}{fits}") from None


def run_noted(text: str, model: str | None, lang: str, *, truncate: bool, generate: int = 0,
              target_text: str | None = None, part: str = "encoder"):
    """The trace (an encoder-decoder: its `part`, "encoder" or "decoder"), with the capture fallback's
    warning and notes on the text (in `lang`) printed as one-line notes (`attnlab heads` runs its text
    through this too)."""
    result = run_result(text, model, lang, truncate=truncate, generate=generate, target_text=target_text)
    return noted_part(result, text, lang, part)


def run_result(text: str, model: str | None, lang: str, *, truncate: bool, generate: int = 0,
               target_text: str | None = None, streams: bool = False):
    """The trace or an encoder-decoder's `EncoderDecoderTraces`, with the capture fallback's warning
    printed as a one-line note, and a progress line while the model loads."""
    from ..i18n import Msg
    from ..models.registry import model_for
    from ..progress import notice

    name = model_for(text) if model is None else model
    with notice(Msg("progress_loading", {"model": name})):  # torch and transformers' imports, then the load
        from ..models.api import CaptureFallbackWarning, check_text_arg, load, run_text
        from ..models.notes import NotAsWrittenWarning

        check_text_arg(text, "the text")  # not a string, or not UTF-8: refused before the load, as run_text does
        load(name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CaptureFallbackWarning)
        trace = run_text(text, model, truncate=truncate, generate=generate, target_text=target_text, streams=streams)
    for w in caught:
        if issubclass(w.category, CaptureFallbackWarning):
            print(f"attnlab: note: {w.message}", file=sys.stderr)
        elif not issubclass(w.category, NotAsWrittenWarning):  # that one is printed below, in --lang
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return trace


def noted_part(result: Any, text: str, lang: str, part: str) -> Any:
    """What is shown of `result`: a trace itself; of an encoder-decoder's parts the one `part` names (the
    pair itself for "cross"), after a note saying which. Then the notes on how the text was read (the
    encoder's tokens: the decoder read the target), in `lang`."""
    from ..i18n import t
    from ..models.notes import notes_for
    from ..models.parts import EncoderDecoderTraces

    trace = result
    if isinstance(result, EncoderDecoderTraces):
        print(f"attnlab: note: {t('pair_note', lang, model=result.model, what=t(f'pair_what_{part}', lang))}",
              file=sys.stderr)
        if part == "decoder":
            return result.decoder
        trace = result.encoder
    for line in notes_for(trace, text, lang=lang):
        print(f"attnlab: note: {line}", file=sys.stderr)
    return result if part == "cross" else trace


def _check_part(args: argparse.Namespace) -> None:
    """--part on a model that is no encoder-decoder, and --words with cross-attention, are refused now,
    before the model runs."""
    from ..models.api import load
    from ..models.registry import model_for

    if args.part is None:
        return
    if args.part == "cross" and args.words:
        raise CliError("--words groups the tokens of one list, and cross-attention has two (target rows, source "
                       "columns): leave out --words with --part cross")
    lm = load(model_for(args.text) if args.model is None else args.model)
    if lm.kind != "encoder-decoder":
        raise CliError(f"--part {args.part}: {lm.name} is not an encoder-decoder ({lm.kind}): it has one "
                       "self-attention; leave out --part")


def _cross(args: argparse.Namespace, pair: Any, dest: Any, quiet: bool) -> int:
    """--part cross: the cross-attention head's printout (or JSON), its [target x source] figure, the page."""
    from ..export import cross_to_dict
    from ..i18n import t
    from ..reporting import cross_report
    from ..views import FigureJob, file_stem
    from .output import print_json

    layer, head = args.layer, args.head
    pair.cross.check_layer_head(layer, head)
    page = dest.page(pair, focus=(layer, head), layers=args.layers, part="cross")  # rendered before any file
    if pair.encoder.truncated:
        print("attnlab: " + t("text_cut", args.lang, n=pair.encoder.truncated, model=pair.encoder.model,
                              limit=pair.encoder.n_tokens), file=sys.stderr)

    def figure() -> Any:
        from ..plot.cross import plot_cross

        return plot_cross(pair, layer, head, lang=args.lang, scale=args.scale)

    jobs = {f"{file_stem(pair.model)}-cross-L{layer}-H{head}": FigureJob(figure, dpi=110)} if dest.out else {}
    dest.check(jobs)  # before anything is printed
    if quiet:
        print_json(cross_to_dict(pair, layer, head))
    else:
        print(cross_report(pair, layer, head, args.top, lang=args.lang))
    dest.save(jobs, page)
    return 0


def handle(args: argparse.Namespace) -> int:
    from ..analysis.steps import steps_text, steps_to_dict
    from ..export import head_to_dict
    from ..i18n import Msg, t
    from ..progress import notice
    from ..reporting import model_report
    from ..views import FigureOptions, figure_notes, figures_for, file_stem
    from .output import check_destinations, existing, print_json

    quiet = args.format == "json"  # stdout stays pure JSON
    if args.layers is not None and args.html is None:
        raise CliError("--layers chooses the layers of the --html page: add --html PATH")
    dest = check_destinations(args.out, args.html, figures=not quiet or args.out is not None, lang=args.lang,
                              quiet=quiet, inputs=existing("--model", args.model))
    if args.html is not None:
        _check_page(args)
    _check_part(args)
    check_generation_args(args)
    gen = run_generation(args)  # a decoder's --generate: every step kept (None: no generation, or not a decoder)
    result = gen.trace if gen is not None else run_result(args.text, args.model, args.lang, truncate=args.truncate,
                                                          generate=args.generate, target_text=args.target_text)
    trace = noted_part(result, args.text, args.lang, args.part or "encoder")
    if args.part == "cross":
        return _cross(args, result, dest, quiet)
    trace.check_layer_head(args.layer, args.head)
    # the page: an encoder-decoder's holds all three parts, opening on --part
    page = dest.page(result, focus=(args.layer, args.head), layers=args.layers, part=args.part,
                     **({} if gen is None else {"generation": gen}))  # the steps tab, opening first
    if trace.truncated:
        print("attnlab: " + t("text_cut", args.lang, n=trace.truncated, model=trace.model, limit=trace.n_tokens),
              file=sys.stderr)
    opts = FigureOptions(lang=args.lang, layer=args.layer, head=args.head, stem=file_stem(trace.model),
                         scale=args.scale)
    jobs = figures_for(trace, opts) if dest.out is not None else {}
    dest.check(jobs)  # before anything is printed
    if quiet:
        print_json({**head_to_dict(trace, args.layer, args.head, words=args.words),
                    **(steps_to_dict(gen) if gen is not None else {})})
        dest.save(jobs, page)
        return 0
    with notice(Msg("progress_reading", {})):
        printed = model_report(trace, args.layer, args.head, args.top, words=args.words, lang=args.lang,
                               all_rows=args.all)
    print(printed)
    if gen is not None:
        print("\n" + steps_text(gen, args.lang))
    dest.save(jobs, page)
    for note in figure_notes(trace, opts):
        print(f"attnlab: note: {note}", file=sys.stderr)
    return 0
