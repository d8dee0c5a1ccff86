"""Options that several commands share, defined once."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..i18n import LANGS

DEFAULT_OUT = Path("attnlab-out")


def add_lang(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lang", choices=LANGS, default="ja",
                   help="language of the printout, figures and page (default ja)")


def add_out(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help=f"folder for the figures (default ./{DEFAULT_OUT})")


def add_html(p: argparse.ArgumentParser) -> None:
    p.add_argument("--html", type=Path, default=None, metavar="PATH",
                   help="also write the interactive page (one self-contained HTML file) to PATH")


def add_format(p: argparse.ArgumentParser, json_help: str) -> None:
    p.add_argument("--format", choices=("text", "json"), default="text", help=f"text: printout + figures; {json_help}")


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
