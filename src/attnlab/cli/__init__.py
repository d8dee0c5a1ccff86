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
COMMAND_MODULES = ("demo", "toy", "text", "heads", "why", "flow", "corpus", "serve", "models")


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
        code = int(args.handler(args) or 0)
        sys.stdout.flush()  # a closed pipe shows up here when the output was still buffered
        return code
    except AttnlabError as e:
        print(f"attnlab: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("attnlab: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `attnlab toy | head -3`: the reader has gone; stop quietly, as `cat` does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit's flush
        return 141  # 128 + SIGPIPE, what a shell reports for a tool stopped by a closed pipe


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
