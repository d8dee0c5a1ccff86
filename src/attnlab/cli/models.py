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
    p.add_argument("--verify", action="store_true",
                   help="also check every converted copy in the cache in full (a hash of every file)")
    p.add_argument("--prune", action="store_true",
                   help="remove converted copies in the cache that the models installed here do not use")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from ..models.registry import list_models

    if args.prune:
        return prune(args.format)
    checks = verified() if args.verify else None  # first: it marks damaged copies, which the table then shows
    infos = agreeing(list_models(), checks)
    if args.format == "json":
        data: Any = [asdict(i) for i in infos]
        if checks is not None:
            data = {"models": data, "cache": [dict(asdict(c), folder=str(c.folder)) for c in checks]}
        print(json.dumps(data, ensure_ascii=False, indent=1))
        return 0 if checks is None or all(c.ok for c in checks) else 1
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
    if checks is None:
        return 0
    print("\nCache (every file's sha256 checked):" if checks else "\nCache: no converted copies yet.")
    for c in checks:
        print(f"  {'ok ' if c.ok else 'BAD'}  {c.name}: {c.message}")
    return 0 if all(c.ok for c in checks) else 1


def prune(fmt: str) -> int:
    """`--prune`: remove the cache's copies no installed model uses, saying what and how much."""
    from ..checks import size_text
    from ..models.cache import models_dir, prune_cache
    from ..models.registry import converted_copies

    removed = prune_cache(converted_copies().values())
    freed = sum(size for _, size in removed)
    if fmt == "json":
        print(json.dumps({"removed": [str(p) for p, _ in removed], "freed_bytes": freed}, indent=1))
        return 0
    for folder, size in removed:
        print(f"removed {folder} ({size_text(size)})" if size else f"removed {folder} (a stale temporary)")
    print(f"{len(removed)} removed, {size_text(freed)} freed from {models_dir()}" if removed
          else f"nothing to remove in {models_dir()}")
    return 0


def agreeing(infos: list, checks: list | None) -> list:
    """The table's rows, not ready where the full check just found the model's copy damaged (the
    mark says so already; this covers a copy that could not be marked)."""
    from dataclasses import replace

    bad = {c.model: c for c in checks or () if c.model is not None and not c.ok}
    return [replace(i, ready=False, note=f"the cached copy is damaged ({bad[i.name].message})")
            if i.name in bad and i.ready else i for i in infos]


def verified() -> list:
    """The full check of the cache's converted copies (`models.cache.verify_cache`)."""
    from ..i18n import Msg
    from ..progress import notice

    with notice(Msg("progress_verify", {})):  # hashing half a gigabyte per copy
        from ..models.cache import verify_cache
        from ..models.registry import converted_copies

        return verify_cache(full=True, current=converted_copies())


def _s(v: int | None) -> str:
    return "?" if v is None else str(v)
