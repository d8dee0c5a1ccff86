"""`attnlab why TEXT --model M --layer L --head H --query I --key J`: why one cell's score is what it is.

Prints the score as the sum of its per-dimension terms, the weight and the score's rank in its row,
and for RoPE models the content / position split by frequency band (`analysis.why`). `--toy` with
the toy's options explains a toy cell back to x, W_Q and W_K. `--format json` prints
`analysis.why.why_to_dict` with the model and the tokens.
"""

from __future__ import annotations

import argparse
from typing import Any

from . import CliError
from .options import INT_MAX, MAX_SEED, add_format, add_int, add_lang, add_model

TOY_DEFAULTS = {"tokens": None, "d_model": None, "heads": 1, "seed": 42, "temperature": 1.0, "causal": False,
                "x": None}  # the toy options and their defaults (as `attnlab toy`'s)


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "why",
        help="why one cell of a head has its score (per-dimension terms, RoPE's part)",
        description="Explain the score of one (query, key) cell of one head: its terms, its rank and weight in "
                    "its row, and for RoPE models what the content and the rotation each give.",
    )
    p.add_argument("text", nargs="?", default=None, help="the sentence (omit with --toy)")
    add_model(p)
    add_int(p, "--layer", default=0, lo=-INT_MAX, help="layer (default 0)")
    add_int(p, "--head", default=0, lo=-INT_MAX, help="head (default 0)")
    add_int(p, "--query", default=None, lo=0, required=True, metavar="I", help="the attending token's position")
    add_int(p, "--key", default=None, lo=0, required=True, metavar="J", help="the attended token's position")
    add_int(p, "--bands", default=8, lo=1, help="RoPE models: frequency bands of the split (default 8)")
    p.add_argument("--truncate", action="store_true", help="cut text longer than the model accepts")
    toy = p.add_argument_group("the toy (--toy)")
    toy.add_argument("--toy", action="store_true", help="explain a cell of the toy lab instead of a model's")
    toy.add_argument("--tokens", default=None, help='toy tokens separated by spaces (default "Tokyo is beautiful")')
    add_int(toy, "--d-model", default=None, lo=1, help="toy width (default 4, or x's width)")
    add_int(toy, "--heads", default=1, lo=1, help="toy heads (default 1)")
    add_int(toy, "--seed", default=42, lo=0, hi=MAX_SEED, help="toy seed of W_Q, W_K, W_V (default 42)")
    toy.add_argument("--temperature", type=float, default=1.0, help="toy softmax temperature (default 1)")
    toy.add_argument("--causal", action="store_true", help="toy: mask future tokens")
    toy.add_argument("--x", default=None, help="toy x as a JSON/CSV file or inline rows '1,0.5;0.2,0.1'")
    add_format(p, "json: the explanation on stdout")
    add_lang(p)
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from ..analysis.why import why, why_text, why_to_dict
    from .output import print_json

    if args.toy and args.text is not None:
        raise CliError("give TEXT or --toy, not both")
    if not args.toy and args.text is None:
        raise CliError("give the TEXT to explain, or --toy for the toy lab")
    if not args.toy:
        given = [f"--{name.replace('_', '-')}" for name, default in TOY_DEFAULTS.items()
                 if getattr(args, name) != default]
        if given:
            raise CliError(f"{given[0]} is a toy option: add --toy (and leave out TEXT) to explain a toy cell")
    trace = _toy_trace(args) if args.toy else _model_trace(args)
    explained = why(trace, args.layer, args.head, args.query, args.key, bands=args.bands)
    if args.format == "json":
        print_json({"model": trace.model, "tokens": trace.token_texts, **why_to_dict(explained)})
    else:
        print(why_text(explained, args.lang))
    return 0


def _toy_trace(args: argparse.Namespace):
    from ..toy import run_toy
    from .toy import spec_from_args

    return run_toy(spec_from_args(args))


def _model_trace(args: argparse.Namespace):
    from .text import noted_part, run_result

    result = run_result(args.text, args.model, args.lang, truncate=args.truncate)
    return noted_part(result, args.text, args.lang, "encoder")  # (an encoder-decoder: its encoder, said)
