"""`attnlab flow TEXT --model M --token I --threshold T`: the routes by which one token's representation
was built (information-flow routes, Ferrando & Voita 2024; `analysis.flow`, docs/flow.md).

Prints, layer by layer from the top, the attention edges kept (token -> token, importance, the head
carrying most of it); `--format json` prints `analysis.flow.flow_to_dict`: {model, tokens, token,
threshold, n_layers, edges: [{layer, from, to, kind, head, heads, importance}]}.
"""

from __future__ import annotations

import argparse
from typing import Any

from .options import add_format, add_int, add_lang, add_model


def register(subparsers: Any) -> None:

    p = subparsers.add_parser(
        "flow",
        help="information-flow routes: how one token's representation was built",
        description="Trace, from the top layer down, which tokens and heads built one token's representation "
                    "(edges whose importance is above the threshold).",
    )
    p.add_argument("text", help="the sentence")
    add_model(p)
    add_int(p, "--token", default=None, lo=0, metavar="I", help="the token to explain (default: the last)")
    p.add_argument("--threshold", type=float, default=None, metavar="TAU",
                   help="keep edges of importance above TAU, in (0, 1] (default: analysis.flow.DEFAULT_THRESHOLD, "
                        "0.04)")
    p.add_argument("--truncate", action="store_true", help="cut text longer than the model accepts")
    add_format(p, "json: the graph's edges on stdout")
    add_lang(p)
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from ..analysis.flow import DEFAULT_THRESHOLD, check_threshold, flow, flow_text, flow_to_dict
    from .output import print_json
    from .text import noted_part, run_result

    threshold = check_threshold(DEFAULT_THRESHOLD if args.threshold is None else args.threshold)  # before the run
    result = run_result(args.text, args.model, args.lang, truncate=args.truncate, streams=True)
    trace = noted_part(result, args.text, args.lang, "encoder")  # (an encoder-decoder: its encoder, said)
    token = trace.n_tokens - 1 if args.token is None else args.token
    graph = flow(trace, token, threshold)
    if args.format == "json":
        print_json(flow_to_dict(graph))
    else:
        print(flow_text(graph, args.lang))
    return 0
