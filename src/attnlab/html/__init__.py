"""Interactive pages: one self-contained HTML file per trace (heatmap, head view, model view, and
the pipeline for toy traces), for files, notebooks and the web app. No network: assets and data are
inlined. `render_page` returns the page as a string; `write_html` writes it atomically.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..fileio import check_destination, write_text
from .encode import PRECISION, encode_trace
from .layers import MAX_CELLS, PageTooLargeError, plan_layers
from .render import render_page

if TYPE_CHECKING:
    from ..trace import AttentionTrace

__all__ = [
    "MAX_CELLS",
    "PRECISION",
    "PageTooLargeError",
    "encode_trace",
    "plan_layers",
    "render_page",
    "write_html",
]


def write_html(
    trace: AttentionTrace, path: str | os.PathLike, *, lang: str = "ja", what: str = "the page", **kw
) -> Path:
    """Render `trace` and write the page to `path` (see `attnlab.fileio`: atomic for a file, written
    into a FIFO or device, never replacing one), so a reader never sees half a page. Returns the path.

    Raises AttnlabError, before rendering, when the destination cannot be written (`what` names it
    in the message, e.g. "the --html page"), and when the trace is too large.
    """
    check_destination(path, what)  # before the work: a bad path costs nothing
    page = render_page(trace, lang=lang, **kw)  # a too-large trace leaves no file
    return write_text(path, page, what=what)
