"""`attnlab corpus INPUT --out DIR` and `attnlab corpus summarize DIR`: the head census over many documents.

Two forms under one command: a first argument `summarize` selects the summary, anything else is
the input of a run (a file literally named "summarize" is given as ./summarize). The `corpus`
parser itself takes every argument as it is (prefix_chars that no option uses) and hands them to
one of two ordinary parsers, so options may come before or after the positional argument in both
forms, and each form has its own --help.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .options import MAX_THREADS, add_format, add_html, add_int, add_lang, add_out, check_ints

MAX_LINE_BYTES = 2**20  # corpus.inputs.MAX_LINE_BYTES (that module imports nothing heavy, but the CLI stays lean)

RUN_USAGE = "attnlab corpus INPUT --out DIR [--model M] [--engine local|ray] [--max-tokens N] [--truncate] ..."
SUMMARY_USAGE = "attnlab corpus summarize DIR [--format json] [--html PATH] [--out DIR]"


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "corpus", add_help=False, prefix_chars="\x00",
        help="head census over many documents (Parquet; local or Ray); `corpus summarize DIR`",
        description="Census scores of every head on every document of a corpus, and their summary.",
    )
    p.add_argument("argv", nargs=argparse.REMAINDER)
    p.set_defaults(handler=handle)


def run_parser() -> argparse.ArgumentParser:
    from ..models.registry import DEFAULT_MODEL
    from . import _Parser

    p = _Parser(prog="attnlab corpus", usage=RUN_USAGE,
                description="Score every head of a model on every document of INPUT into Parquet part files "
                            "under --out (resumable: rerun the same command to continue).",
                epilog=f"Then: {SUMMARY_USAGE}. docs/scaling.md describes the output and the engines.")
    p.add_argument("input", metavar="INPUT", help=".txt (one document per line), .jsonl or .parquet")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for the part files and manifest")
    p.add_argument("--model", default=DEFAULT_MODEL, help=f"{DEFAULT_MODEL} (default), any bundled model, a folder "
                                                          "or a hub id")
    p.add_argument("--engine", choices=("local", "ray"), default="local",
                   help="local: this process (default); ray: the cluster in RAY_ADDRESS, else a local one")
    p.add_argument("--field", default=None, help="the JSON field / Parquet column holding the text (default text)")
    add_int(p, "--max-tokens", default=None, lo=2, help="longest document scored (default: the model's limit)")
    p.add_argument("--truncate", action="store_true", help="cut longer documents to --max-tokens instead of "
                                                          "skipping them (the cut is recorded)")
    add_int(p, "--batch-tokens", default=4096, lo=2, help="padded tokens per forward pass (4096)")
    add_int(p, "--part-docs", default=256, lo=1, help="documents per part file (256)")
    add_int(p, "--part-bytes", default=256 * 1024, lo=1, size=True, metavar="SIZE",
            help="a part also ends after this many bytes of text (262144, or e.g. 1MiB): what an interrupt may lose")
    add_int(p, "--max-line-bytes", default=MAX_LINE_BYTES, lo=1, size=True, metavar="SIZE",
            help=f"longest line or row read ({MAX_LINE_BYTES // 2**20}MiB; e.g. 4MiB): a longer one is a bad line, "
                 "refused before it is parsed, so one huge line cannot fill memory")
    p.add_argument("--on-bad-line", choices=("error", "skip"), default="error",
                   help="error: stop before any work at the first bad line or row, naming file and line (default); "
                        "skip: leave bad ones out, counted")
    add_int(p, "--threads", default=None, lo=1, hi=MAX_THREADS,
            help="torch threads per worker (local: torch's default; ray: CPUs per actor, 1)")
    add_int(p, "--workers", default=None, lo=1, hi=MAX_THREADS,
            help="ray: actors (default: one per GPU, else one per --threads CPUs)")
    add_int(p, "--ray-cpus", default=None, lo=1, hi=MAX_THREADS,
            help="ray: CPUs of the local cluster started when RAY_ADDRESS is not set (default: all)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (it shows on a terminal only)")
    add_lang(p)
    return p


def summary_parser() -> argparse.ArgumentParser:
    from . import _Parser

    p = _Parser(prog="attnlab corpus summarize", usage=SUMMARY_USAGE,
                description="Per head: mean, std and quantiles of each score across documents; the strongest "
                            "heads per role with their spread; a layers x heads figure of the means.")
    p.add_argument("folder", metavar="DIR", type=Path, help="the --out folder of an `attnlab corpus` run")
    add_format(p, "json: the summary on stdout")
    add_lang(p)
    add_out(p)
    add_html(p)
    return p


def handle(args: argparse.Namespace) -> int:
    argv = list(args.argv)
    summary = argv[:1] == ["summarize"]
    parsed = summary_parser().parse_args(argv[1:]) if summary else run_parser().parse_args(argv)
    from ..progress import speaking

    args.lang = parsed.lang  # the language `cli.main` prints an error in
    check_ints(parsed)
    with speaking(parsed.lang, quiet=getattr(parsed, "format", None) == "json"):
        return summarize(parsed) if summary else run(parsed)


def run(args: argparse.Namespace) -> int:
    from ..corpus.run import run_corpus
    from ..i18n import error_text, t
    from ..progress import interactive

    report = run_corpus(
        args.input, args.model, args.out, engine=args.engine, field=args.field, max_tokens=args.max_tokens,
        truncate=args.truncate, batch_tokens=args.batch_tokens, part_docs=args.part_docs,
        part_bytes=args.part_bytes, max_line_bytes=args.max_line_bytes, on_bad_line=args.on_bad_line,
        progress=False if args.no_progress else interactive(), threads=args.threads, ray_cpus=args.ray_cpus,
        workers=args.workers,
    )
    tot, lang = report.totals, args.lang
    print(t("corpus_done", lang, scored=f"{tot['scored']:,}", tokens=f"{tot['tokens']:,}", out=report.out,
            parts=report.parts, resumed=report.resumed, seconds=f"{report.seconds:.1f}"))
    limit = report.max_tokens
    if tot["empty"] or tot["too_short"] or tot["too_long"]:
        print(t("corpus_skipped", lang, empty=tot["empty"], too_short=tot["too_short"], too_long=tot["too_long"],
                max_tokens=limit))
    if tot["truncated"]:
        print(t("corpus_truncated", lang, n=tot["truncated"], max_tokens=limit, cut=f"{tot['cut_tokens']:,}"))
    if report.bad_lines:
        print(t("corpus_bad_lines", lang, n=report.bad_lines, first=error_text(report.first_bad[0], lang)))
    return 0


def summarize(args: argparse.Namespace) -> int:
    from ..corpus.summary import summarize_corpus, summary_to_dict
    from .output import check_destinations, existing, print_json

    quiet = args.format == "json"  # stdout stays pure JSON
    dest = check_destinations(args.out, args.html, figures=not quiet or args.out is not None, lang=args.lang,
                              quiet=quiet, inputs=existing("DIR", args.folder))
    summary = summarize_corpus(args.folder)
    page = None
    if args.html is not None:  # rendered before anything is printed or written
        from ..html.corpus import render_summary_page

        page = render_summary_page(summary, args.lang)
    jobs = summary_figures(summary, args.lang) if dest.out is not None else {}
    dest.check(jobs)
    if quiet:
        print_json(summary_to_dict(summary))
    else:
        print(printout(summary, args.lang))
    dest.save(jobs, page)
    return 0


def summary_figures(summary: Any, lang: str) -> dict:
    from ..plot.corpus import plot_corpus_means
    from ..views import FigureJob, file_stem

    return {f"{file_stem(summary.model)}-corpus-means": FigureJob(lambda: plot_corpus_means(summary, lang), dpi=100)}


def printout(summary: Any, lang: str) -> str:
    """Counts, then each role's strongest heads with their spread."""
    from ..i18n import t

    tot = summary.totals
    lines = [t("corpus_header", lang, model=summary.model, scored=f"{tot['scored']:,}", tokens=f"{tot['tokens']:,}",
               n_layers=summary.n_layers, n_heads=summary.n_heads),
             t("corpus_counts", lang, documents=f"{summary.documents:,}", empty=tot["empty"],
               too_short=tot["too_short"], too_long=tot["too_long"], truncated=tot["truncated"])]
    if tot.get("bad_line"):
        lines.append(t("corpus_bad_count", lang, n=tot["bad_line"]))
    if summary.parts_done < summary.parts:
        lines.append(t("corpus_incomplete", lang, done=summary.parts_done, parts=summary.parts))
    lines += ["", t("corpus_roles_title", lang)]
    role = None
    for r in summary.roles:
        if r.role != role:
            role = r.role
            lines.append(f"{t('role_' + r.role, lang)} ({r.score}):")
        lines.append(t("corpus_role_line", lang, layer=r.layer, head=r.head, mean=f"{r.mean:.3f}", std=f"{r.std:.3f}",
                       q25=f"{r.q25:.3f}", q75=f"{r.q75:.3f}", share=f"{r.share:.0%}"))
    lines += ["", t("corpus_probe_note", lang, model=summary.model)]
    return "\n".join(lines)
