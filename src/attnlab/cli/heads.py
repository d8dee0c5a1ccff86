"""`attnlab heads ["TEXT"] --model M`: the head census, what each head does and how strongly.

With TEXT: the text's scores (previous token, self, first token, entropy, mean distance), the
induction probe's scores, roles, the first / last token's share by weight and value-weighted, and
where the last token draws from by rollout; figures into --out. Without TEXT: the probe alone.
`--format json` prints `analysis.census.census_to_dict` (schema in docs/census.md). `--html PATH`
writes the interactive page of the text's trace (the probe's without text); the census tab joins
that page with the view registry.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ..i18n import LANGS

ROLLOUT_FIGURE_MAX = 512  # longest text whose rollout figure is drawn (the full matrix, N^3 per layer)


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "heads",
        help="head census: what each head of a model does",
        description="Score every head of a model (previous token, induction, first-token sink, ...) and name roles.",
    )
    p.add_argument("text", nargs="?", default=None, help="a text to score the heads on (default: the probe only)")
    p.add_argument("--model", default="smollm2", help="smollm2 (default), minilm, a model folder or a hub id")
    p.add_argument("--probe-length", type=int, default=50, metavar="R", help="tokens per repeat of the probe (50)")
    p.add_argument("--seed", type=int, default=0, help="seed of the probe's random tokens (0)")
    p.add_argument("--lang", choices=LANGS, default="ja", help="language of the printout and page (default ja)")
    p.add_argument("--format", choices=("text", "json"), default="text", help="json: scores and roles")
    p.add_argument("--out", type=Path, default=None, help="folder for the figures (default attnlab-out)")
    p.add_argument("--truncate", action="store_true", help="cut text longer than the model accepts")
    p.add_argument("--html", type=Path, default=None, metavar="PATH",
                   help="also write the interactive page of the text (of the probe without text) to PATH")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from ..analysis.census import census_to_dict, head_census
    from ..models.api import run_text
    from ..models.probe import induction_probe

    probe = induction_probe(args.model, args.probe_length, args.seed)  # first: a bad --probe-length fails fast
    trace = run_text(args.text, args.model, truncate=args.truncate) if args.text is not None else None
    census = head_census(trace, model=args.model, probe=probe)
    if args.format == "json":
        print(json.dumps(census_to_dict(census), ensure_ascii=False))
        if args.out is not None:
            write_figures(census, trace, args.out, args.lang)
    else:
        print(printout(census, trace, args.lang))
        out = args.out or Path("attnlab-out")
        paths = write_figures(census, trace, out, args.lang)
        print({"ja": "図を保存しました", "en": "figures written"}[args.lang] + f" ({out}/): "
              + ", ".join(p.name for p in paths))
    if args.html is not None:
        from ..html import write_html

        written = write_html(trace if trace is not None else probe.trace, args.html, lang=args.lang)
        if args.format != "json":  # stdout stays pure JSON
            print({"ja": "ページを保存しました", "en": "page written"}[args.lang] + f": {written}")
    return 0


def printout(census: Any, trace: Any, lang: str) -> str:
    """The census report; with a text also the value-weighted mass and the last token's rollout."""
    from ..analysis.census_text import census_report
    from ..analysis.rollout import rollout_rows, top_sources
    from ..analysis.value_weighted import key_mass

    if trace is None:
        return census_report(census, lang)
    row = rollout_rows(trace, [trace.n_tokens - 1])[0]
    return census_report(census, lang, masses=key_mass(trace),
                         sources=top_sources(row, [t.text for t in trace.tokens]))


def write_figures(census: Any, trace: Any, out: Path, lang: str) -> list[Path]:
    """The atlas; with a text also the value-weighted mass and (up to ROLLOUT_FIGURE_MAX tokens) the rollout."""
    from ..analysis.rollout import rollout
    from ..analysis.value_weighted import key_mass
    from ..plot.census import plot_atlas, plot_key_mass, plot_rollout
    from ._files import write_all
    from .text import _safe

    stem = _safe(census.model)
    figures = {f"{stem}-atlas.png": lambda: plot_atlas(census, lang)}
    if trace is not None:
        figures[f"{stem}-value-weighted.png"] = lambda: plot_key_mass(key_mass(trace), census.model, lang)
        if trace.n_tokens <= ROLLOUT_FIGURE_MAX:
            figures[f"{stem}-rollout.png"] = lambda: plot_rollout(trace, rollout(trace), lang)
    return write_all(out, {
        name: (lambda path, make=make: make().savefig(path, dpi=100, format="png")) for name, make in figures.items()
    })
