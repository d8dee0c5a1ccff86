"""`attnlab flow TEXT --model M --token I --threshold T`: the routes by which one token's representation
was built (information-flow routes, Ferrando & Voita 2024; `analysis.flow`, docs/flow.md).

Prints, layer by layer from the top, the attention edges kept (token -> token, importance, the head
carrying most of it); `--format json` prints `analysis.flow.flow_to_dict`: {model, tokens, token,
threshold, n_layers, edges: [{layer, from, to, kind, head, heads, importance}]}.
"""

from __future__ import annotations

import argparse
from typing import Any

from .options import add_format, add_lang


def register(subparsers: Any) -> None:
    from ..analysis.flow import DEFAULT_THRESHOLD
    from ..models.registry import BUNDLED, DEFAULT_MODEL

    p = subparsers.add_parser(
        "flow",
        help="information-flow routes: how one token's representation was built",
        description="Trace, from the top layer down, which tokens and heads built one token's representation "
                    "(edges whose importance is above the threshold).",
    )
    p.add_argument("text", help="the sentence")
    others = ", ".join(name for name in BUNDLED if name != DEFAULT_MODEL)
    p.add_argument("--model", default=DEFAULT_MODEL, help=f"{DEFAULT_MODEL} (default), {others}, a folder or a hub id")
    p.add_argument("--token", type=int, default=None, metavar="I", help="the token to explain (default: the last)")
    p.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD, metavar="TAU",
                   help=f"keep edges of importance above TAU, in (0, 1] (default {DEFAULT_THRESHOLD})")
    p.add_argument("--truncate", action="store_true", help="cut text longer than the model accepts")
    add_format(p, "json: the graph's edges on stdout")
    add_lang(p)
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from ..analysis.flow import check_threshold, flow, flow_text, flow_to_dict
    from ..models.api import run_text
    from .output import print_json

    threshold = check_threshold(args.threshold)  # before the model runs
    trace = run_text(args.text, args.model, truncate=args.truncate, streams=True)
    token = trace.n_tokens - 1 if args.token is None else args.token
    graph = flow(trace, token, threshold)
    if args.format == "json":
        print_json(flow_to_dict(graph))
    else:
        print(flow_text(graph, args.lang))
    return 0
