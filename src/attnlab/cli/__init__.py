"""The `attnlab` command: a thin layer that parses, calls the library, writes files and prints.

Each sub-command lives in its own module exposing `register(subparsers)`; the module's handler
gets the parsed args and returns an exit code. Bad input raises `AttnlabError` (or `CliError`) and
is printed as one line with exit code 2, never as a traceback; so are argparse's own complaints.
Heavy imports (torch, matplotlib, transformers) happen inside handlers, so `attnlab --help` is quick.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from .. import __version__
from ..errors import AttnlabError

# sub-command modules, in the order `attnlab --help` lists them
COMMAND_MODULES = ("demo", "toy", "text", "heads", "serve", "models")


class CliError(AttnlabError):
    """A problem with the command line itself (a file that cannot be read or written, ...)."""


class _Parser(argparse.ArgumentParser):
    """argparse, with its usage errors as one line (and exit code 2) like every other error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"attnlab: error: {message} (see `{self.prog} --help`)", file=sys.stderr)
        sys.exit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="attnlab",
        description="attnlab: self-attention from the tutorial's toy to real language models.",
    )
    parser.add_argument("--version", action="version", version=f"attnlab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # `attnlab` alone: what it can do
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except AttnlabError as e:
        print(f"attnlab: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("attnlab: interrupted", file=sys.stderr)
        return 130


def run() -> None:
    """Console-script entry point. A reader that stops early (`attnlab toy | head -3`) ends the output
    quietly, as Python's documentation advises for SIGPIPE, instead of with a traceback."""
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # Python flushes stdout again at exit
        code = 1
    sys.exit(code)
