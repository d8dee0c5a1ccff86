"""The `attnlab` command: a thin layer that parses, calls the library, writes files and prints.

Each sub-command lives in its own module exposing `register(subparsers)`; the module's handler
gets the parsed args and returns an exit code. Bad input raises `AttnlabError` (or `CliError`) and
is printed as one line with exit code 2, never as a traceback, in the command's --lang where the
error carries its i18n key (`i18n.tr_error`); so are argparse's own complaints. Whole-number options
are checked after parsing, all in one place (`options.check_ints`). SIGTERM and SIGHUP stop a
command like Ctrl-C does, through its `finally` blocks, so a staging folder or a temporary file is
removed before the process exits (128 + the signal's number).
Heavy imports (torch, matplotlib, transformers) happen inside handlers, so `attnlab --help` is quick.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import signal
import sys
import threading
from collections.abc import Iterator

from .. import __version__
from ..errors import AttnlabError

# sub-command modules, in the order `attnlab --help` lists them
COMMAND_MODULES = ("demo", "toy", "text", "heads", "effects", "why", "flow", "corpus", "serve", "models", "lesson")


class CliError(AttnlabError):
    """A problem with the command line itself (a file that cannot be read or written, ...)."""


class Terminated(BaseException):
    """SIGTERM or SIGHUP, raised in the main thread so that cleanup runs (not an Exception: no
    `except Exception` on the way swallows it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


def _stop(signum: int, frame: object) -> None:
    for sig in STOP_SIGNALS:  # cleanup runs once: a second signal while it runs is ignored
        signal.signal(sig, signal.SIG_IGN)
    raise Terminated(signum)


@contextlib.contextmanager
def _stop_signals_raise() -> Iterator[None]:
    """While a command runs, SIGTERM / SIGHUP raise `Terminated` (main thread only: elsewhere Python
    cannot install handlers); the previous handlers come back afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = {sig: signal.signal(sig, _stop) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)  # None: not set from Python


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
    with _stop_signals_raise():
        args = parser.parse_args(argv)
        if args.command is None:  # `attnlab` alone: what it can do
            parser.print_help()
            return 2
        return _handle(args)


def _handle(args: argparse.Namespace) -> int:
    from ..i18n import error_text, t
    from ..progress import speaking
    from .options import check_ints

    try:
        with speaking(_lang(args), quiet=getattr(args, "format", None) == "json"):  # JSON: no progress lines
            code = int(args.handler(check_ints(args)) or 0)
        sys.stdout.flush()  # a closed pipe shows up here when the output was still buffered
        return code
    except AttnlabError as e:  # in the command's --lang, with the CLI's advice (i18n.error_text)
        print(f"attnlab: error: {error_text(e, _lang(args), 'cli')}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("attnlab: interrupted", file=sys.stderr)
        return 130
    except Terminated as e:
        print(t("cli_stopped", _lang(args), signal=signal.Signals(e.signum).name), file=sys.stderr)
        return 128 + e.signum
    except BrokenPipeError:  # `attnlab toy | head -3`: the reader has gone; stop quietly, as `cat` does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit's flush
        return 141  # 128 + SIGPIPE, what a shell reports for a tool stopped by a closed pipe


def _lang(args: argparse.Namespace) -> str:
    """The language to speak in: the command's --lang (`corpus` sets it once parsed), else English."""
    return getattr(args, "lang", None) or "en"


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
