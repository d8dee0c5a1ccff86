"""Trace -> one self-contained HTML page (a string). Pure: nothing is written or fetched.

The page carries everything: CSS and JS from this package's `assets/` (read with importlib.resources
and inlined), the data from `encode.encode_trace` inside `<script type="application/json">` (with
`<`, `>`, `&` escaped so no token can close the script) and a base64 blob. A Content-Security-Policy
forbids every fetch (`default-src 'none'`) and lets only the page's own script run (by its hash), so
even a token that slipped through as markup could neither load nor run anything.

The script is a set of small modules, one per file: `define(name, deps, factory)` registers a module
and `require(name)` builds it once from its dependencies, so files share no names but the ones they
export. A page holds `core` (data and its indexing, colours, DOM helpers), `matrix` (the zoomable map
component), one module per view that applies to the trace (`attnlab.views`, in registry order) and
`main` (the frame and its tabs). The labels are the i18n keys that those files use (`L.<key>`).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from functools import cache
from importlib import resources
from typing import Any

from ..i18n import check_lang, page_labels
from ..trace import AttentionTrace
from ..views import View, page_views, view_named
from .encode import encode_trace

CORE_JS = ("core.js", "matrix.js")  # modules every page holds, before the views' own
MAIN_JS = "main.js"
LOADER = """const DEFINED = Object.create(null), MODULES = Object.create(null);
function define(name, deps, factory) { DEFINED[name] = { deps, factory }; }
function require(name) {
  if (!(name in MODULES)) {
    const d = DEFINED[name];
    if (!d) throw new Error(`attnlab: no module ${name}`);
    MODULES[name] = d.factory(...d.deps.map(require));
  }
  return MODULES[name];
}"""
_LABEL_USE = re.compile(r"\bL\.([A-Za-z_]\w*)")


@cache
def asset(name: str) -> str:
    """The text of a file in attnlab/html/assets/ (name may include a folder: views/heatmap.js)."""
    path = resources.files("attnlab.html").joinpath("assets")
    for part in name.split("/"):
        path = path.joinpath(part)
    return path.read_text(encoding="utf-8")


def script_files(views: list[View]) -> list[str]:
    """The JS files of a page showing `views`, in load order (a view's helper scripts before it)."""
    return [*CORE_JS, *(f for v in views for f in (*v.scripts, f"views/{v.name}.js")), MAIN_JS]


def page_script(views: list[View]) -> str:
    """All modules in one strict-mode function scope, then `require("main")`."""
    body = "\n".join(asset(name) for name in script_files(views))
    return f'(function () {{\n"use strict";\n{LOADER}\n{body}\nrequire("main");\n}})();\n'


def label_keys(script: str, views: list[View]) -> set[str]:
    """The i18n keys a page script reads: every `L.<key>` it names, and each view's tab label."""
    return set(_LABEL_USE.findall(script)) | {v.name for v in views}


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


def render_page(
    trace: AttentionTrace,
    *,
    lang: str = "ja",
    view: str | None = None,
    layers: list[int] | tuple[int, ...] | None = None,
    focus: tuple[int, int] | None = None,
) -> str:
    """The whole page for `trace` as an HTML string.

    Args:
        lang: "ja" or "en", the labels' language (as the CLI's --lang).
        view: the tab shown first (a registered view that applies to the trace: heatmap, headview,
            modelview, pipeline for toy traces); None: the first that applies (the pipeline for toy
            traces, the heatmap otherwise).
        layers: the layers to include (None: all); fewer layers make a smaller page.
        focus: (layer, head) of a real model that the pipeline tab shows from its captured q, k, v
            (None: the first included layer, head 0).
    Raises:
        PageTooLargeError (an AttnlabError) when the trace has more than encode.MAX_CELLS weight cells.
    """
    check_lang(lang)
    views = page_views(trace)
    first = view_named(view, trace).name if view is not None else next(v for v in views if v.opens_first(trace)).name
    data = encode_trace(trace, layers=layers, views=views, lang=lang, focus=focus)
    script = page_script(views)
    words = page_labels(label_keys(script, views), lang)
    meta = dict(data.meta, labels=words, view=first)
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
