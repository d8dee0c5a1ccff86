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
    """Refuse generation options without --generate (or with a model that does not decode token by token),
    and bad values, before the model runs."""
    from ..models.steps import MAX_CANDIDATES, check_sampling

    given = [name for name, default in SAMPLING_DEFAULTS.items() if getattr(args, name) != default]
    if not args.generate:
        if given:
            raise CliError(f"--{given[0].replace('_', '-')} only applies to generation: add --generate N")
        return
    check_sampling(args.temperature, args.top_k, args.seed)
    if not 1 <= args.candidates <= MAX_CANDIDATES:
        raise CliError(f"--candidates {args.candidates}: give 1 to {MAX_CANDIDATES}")
    if given and _kind(args) != "decoder":
        raise CliError(f"--{given[0].replace('_', '-')} applies to a decoder's generation (smollm2, GPT-2, Llama...); "
                       f"{_name(args)} is an {_kind(args)}: leave it out")


def _name(args: argparse.Namespace) -> str:
    from ..models.registry import model_for

    return model_for(args.text) if args.model is None else args.model


def _kind(args: argparse.Namespace) -> str:
    from ..i18n import Msg
    from ..models.api import load
    from ..progress import notice

    with notice(Msg("progress_loading", {"model": _name(args)})):  # said when the load is long
        return load(_name(args)).kind


def run_generation(args: argparse.Namespace) -> Any:
    """The Generation (`models.steps.Generation`) of a decoder's --generate N; None without --generate, for
    another kind of model (an encoder-decoder's --generate is its target's length: `run_text`), or for a
    decoder whose attention bypasses the capture (then `run_text` generates and falls back to eager, with
    a note that the steps were not kept)."""
    import sys

    from ..models.api import StepsNotCapturedError, generate

    if not args.generate or _kind(args) != "decoder":
        return None
    try:
        return generate(args.text, _name(args), args.generate, temperature=args.temperature, top_k=args.top_k,
                        seed=args.seed, top=args.candidates, lens=args.lens, truncate=args.truncate)
    except StepsNotCapturedError as e:
        print(f"attnlab: note: {e}; the steps are not shown, the whole text's attention is", file=sys.stderr)
        return None
