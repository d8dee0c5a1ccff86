"""`attnlab toy`: the toy lab with every option of the tutorial's next steps."""

from __future__ import annotations

import argparse

from ..errors import AttnlabError
from .options import MAX_SEED, add_fmt, add_format, add_html, add_int, add_lang, add_out, add_scale


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("toy", help="the toy lab: any tokens, d_model, heads, seed, temperature, mask",
                       description="Self-attention on a toy input, every stage shown. Figures (PNG and SVG) "
                                   "are drawn when --out DIR is given.")
    p.add_argument("--tokens", default=None,
                   help='tokens separated by spaces (default "Tokyo is beautiful")')
    # d_model and heads: their limits are the toy's, checked by toy_spec with the reason (panels drawn per column)
    add_int(p, "--d-model", default=None, lo=1, help="width of x and Q, K, V (default 4, or x's width)")
    add_int(p, "--heads", default=1, lo=1, help="attention heads; must divide d_model (default 1)")
    add_int(p, "--seed", default=42, lo=0, hi=MAX_SEED, help="seed of W_Q, W_K, W_V (default 42, the tutorial's)")
    p.add_argument("--seeds", default=None, help="comma-separated seeds to compare side by side, e.g. 0,1,2")
    p.add_argument("--temperature", type=float, default=1.0, help="softmax temperature > 0 (default 1)")
    p.add_argument("--causal", action="store_true", help="mask future tokens (decoder-style attention)")
    p.add_argument("--x", default=None, help="x as a JSON/CSV file or inline rows '1,0.5;0.2,0.1'")
    add_format(p, "json: the trace on stdout (no figures)", text_help="printout (+ figures with --out)")
    add_lang(p)
    add_fmt(p)
    add_out(p, default=None)
    add_scale(p)
    add_html(p)
    p.set_defaults(handler=run_toy_command)


def spec_from_args(args: argparse.Namespace):
    """A ToySpec from the command line, through the same `toy_spec` as every other surface."""
    from ..toy.input import parse_x
    from ..toy.options import toy_spec
    from .limits import check_cli_limits

    x = parse_x(args.x) if args.x is not None else None
    return check_cli_limits(toy_spec({"tokens": args.tokens, "d_model": args.d_model, "heads": args.heads,
                                      "seed": args.seed, "temperature": args.temperature, "causal": args.causal,
                                      "x": x}))


def parse_seeds(text: str | None) -> list[int]:
    if text is None:
        return []
    from ..checks import whole_number

    seeds = [whole_number(s, "--seeds", 0, MAX_SEED) for s in text.split(",") if s.strip()]
    if not seeds or len(seeds) > 8:
        raise AttnlabError(f"--seeds takes 1 to 8 seeds, got {len(seeds)}")
    return seeds


def run_toy_command(args: argparse.Namespace) -> int:
    from ..export import trace_to_dict
    from ..i18n import t
    from ..reporting import compare_seeds, report
    from ..toy import run_seeds, run_toy
    from .output import check_destinations, existing, print_json

    quiet = args.format == "json"  # stdout stays pure JSON
    figures = args.out is not None and not quiet  # only when asked for: drawing 10 files takes seconds
    dest = check_destinations(args.out, args.html, figures=figures, lang=args.lang, quiet=quiet,
                              inputs=existing("--x", args.x))
    spec = spec_from_args(args)
    seeds = parse_seeds(args.seeds)
    trace = run_toy(spec)
    others = run_seeds(spec, seeds) if seeds and not quiet else []  # before anything is printed
    page = dest.page(trace)
    if quiet:
        print_json(trace_to_dict(trace))
        dest.save({}, page)
        return 0
    jobs = toy_figures(trace, others, args) if figures else {}
    dest.check(jobs)  # a figure that would land on the page or on x: refused before the printout
    print(report(trace, lang=args.lang, fmt=args.fmt or ".4f"))
    if seeds:
        print("\n" + compare_seeds(others, args.lang))
    if not figures:
        print("\n" + t("toy_figures_hint", args.lang))
    dest.save(jobs, page)
    return 0


def toy_figures(trace, others: list, args: argparse.Namespace) -> dict:
    """The figures of every view of the toy (and of the seeds compared), not drawn yet."""
    from ..views import FigureJob, FigureOptions, figures_for

    fmt = args.fmt or ".2f"
    jobs = figures_for(trace, FigureOptions(lang=args.lang, fmt=fmt, scale=args.scale))
    if others:
        from ..plot.toy import plot_seeds

        jobs["seeds"] = FigureJob(lambda: plot_seeds(others, lang=args.lang, fmt=fmt, scale=args.scale))
    return jobs
