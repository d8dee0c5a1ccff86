"""Interactive pages: one self-contained HTML file per trace (heatmap, head view, model view, and
the pipeline for toy traces), for files, notebooks and the web app. No network: assets and data are
inlined. `render_page` returns the page as a string; `write_html` writes it atomically.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import AttnlabError
from .encode import MAX_CELLS, PRECISION, PageTooLargeError, encode_trace
from .render import render_page

if TYPE_CHECKING:
    from ..trace import AttentionTrace

__all__ = [
    "MAX_CELLS",
    "PRECISION",
    "PageTooLargeError",
    "encode_trace",
    "render_page",
    "write_html",
]


def write_html(trace: AttentionTrace, path: str | os.PathLike, *, lang: str = "ja", **kw) -> Path:
    """Render `trace` and write the page to `path` atomically (a temp file in the same folder, then a
    rename), so a reader never sees half a page. Returns the path written.

    Raises AttnlabError when the folder does not exist or cannot be written, or the trace is too large.
    """
    target = Path(path)
    page = render_page(trace, lang=lang, **kw)  # render first: a too-large trace leaves no file
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise AttnlabError(f"cannot write the page to {str(target)!r}: it is a folder, give a file name")
    if not folder.is_dir():
        raise AttnlabError(f"cannot write the page to {str(target)!r}: folder {str(folder)!r} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as e:
        raise AttnlabError(f"cannot write the page to {str(target)!r}: {e.strerror}") from e
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(page)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise AttnlabError(f"cannot write the page to {str(target)!r}: {e.strerror}") from e
    return target
