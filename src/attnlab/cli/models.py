"""`attnlab models`: the models available here, read from config files (no weights are loaded)."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "models",
        help="list the models available here",
        description="List the bundled models: kind, layers, heads, kv heads, max tokens, source, readiness.",
    )
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from ..models.registry import list_models

    infos = list_models()
    if args.format == "json":
        print(json.dumps([asdict(i) for i in infos], ensure_ascii=False, indent=1))
        return 0
    header = ("name", "kind", "layers", "heads", "kv heads", "max tokens", "ready", "loads from")
    rows = [
        (i.name, i.kind, _s(i.n_layers), _s(i.n_heads), _s(i.n_kv_heads), _s(i.max_tokens),
         "yes" if i.ready else "no", i.location)
        for i in infos
    ]
    widths = [max(len(r[c]) for r in [header, *rows]) for c in range(len(header))]
    for r in [header, *rows]:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())
    for i in infos:
        if i.note:
            print(f"  {i.name}: {i.note}")
    print("Also: any local Hugging Face model folder (--model PATH), or a hub id (owner/name) where the "
          "hub is reachable or the model is cached.")
    return 0


def _s(v: int | None) -> str:
    return "?" if v is None else str(v)
