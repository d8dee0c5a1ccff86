"""`attnlab toy`: the toy lab with every option of the tutorial's next steps."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..errors import AttnlabError
from ..i18n import LANGS

DEFAULT_OUT = Path("attnlab-out")


def add_common(p: argparse.ArgumentParser) -> None:
    """Options shared by `toy` and `demo`."""
    p.add_argument("--lang", choices=LANGS, default="ja", help="labels and explanation language (default ja)")
    p.add_argument("--fmt", default=None,
                   help="number format, e.g. .2f (default: .4f in the printout as torch prints, .2f in figures)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the figures (default ./attnlab-out)")
    p.add_argument("--html", type=Path, default=None, metavar="PATH",
                   help="also write the interactive page (one self-contained HTML file) to PATH")


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
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="text: printout + figures; json: the trace on stdout (no figures)")
    add_common(p)
    p.set_defaults(handler=run_toy_command)


def spec_from_args(args: argparse.Namespace):
    """A ToySpec from the command line (x decides d_model and default tokens when given)."""
    from ..toy import TUTORIAL_TOKENS, ToyInputError, ToySpec, check_cli_limits
    from ..toy_input import parse_x

    x = parse_x(args.x) if args.x is not None else None
    if args.tokens is not None:
        tokens = tuple(args.tokens.split())
        if not tokens:
            raise ToyInputError("no tokens: --tokens needs at least one word")
    elif x is not None and len(x) != 3:
        tokens = tuple(f"Token {i + 1}" for i in range(len(x)))
    else:
        tokens = TUTORIAL_TOKENS
    d_model = args.d_model if args.d_model is not None else (len(x[0]) if x else 4)
    spec = ToySpec(tokens=tokens, d_model=d_model, heads=args.heads, seed=args.seed,
                   temperature=args.temperature, causal=args.causal, x=x)
    check_cli_limits(spec)
    return spec


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


def toy_figures(trace, *, lang: str, fmt: str, seeds: list[int]) -> dict:
    """{file stem: () -> Figure} for a toy trace."""
    from ..plot import toy as plots

    figs = {
        "weights": lambda: plots.plot_weights(trace, None, lang=lang, fmt=fmt),
        "pipeline": lambda: plots.plot_pipeline(trace, lang=lang, fmt=fmt),
        "pipeline_qkv": lambda: plots.plot_pipeline_qkv(trace, lang=lang, fmt=fmt),
    }
    if trace.n_heads > 1:
        figs["heads"] = lambda: plots.plot_heads(trace, lang=lang, fmt=fmt)
    if seeds:
        figs["seeds"] = lambda: plots.plot_seeds(trace.spec, seeds, lang=lang, fmt=fmt)
    return figs


def save_figures(figs: dict, out: Path, lang: str) -> list[Path]:
    from ._files import figure_writers, write_all

    paths = write_all(out, figure_writers(figs))
    saved = {"ja": "図を保存しました", "en": "figures written"}[lang]
    print(f"\n{saved} ({out}/): " + ", ".join(p.name for p in paths))
    return paths


def save_page(trace, path: Path | None, lang: str) -> None:
    """Write the interactive page when --html was given, and say where."""
    if path is None:
        return
    from ..html import write_html

    written = write_html(trace, path, lang=lang)
    print({"ja": "ページを保存しました", "en": "page written"}[lang] + f": {written}")


def run_toy_command(args: argparse.Namespace) -> int:
    from ..toy import run_toy

    spec = spec_from_args(args)
    seeds = parse_seeds(args.seeds)
    trace = run_toy(spec)
    if args.format == "json":
        json.dump(trace.to_dict(), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
        if args.html is not None:
            from ..html import write_html

            write_html(trace, args.html, lang=args.lang)  # stdout stays pure JSON
        return 0
    from ..report import report

    print(report(trace, lang=args.lang, fmt=args.fmt or ".4f"))
    save_figures(toy_figures(trace, lang=args.lang, fmt=args.fmt or ".2f", seeds=seeds), args.out, args.lang)
    save_page(trace, args.html, args.lang)
    return 0
