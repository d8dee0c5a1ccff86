"""`attnlab lesson`: where the packaged lesson notebooks are, and a copy of them to work in."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "lesson",
        help="the lesson notebooks (ja, en) that come with attnlab",
        description="Print the paths of the lesson notebooks inside the installed package, or copy them into "
                    "a folder (--copy DIR) to open them in Jupyter, Colab or VS Code. Files already there are "
                    "never replaced.",
    )
    p.add_argument("--copy", metavar="DIR", help="copy the notebooks into the existing folder DIR")
    p.add_argument("--lang", choices=("ja", "en"), help="only the lesson in this language (default: both)")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from ..lessons import LANGS, copy_lessons, lesson_path

    langs = (args.lang,) if args.lang else LANGS
    paths = copy_lessons(args.copy, langs) if args.copy is not None else [lesson_path(lang) for lang in langs]
    for path in paths:
        print(path)
    return 0
