"""`attnlab flow TEXT --model M --token I --threshold T`: the routes by which one token's representation
was built (information-flow routes, Ferrando & Voita 2024; `analysis.flow`, docs/flow.md).

Prints, layer by layer from the top, the attention edges kept (token -> token, importance, the head
carrying most of it); `--format json` prints `analysis.flow.flow_to_dict`: {model, tokens, token,
threshold, n_layers, edges: [{layer, from, to, kind, head, heads, importance}]}. `--html PATH` also writes
the interactive page of the same trace with the flow tab (views/flow), opening on it.
"""

from __future__ import annotations

import argparse
from typing import Any

from .options import add_format, add_html, add_int, add_lang, add_model


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
    add_html(p)
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from ..analysis.flow import DEFAULT_THRESHOLD, check_threshold, flow, flow_text, flow_to_dict
    from .output import check_destinations, existing, print_json
    from .text import noted_part, run_result

    threshold = check_threshold(DEFAULT_THRESHOLD if args.threshold is None else args.threshold)  # before the run
    quiet = args.format == "json"  # stdout stays pure JSON
    dest = check_destinations(None, args.html, figures=False, lang=args.lang, quiet=quiet,
                              inputs=existing("--model", args.model))
    if args.html is not None:  # a page that cannot hold one layer of this text: refused before the model runs
        from .effects import check_page

        check_page(args.text, args.model, args.truncate)
    result = run_result(args.text, args.model, args.lang, truncate=args.truncate, streams=True)
    trace = noted_part(result, args.text, args.lang, "encoder")  # (an encoder-decoder: its encoder, said)
    token = trace.n_tokens - 1 if args.token is None else args.token
    graph = flow(trace, token, threshold)
    focus = _focus(graph, trace.n_layers)
    page = dest.page(trace, flow=graph, view="flow", focus=focus)  # rendered before anything is printed
    if quiet:
        print_json(flow_to_dict(graph))
    else:
        print(flow_text(graph, args.lang))
    dest.save({}, page)
    return 0


def _focus(graph, n_layers: int) -> tuple[int, int] | None:
    """The page's focus (its layers are held around it): the top layer's strongest attention edge's head."""
    att = [e for e in graph.edges if e.kind == "attention" and e.head is not None]
    if not att:
        return None
    best = max(att, key=lambda e: (e.layer, e.importance))
    return best.layer, int(best.head)
