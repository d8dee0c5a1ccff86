"""`attnlab toy`: the toy lab with every option of the tutorial's next steps."""

from __future__ import annotations

import argparse

from ..errors import AttnlabError
from .options import add_fmt, add_format, add_html, add_lang, add_out, add_scale


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("toy", help="the toy lab: any tokens, d_model, heads, seed, temperature, mask",
                       description="Self-attention on a toy input, every stage shown.")
    p.add_argument("--tokens", default=None,
                   help='tokens separated by spaces (default "Tokyo is beautiful")')
    p.add_argument("--d-model", type=int, default=None, help="width of x and Q, K, V (default 4, or x's width)")
    p.add_argument("--heads", type=int, default=1, help="attention heads; must divide d_model (default 1)")
    p.add_argument("--seed", type=int, default=42, help="seed of W_Q, W_K, W_V (default 42, the tutorial's)")
    p.add_argument("--seeds", default=None, help="comma-separated seeds to compare side by side, e.g. 0,1,2")
    p.add_argument("--temperature", type=float, default=1.0, help="softmax temperature > 0 (default 1)")
    p.add_argument("--causal", action="store_true", help="mask future tokens (decoder-style attention)")
    p.add_argument("--x", default=None, help="x as a JSON/CSV file or inline rows '1,0.5;0.2,0.1'")
    add_format(p, "json: the trace on stdout (no figures)")
    add_lang(p)
    add_fmt(p)
    add_out(p)
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
    try:
        seeds = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise AttnlabError(f"--seeds {text!r} must be integers separated by commas, e.g. 0,1,2") from None
    if not seeds or len(seeds) > 8:
        raise AttnlabError(f"--seeds takes 1 to 8 seeds, got {len(seeds)}")
    return seeds


def run_toy_command(args: argparse.Namespace) -> int:
    from ..export import trace_to_dict
    from ..reporting import compare_seeds, report
    from ..toy import run_seeds, run_toy
    from ..views import FigureOptions, figures_for
    from .output import check_destinations, print_json, save_figures, save_page

    spec = spec_from_args(args)
    seeds = parse_seeds(args.seeds)
    check_destinations(args.out, args.html, figures=args.format != "json")
    trace = run_toy(spec)
    others = run_seeds(spec, seeds) if seeds and args.format != "json" else []  # before anything is printed
    if args.format == "json":
        print_json(trace_to_dict(trace))
        save_page(trace, args.html, args.lang, quiet=True)  # stdout stays pure JSON
        return 0
    print(report(trace, lang=args.lang, fmt=args.fmt or ".4f"))
    fmt = args.fmt or ".2f"
    jobs = figures_for(trace, FigureOptions(lang=args.lang, fmt=fmt, scale=args.scale))
    if seeds:
        from ..plot.toy import plot_seeds
        from ..views import FigureJob

        print("\n" + compare_seeds(others, args.lang))
        jobs["seeds"] = FigureJob(lambda: plot_seeds(others, lang=args.lang, fmt=fmt, scale=args.scale))
    save_figures(jobs, args.out, args.lang)
    save_page(trace, args.html, args.lang)
    return 0
