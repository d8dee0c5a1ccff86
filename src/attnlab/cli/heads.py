"""`attnlab heads ["TEXT"] --model M`: the head census, what each head does and how strongly.

With TEXT: the text's scores (previous token, self, first token, entropy, mean distance), the
induction probe's scores, roles, the first / last token's share by weight and value-weighted, and
where the last token draws from by rollout; figures into --out. Without TEXT: the probe alone.
`--format json` prints `analysis.census.census_to_dict` (schema in docs/census.md). `--html PATH`
writes the interactive page of the text's trace (the probe's without text).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from .options import MAX_SEED, add_format, add_html, add_int, add_lang, add_out

if TYPE_CHECKING:  # annotations only: the CLI imports torch when a command runs, not at start
    from ..analysis.census import HeadCensus
    from ..trace import AttentionTrace

ROLLOUT_FIGURE_MAX = 512  # longest text whose rollout figure is drawn (the full matrix, N^3 per layer)


def register(subparsers: Any) -> None:
    from ..models.registry import bundled_names

    default = bundled_names("decoder")[0]  # induction heads are a decoder's
    p = subparsers.add_parser(
        "heads",
        help="head census: what each head of a model does",
        description="Score every head of a model (previous token, induction, first-token sink, ...) and name roles.",
    )
    p.add_argument("text", nargs="?", default=None, help="a text to score the heads on (default: the probe only)")
    p.add_argument("--model", default=default, help=f"{default} (default), any bundled model, a folder or a hub id")
    add_int(p, "--probe-length", default=50, lo=2, metavar="R", help="tokens per repeat of the probe (50)")
    add_int(p, "--seed", default=0, lo=0, hi=MAX_SEED, help="seed of the probe's random tokens (0)")
    p.add_argument("--truncate", action="store_true", help="cut text longer than the model accepts")
    add_format(p, "json: scores and roles on stdout")
    add_lang(p)
    add_out(p)
    add_html(p)
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from ..i18n import Msg
    from ..progress import notice
    from .output import check_destinations, existing, print_json
    from .text import run_noted

    quiet = args.format == "json"  # stdout stays pure JSON
    dest = check_destinations(args.out, args.html, figures=not quiet or args.out is not None, lang=args.lang,
                              quiet=quiet, inputs=existing("--model", args.model))
    with notice(Msg("progress_loading", {"model": args.model})):  # torch and transformers' imports, the load
        from ..analysis.census import census_to_dict, head_census
        from ..models.api import load
        from ..models.probe import induction_probe

        load(args.model)
    with notice(Msg("progress_probe", {"model": args.model})):
        probe = induction_probe(args.model, args.probe_length, args.seed)  # first: a bad --probe-length fails fast
    trace = run_noted(args.text, args.model, args.lang, truncate=args.truncate) if args.text is not None else None
    with notice(Msg("progress_census", {"n": probe.trace.n_layers * probe.trace.n_heads})):
        census = head_census(trace, model=args.model, probe=probe)
    page = dest.page(trace if trace is not None else probe.trace)  # before any file or printout
    jobs = census_figures(census, trace, args.lang) if dest.out is not None else {}
    dest.check(jobs)
    if quiet:
        print_json(census_to_dict(census))
    else:
        with notice(Msg("progress_reading", {})):
            printed = printout(census, trace, args.lang)
        print(printed)
    dest.save(jobs, page)
    return 0


def printout(census: HeadCensus, trace: AttentionTrace | None, lang: str) -> str:
    """The census report; with a text also the value-weighted mass and the last token's rollout."""
    from ..analysis.census_text import census_report
    from ..analysis.rollout import rollout_rows, top_sources
    from ..analysis.value_weighted import key_mass

    if trace is None:
        return census_report(census, lang)
    row = rollout_rows(trace, [trace.n_tokens - 1])[0]
    return census_report(census, lang, masses=key_mass(trace),
                         sources=top_sources(row, [t.text for t in trace.tokens]))


def census_figures(census: HeadCensus, trace: AttentionTrace | None, lang: str) -> dict:
    """The atlas; with a text also the value-weighted mass and (up to ROLLOUT_FIGURE_MAX tokens) the rollout."""
    from ..analysis.rollout import rollout
    from ..analysis.value_weighted import key_mass
    from ..plot.census import plot_atlas, plot_key_mass, plot_rollout
    from ..views import FigureJob, file_stem

    stem = file_stem(census.model)
    jobs = {f"{stem}-atlas": FigureJob(lambda: plot_atlas(census, lang), dpi=100)}
    if trace is not None:
        jobs[f"{stem}-value-weighted"] = FigureJob(lambda: plot_key_mass(key_mass(trace), census.model, lang), dpi=100)
        if trace.n_tokens <= ROLLOUT_FIGURE_MAX:
            jobs[f"{stem}-rollout"] = FigureJob(lambda: plot_rollout(trace, rollout(trace), lang), dpi=100)
    return jobs
