"""The lesson notebooks, shipped inside the package so that an installed attnlab has them too.

The files here are copies of notebooks/attention_handson_{ja,en}.ipynb (the source of truth, written
by notebooks/build_lesson.py); `make lesson` writes them and copies them here, and
tests/packaging/test_lessons.py checks that the copies are the stored notebooks, byte for byte.

    attnlab.lesson_path("en")          # the packaged English lesson (a file inside the package)
    attnlab lesson --copy DIR          # both lessons into DIR, to open and edit there
"""

from __future__ import annotations

from pathlib import Path

from ..errors import AttnlabError
from ..fileio import write_bytes
from ..i18n import check_lang

HERE = Path(__file__).resolve().parent
LANGS = ("ja", "en")  # the languages the lesson is written in


def lesson_path(lang: str = "ja") -> Path:
    """The packaged lesson notebook in `lang` ("ja" or "en"). Open a copy (`copy_lessons`) to edit it:
    this file lies inside the installed package."""
    check_lang(lang)
    path = HERE / f"attention_handson_{lang}.ipynb"
    if not path.is_file():
        raise AttnlabError(f"this attnlab has no lesson notebook {path.name} at {str(HERE)!r}: reinstall attnlab")
    return path


def copy_lessons(folder: str | Path, langs: tuple[str, ...] = LANGS) -> list[Path]:
    """Copy the lessons in `langs` into the existing `folder`; returns the new files. A file that is
    already there is never replaced (it may be the reader's own work): the copy is refused, nothing written."""
    dest = Path(folder)
    if not dest.is_dir():
        raise AttnlabError(f"cannot copy the lessons to {str(folder)!r}: it is not an existing folder")
    sources = [lesson_path(lang) for lang in langs]
    targets = [dest / src.name for src in sources]
    there = [str(t) for t in targets if t.exists() or t.is_symlink()]
    if there:
        raise AttnlabError(f"cannot copy the lessons: {', '.join(there)} already exists (remove it, or copy "
                           "into another folder)")
    return [write_bytes(t, s.read_bytes(), what="the lesson") for s, t in zip(sources, targets, strict=True)]
