"""Trace -> one self-contained HTML page (a string). Pure: nothing is written or fetched.

The page carries everything: the data from `encode.encode_trace` inside `<script
type="application/json">` (with `<`, `>`, `&` escaped so no token can close the script) and a
base64 blob, and this package's `assets/` (CSS and JS, read and minified by `code.py`). The assets
travel compressed like the data: `page_code` deflates the CSS and the script into one more base64
blob (17 KB for a toy's page, 22 KB for a model's six tabs; every notebook output and every page
file carries them), and a small constant boot script inflates it (DecompressionStream) and inserts
a <style> and a <script>.
A Content-Security-Policy forbids every fetch (`default-src 'none'`) and lets only two scripts run,
by their hashes: the boot script and the inflated page script. Even a token that slipped through as
markup could neither load nor run anything.

The page script is a set of small modules, one per file: `define(name, deps, factory)` registers a
module and `require(name)` builds it once from its dependencies, so files share no names but the ones
they export (and `LABELS`, the page's words). A page holds `core` (data and its indexing, colours,
DOM helpers), `matrix` (the zoomable map component), one module per view that applies to the trace
(`attnlab.views`, in registry order) and `main` (the frame and its tabs). The labels are the i18n keys
that those files use (`L.<key>`).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import zlib
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..i18n import check_lang, page_labels, t
from ..trace import AttentionTrace
from ..views import VIEWS, View, page_views, view_named
from .code import asset, minified
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
# Inflates the page's code (CSS, NUL, script) and inserts it; the same text on every page, so its
# hash is a constant of the CSP. An error (a browser without DecompressionStream) is shown as text.
BOOT = """(function () {
const root = document.getElementById("attnlab-root");
const bytes = Uint8Array.from(atob(document.getElementById("attnlab-code").textContent.trim()), (c) => c.charCodeAt(0));
const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
new Response(stream).text().then((text) => {
const cut = text.indexOf("\\u0000"), style = document.createElement("style"), script = document.createElement("script");
style.textContent = text.slice(0, cut);
document.head.append(style);
script.textContent = text.slice(cut + 1);
document.body.append(script);
}).catch((e) => { root.textContent = `attnlab: ${e}`; });
})();"""
_LABEL_USE = re.compile(r"\bL\.([A-Za-z_]\w*)")


def script_files(views: list[View], arrays: Collection[str] | None = None) -> list[str]:
    """The JS files of a page showing `views`, in load order (a view's helper scripts before it), each
    once. A helper a view needs only for some data (`View.data_scripts`) is in when `arrays`, the names
    of the page's data arrays, hold that data; arrays None: every helper (the web app, listings)."""
    files = [*CORE_JS]
    for v in views:
        files += [*v.scripts, *(f for f, need in v.data_scripts if arrays is None or need in arrays)]
        files.append(f"views/{v.name}.js")
    return list(dict.fromkeys([*files, MAIN_JS]))


def page_script(views: list[View], labels: dict[str, str] | None = None,
                arrays: Collection[str] | None = None) -> str:
    """All modules in one strict-mode function scope with the page's `LABELS`, then `require("main")`."""
    body = "\n".join(minified(name) for name in script_files(views, arrays))
    words = json_for_script(labels or {})
    return f'(function () {{\n"use strict";\nconst LABELS = {words};\n{LOADER}\n{body}\nrequire("main");\n}})();\n'


def page_source(views: list[View], arrays: Collection[str] | None = None) -> str:
    """The source of the page's modules as written (what `label_keys` reads), unminified."""
    return "\n".join(asset(name) for name in script_files(views, arrays))


def label_keys(script: str, views: list[View]) -> set[str]:
    """The i18n keys a page script reads: every `L.<key>` its source names (mangled code renames
    `L`), and each view's tab label."""
    return set(_LABEL_USE.findall(script)) | {v.name for v in views}


def json_for_script(data: Any) -> str:
    """JSON safe inside a <script> element: no `<`, `>`, `&` or line separators appear literally."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for raw, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                     ("\u2029", "\\u2029")):
        text = text.replace(raw, esc)
    return text


@dataclass(frozen=True)
class PageCode:
    """The code of a page with given views and language: the same for every trace alike."""

    script: str  # the page script that runs (its hash is in the page's CSP)
    css: str  # the page's style, without comments and indentation
    packed: str  # base64(deflate(css, NUL, script)): what a packed page carries for BOOT to inflate


@cache
def page_code(view_names: tuple[str, ...], lang: str, arrays: frozenset[str] | None = None) -> PageCode:
    """The script, style and packed code of a page showing these views in `lang`, for data holding
    `arrays` (their names; None: whatever data)."""
    views = [v for name in view_names for v in VIEWS if v.name == name]
    words = page_labels(label_keys(page_source(views, arrays), views), lang)
    script = page_script(views, words, arrays)
    if "</script" in script.lower() or "<!--" in script:  # could end the <script> of an unpacked page
        raise RuntimeError("a page asset contains '</script' or '<!--': write it as '<\\/script' in the JS")
    css = re.sub(r"/\*.*?\*/", "", asset("page.css"), flags=re.S)  # CSS comments: no string holds one
    css = "\n".join(s for s in (line.strip() for line in css.splitlines()) if s)
    packed = base64.b64encode(zlib.compress(f"{css}\n\0{script}".encode(), 9)).decode("ascii")
    return PageCode(script, css, packed)


def code_for(views: list[View], lang: str, arrays: Collection[str]) -> PageCode:
    """`page_code` of a page showing `views` whose data holds `arrays` (names)."""
    deciding = {name for v in views for _, name in v.data_scripts}  # arrays that bring in a helper
    return page_code(tuple(v.name for v in views), lang, frozenset(deciding & set(arrays)))


def opening_view(trace: AttentionTrace, views: list[View] | None = None) -> View:
    """The tab a page of `trace` opens on when none is asked for: the first view that opens first."""
    return next(v for v in (page_views(trace) if views is None else views) if v.opens_first(trace))


def _hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"


def _csp(scripts: list[str]) -> str:
    return (
        f"default-src 'none'; script-src {' '.join(_hash(s) for s in scripts)}; style-src 'unsafe-inline'; "
        "img-src data: blob:; base-uri 'none'; form-action 'none'"
    )


def render_page(
    trace: AttentionTrace,
    *,
    lang: str = "ja",
    view: str | None = None,
    layers: list[int] | tuple[int, ...] | None = None,
    focus: tuple[int, int] | None = None,
    pack: bool = True,
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
        pack: True: the code travels deflated and BOOT inflates it (the smallest file); False: the
            style and the script are inline as text (for a carrier that compresses the whole page,
            as the notebook output does).
    Raises:
        PageTooLargeError (an AttnlabError) when the trace has more than encode.MAX_CELLS weight cells.
    """
    check_lang(lang)
    views = page_views(trace)
    first = view_named(view, trace).name if view is not None else opening_view(trace, views).name
    data = encode_trace(trace, layers=layers, views=views, lang=lang, focus=focus)
    code = code_for(views, lang, data.meta["arrays"])
    meta = dict(data.meta, view=first)
    title = html.escape(f"attnlab · {trace.model} · {trace.n_tokens} {t('tokens', lang)}")
    if pack:
        style, scripts = "", [BOOT, code.script]
        tail = (f'<script type="application/octet-stream" id="attnlab-code">{code.packed}</script>\n'
                f"<script>{BOOT}</script>")
    else:
        style, scripts, tail = f"<style>\n{code.css}\n</style>\n", [code.script], f"<script>{code.script}</script>"
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{html.escape(_csp(scripts))}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n{style}</head>\n<body>\n"
        '<div id="attnlab-root" class="attnlab"></div>\n'
        f'<script type="application/json" id="attnlab-meta">{json_for_script(meta)}</script>\n'
        f'<script type="application/octet-stream" id="attnlab-blob">{data.blob_b64}</script>\n'
        f"{tail}\n</body>\n</html>\n"
    )
