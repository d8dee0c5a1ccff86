"""Options that several commands share, defined once; whole-number options, checked in one place."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..i18n import LANGS

DEFAULT_OUT = Path("attnlab-out")


def add_lang(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lang", choices=LANGS, default="ja",
                   help="language of the printout, figures and page (default ja)")


def add_out(p: argparse.ArgumentParser, default: Path | None = DEFAULT_OUT) -> None:
    """--out DIR; default None: the command draws figures only when --out is given."""
    said = f"default ./{default}" if default is not None else "none without it: drawing them takes seconds"
    p.add_argument("--out", type=Path, default=None, metavar="DIR", help=f"folder for the figures ({said})")


def add_html(p: argparse.ArgumentParser) -> None:
    p.add_argument("--html", type=Path, default=None, metavar="PATH",
                   help="also write the interactive page (one self-contained HTML file) to PATH")


def add_format(p: argparse.ArgumentParser, json_help: str, text_help: str = "printout + figures") -> None:
    p.add_argument("--format", choices=("text", "json"), default="text", help=f"text: {text_help}; {json_help}")


def number_format(text: str) -> str:
    """--fmt: a Python float format such as .2f, .3e or {:.2f}, checked before any work is done."""
    spec = text[2:-1] if text.startswith("{:") and text.endswith("}") else text
    try:
        shown = format(-1.25, spec)
    except (ValueError, TypeError):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number format: give one such as .2f or .3e") from None
    if len(shown) > 24:
        raise argparse.ArgumentTypeError(f"{text!r} prints numbers {len(shown)} characters wide: at most 24")
    return spec


def add_scale(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scale", choices=("fixed", "auto"), default="fixed",
                   help="weights' colour scale in figures: fixed 0-1 (default) or auto (the range shown)")


def add_fmt(p: argparse.ArgumentParser) -> None:
    p.add_argument("--fmt", default=None, type=number_format,
                   help="number format, e.g. .2f (default: .4f in the printout as torch prints, .2f in figures)")


INT_MAX = 2**31 - 1  # the default upper bound of a whole-number option (a C int: what torch and the OS take)
# The library's limit, repeated here because its module imports torch, which `attnlab --help` must not
# (tests/cli/test_errors.py checks that they agree):
MAX_SEED = 2**32 - 1  # toy.checks.MAX_SEED: torch's generator keeps a seed's low 32 bits
SUMMARY_ROWS = 40  # reporting.SUMMARY_ROWS: the longest table `text` prints whole without --all
MAX_THREADS = 4096  # torch threads, Ray actors or CPUs asked for (more than any machine has)


def add_int(p: argparse.ArgumentParser, flag: str, *, default: int | str | None, lo: int, hi: int = INT_MAX,
            help: str, metavar: str = "N", size: bool = False, required: bool = False) -> None:
    """A whole-number option (size: a byte size such as 512MiB): parsed as text, then checked by
    `check_ints` after parsing (`checks.whole_number` / `checks.byte_size`, lo..hi), so that a refusal
    names the flag, the value and the range in --lang, and 10**23 or 1.5 never reaches torch or the OS."""
    dest = flag.lstrip("-").replace("-", "_")
    p.add_argument(flag, default=default, metavar=metavar, help=help, required=required)
    p.set_defaults(_ints=(*(p.get_default("_ints") or ()), (dest, flag, lo, hi, size)))


def check_ints(args: argparse.Namespace) -> argparse.Namespace:
    """Every `add_int` option of the parsed command as an int in its range (None stays None); else
    AttnlabError. Run on every command line before anything else (`cli.main`, `corpus.handle`)."""
    from ..checks import byte_size, whole_number

    for dest, flag, lo, hi, size in getattr(args, "_ints", ()):
        value = getattr(args, dest)
        if value is not None:
            setattr(args, dest, (byte_size if size else whole_number)(value, flag, lo, hi))
    return args


def add_model(p: argparse.ArgumentParser) -> None:
    """--model, as every command that runs a model on a text takes it: None chooses by the text
    (`models.registry.model_for`: SmolLM2 for Japanese, else MiniLM)."""
    from ..models.registry import BUNDLED, DEFAULT_MODEL, JAPANESE_MODEL

    p.add_argument("--model", default=None,
                   help=f"{', '.join(BUNDLED)}, a model folder or a hub id (default: {JAPANESE_MODEL} for text "
                        f"with Japanese, else {DEFAULT_MODEL})")
