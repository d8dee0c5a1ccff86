"""Trace -> one self-contained HTML page (a string). Pure: nothing is written or fetched.

The page carries everything: CSS and JS from this package's `assets/` (read with importlib.resources
and inlined), the data from `encode.encode_trace` inside `<script type="application/json">` (with
`<`, `>`, `&` escaped so no token can close the script) and a base64 blob. A Content-Security-Policy
forbids every fetch (`default-src 'none'`) and lets only the page's own script run (by its hash), so
even a token that slipped through as markup could neither load nor run anything.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from ..errors import AttnlabError
from .encode import encode_trace
from .labels import labels

if TYPE_CHECKING:
    from ..trace import AttentionTrace

VIEWS = ("heatmap", "headview", "modelview", "pipeline")
# the script files, in the order they are concatenated (later files use earlier ones' functions)
JS_FILES = ("core.js", "heatmap.js", "headview.js", "modelview.js", "pipeline.js", "main.js")


@cache
def asset(name: str) -> str:
    """The text of a file in attnlab/html/assets/."""
    return resources.files("attnlab.html").joinpath("assets", name).read_text(encoding="utf-8")


def page_script() -> str:
    """All JS in one strict-mode function scope, so the files share names but not the page's globals."""
    body = "\n".join(asset(name) for name in JS_FILES)
    return f'(function () {{\n"use strict";\n{body}\n}})();\n'


def json_for_script(data: Any) -> str:
    """JSON safe inside a <script> element: no `<`, `>`, `&` or line separators appear literally."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for raw, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                     ("\u2029", "\\u2029")):
        text = text.replace(raw, esc)
    return text


def _csp(script: str) -> str:
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return (
        f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; "
        "img-src data: blob:; base-uri 'none'; form-action 'none'"
    )


def _initial_view(trace: AttentionTrace, view: str | None, has_stages: bool) -> str:
    if view is None:
        return "pipeline" if has_stages else "heatmap"
    if view not in VIEWS:
        raise AttnlabError(f"view {view!r} is not a page view: choose one of {', '.join(VIEWS)}")
    if view == "pipeline" and not has_stages:
        raise AttnlabError(f"view 'pipeline' needs a toy trace (every stage kept); {trace.model!r} has none")
    return view


def render_page(
    trace: AttentionTrace,
    *,
    lang: str = "ja",
    view: str | None = None,
    layers: list[int] | tuple[int, ...] | None = None,
) -> str:
    """The whole page for `trace` as an HTML string.

    Args:
        lang: "ja" or "en", the labels' language (as the CLI's --lang).
        view: the tab shown first (heatmap, headview, modelview, pipeline); None: the pipeline for
            toy traces, the heatmap otherwise.
        layers: the layers to include (None: all); fewer layers make a smaller page.
    Raises:
        PageTooLargeError (an AttnlabError) when the trace has more than encode.MAX_CELLS weight cells.
    """
    words = labels(lang)
    data = encode_trace(trace, layers=layers)
    meta = dict(data.meta, labels=words, view=_initial_view(trace, view, data.meta["has_stages"]))
    script = page_script()
    title = html.escape(f"attnlab · {trace.model} · {trace.n_tokens} {words['tokens']}")
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{html.escape(_csp(script))}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>\n{asset('page.css')}</style>\n</head>\n<body>\n"
        '<div id="attnlab-root" class="attnlab"></div>\n'
        f'<script type="application/json" id="attnlab-meta">{json_for_script(meta)}</script>\n'
        f'<script type="application/octet-stream" id="attnlab-blob">{data.blob_b64}</script>\n'
        f"<script>{script}</script>\n</body>\n</html>\n"
    )


def notebook_html(page: str, *, height: int = 760) -> str:
    """The page inside an <iframe srcdoc>: isolated from JupyterLab, the classic notebook, VS Code and
    Colab (their CSS, their require.js, their sanitisers); the attribute is fully escaped."""
    return (
        f'<iframe srcdoc="{html.escape(page, quote=True)}" style="width: 100%; height: {int(height)}px; '
        'border: 1px solid #ddd;" title="attnlab"></iframe>'
    )
