"""`attnlab text PROMPT --generate N`'s sampling options and its run (`models.api.generate`).

Kept out of cli/text.py so the command's module stays about showing a trace: text.py adds these
options, calls `run_generation` when --generate is given, and prints `steps_text` / adds
`steps_to_dict` to its JSON.
"""

from __future__ import annotations

import argparse
from typing import Any

from . import CliError

SAMPLING_DEFAULTS = {"temperature": 0.0, "top_k": None, "seed": None, "candidates": 5, "lens": False}


def add_generation_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("generation (with --generate N)")
    g.add_argument("--temperature", type=float, default=0.0,
                   help="0: greedy, the most probable token (default); above 0: sample from softmax(logits / T)")
    g.add_argument("--top-k", type=int, default=None, metavar="K", help="sampling: among the K most probable tokens")
    g.add_argument("--seed", type=int, default=None, help="sampling: the seed (default: one is chosen and shown)")
    g.add_argument("--candidates", type=int, default=5, metavar="K",
                   help="next-token probabilities listed per step (default 5)")
    g.add_argument("--lens", action="store_true", help="per step, the top token of each layer's output (logit lens)")


def check_generation_args(args: argparse.Namespace) -> None:
    """Refuse generation options without --generate, and bad values, before any model loads."""
    from ..models.steps import MAX_CANDIDATES, check_sampling

    if args.generate < 0:
        raise CliError(f"--generate {args.generate}: the number of new tokens must be 0 or more")
    if not args.generate:
        given = [name for name, default in SAMPLING_DEFAULTS.items() if getattr(args, name) != default]
        if given:
            raise CliError(f"--{given[0].replace('_', '-')} only applies to generation: add --generate N")
        return
    check_sampling(args.temperature, args.top_k, args.seed)
    if not 1 <= args.candidates <= MAX_CANDIDATES:
        raise CliError(f"--candidates {args.candidates}: give 1 to {MAX_CANDIDATES}")


def run_generation(args: argparse.Namespace) -> Any:
    """The Generation (`models.steps.Generation`) of --generate N, or None without it."""
    from ..models.api import generate

    if not args.generate:
        return None
    return generate(args.text, args.model, args.generate, temperature=args.temperature, top_k=args.top_k,
                    seed=args.seed, top=args.candidates, lens=args.lens, truncate=args.truncate)
