"""Notebooks (JupyterLab, Notebook 7, Colab, VS Code, nbconvert): how a trace displays itself.

Displaying a trace (a cell's last expression, `display(trace)`, or `attnlab.show(trace, lang="en")`)
sends two outputs (`outputs`):

1. the preview: a PNG of the page's opening view with one caption line saying how to see the page
   (`plot.preview`), marked with a random id in a PNG text chunk;
2. the page: a small script (application/javascript, `LOADER`) that puts the page into a sandboxed
   `<iframe srcdoc>` (`allow-scripts allow-downloads`, no same-origin: the page cannot reach the
   notebook, and its Save PNG/SVG still download), gives the frame the height the page reports
   (postMessage; the page re-reports when it is resized) and hides the preview with the same id.
   Its text/plain is the trace's one-line repr.

Why a script output and a separate PNG, not one HTML output: every host shows one MIME type per
output, chosen by its own priority. JupyterLab and Notebook 7 rank application/javascript first but
run it only in trusted outputs; untrusted (outputs saved by another run) they show the best safe type
instead, the preview's PNG and the page's plain text. `nbconvert --sanitize-html` drops script outputs
and passes HTML through bleach, which allows no iframe, img or script: an HTML output holding the
page shows there as escaped markup, a PNG shows as the picture. Colab, VS Code and nbconvert's plain
HTML run the script. Where the script cannot find the preview (a host that shows PNGs from blob:
URLs it cannot read), both show: the picture above the page.

`display_html` (`trace._repr_html_()`, for hosts that ask for HTML) is the page in the same sandboxed
frame with an inline script for its height; where that script does not run, the frame keeps a fixed
height and the page scrolls inside it. A trace too large for a page shows the reason instead.
"""

from __future__ import annotations

import base64
import html
import secrets
import zlib
from dataclasses import dataclass
from functools import cache
from typing import Any

from .errors import AttnlabError
from .html import render_page
from .html.render import json_for_script
from .i18n import check_lang, t
from .trace import AttentionTrace

FRAME_HEIGHT = 640  # px: the frame before the page reports its height (and where nothing listens)
MAX_FRAME_HEIGHT = 1600  # px: a taller page scrolls inside its frame
SANDBOX = "allow-scripts allow-downloads"  # no allow-same-origin: the page's origin is opaque

# Sizes a frame to its page: the page posts {attnlab: "size", height} (html/assets/main.js). A frame
# that left the document (a cleared output) drops its listener a minute later; one that comes back
# (JupyterLab re-attaches cells scrolled out of view) is still sized.
_FIT = """function fit(frame) {
let gone = 0;
function drop() { gone = 0; if (!frame.isConnected) removeEventListener("message", listen); }
function listen(e) {
if (!frame.isConnected) { gone = gone || setTimeout(drop, 60000); return; }
if (e.source !== frame.contentWindow || !e.data || e.data.attnlab !== "size") return;
frame.style.height = `${Math.min(MAX, Math.max(80, Math.ceil(+e.data.height || 0) + 2))}px`;
}
addEventListener("message", listen);
}"""

# The page output's script. The page travels as base85(deflate(page)) (its code unpacked, so the
# whole compresses once). `element` is the output's node in JupyterLab, Notebook 7 and nbconvert (a
# jQuery object in the classic notebook); VS Code runs it as a <script> (currentScript); Colab's
# output frame is a document of its own (body). Then the preview of this very output is hidden: an
# image whose PNG text chunk (in its first bytes) carries MARK.
LOADER = """(function (element) {
"use strict";
const Z = __Z__, MARK = __MARK__, MAX = __MAX__;
__FIT__
const host = (element && (element.jquery ? element[0] : element)) ||
(document.currentScript && document.currentScript.parentElement) || document.body;
const frame = document.createElement("iframe");
frame.setAttribute("sandbox", __SANDBOX__);
frame.setAttribute("title", "attnlab");
frame.style.cssText = "display:block;width:100%;height:__HEIGHT__px;border:1px solid #ddd;box-sizing:border-box";
fit(frame);
host.appendChild(frame);
// Z is base85 (Python's b85encode alphabet): 5 characters carry 4 bytes
const A = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~";
const digit = new Uint8Array(128), pad = (5 - (Z.length % 5)) % 5, raw = new Uint8Array((Z.length + pad) / 5 * 4);
for (let i = 0; i < 85; i++) digit[A.charCodeAt(i)] = i;
for (let i = 0, o = 0; i < Z.length; i += 5, o += 4) {
let v = 0;
for (let j = i; j < i + 5; j++) v = v * 85 + (j < Z.length ? digit[Z.charCodeAt(j)] : 84);
raw[o] = v >>> 24; raw[o + 1] = (v >>> 16) & 255; raw[o + 2] = (v >>> 8) & 255; raw[o + 3] = v & 255;
}
const inflate = new Blob([raw.subarray(0, raw.length - pad)]).stream().pipeThrough(new DecompressionStream("deflate"));
new Response(inflate).text().then((page) => { frame.srcdoc = page; },
(e) => { host.append(`attnlab: ${e}`); });
let found = false;
const tag = `attnlab\\u0000${MARK}`, hide = (img) => { img.style.display = "none"; found = true; };
const ours = (img) => {
const src = img.getAttribute("src") || "";
if (src.startsWith("data:image/png;base64,")) {
try { if (atob(src.slice(22, 4118)).includes(tag)) hide(img); } catch (e) { return; }
} else if (src.startsWith("blob:")) {
fetch(src).then((r) => r.arrayBuffer()).then((b) => {
if (String.fromCharCode(...new Uint8Array(b, 0, Math.min(4096, b.byteLength))).includes(tag)) hide(img);
}).catch(() => {});
}
};
let tries = 8;
(function look() {
Array.from(document.images).forEach(ours);
if (--tries > 0 && !found) setTimeout(look, 250);
})();
})(typeof element !== "undefined" ? element : null);
"""


@dataclass(frozen=True)
class Page:
    """A trace as a notebook shows it; `attnlab.show` makes one. Display it (or end a cell with it)."""

    trace: AttentionTrace  # what is shown
    lang: str = "ja"  # the page's and the preview's language
    view: str | None = None  # the tab that opens first (None: the first that applies)
    layers: tuple[int, ...] | None = None  # the layers the page holds (None: all)
    focus: tuple[int, int] | None = None  # (layer, head) it opens on (None: the first layer's head 0)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        for data, metadata in outputs(self.trace, **self._options()):
            display(data, raw=True, metadata=metadata)

    def _repr_html_(self) -> str:
        return display_html(self.trace, **self._options())

    def _options(self) -> dict[str, Any]:
        return {"lang": self.lang, "view": self.view, "layers": self.layers, "focus": self.focus}

    def __repr__(self) -> str:
        return repr(self.trace)


def show(trace: AttentionTrace, *, lang: str = "ja", view: str | None = None,
         layers: list[int] | tuple[int, ...] | None = None, focus: tuple[int, int] | None = None) -> Page:
    """The interactive page of `trace` for a notebook, in `lang` ("ja" or "en"), opening on `view`.

    `trace` alone at the end of a cell shows the same page in Japanese; `show` chooses the language,
    the first tab, the layers (fewer layers, a smaller notebook) and the (layer, head) it opens on.
    """
    check_lang(lang)
    if not isinstance(trace, AttentionTrace):
        raise AttnlabError(f"show() takes a trace (attnlab.run_toy, attnlab.run_text), got {type(trace).__name__}")
    if view is not None:
        from .views import view_named

        view_named(view, trace)  # a view that does not exist or apply: say so now, not at display
    return Page(trace, lang, view, None if layers is None else tuple(int(x) for x in layers),
                None if focus is None else (int(focus[0]), int(focus[1])))


def preview(trace: AttentionTrace, *, lang: str = "ja", view: str | None = None,
            layers: list[int] | tuple[int, ...] | None = None, focus: tuple[int, int] | None = None,
            marker: str = "") -> bytes:
    """The PNG of the page's opening view at the (layer, head) it opens on (the view's first figure,
    else the heatmap's), captioned."""
    from .html.render import opening_view
    from .plot.preview import preview_png
    from .views import FigureOptions, file_stem, view_named

    opening = view_named(view, trace) if view is not None else opening_view(trace)
    layer, head = focus if focus is not None else (min(layers) if layers else 0, 0)
    opts = FigureOptions(lang=lang, layer=layer, head=head, stem=file_stem(trace.model))
    jobs = opening.figures(trace, opts) or view_named("heatmap", trace).figures(trace, opts)
    fig = next(iter(jobs.values())).make()
    return preview_png(fig, t("nb_preview_caption", lang), marker=marker)


def outputs(trace: AttentionTrace, *, lang: str = "ja", view: str | None = None,
            layers: list[int] | tuple[int, ...] | None = None,
            focus: tuple[int, int] | None = None) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The notebook outputs of `trace` as (data, metadata) pairs: the preview, then the page (see the
    module docstring); a trace too large for a page gives one text output with the reason."""
    try:
        page = render_page(trace, lang=lang, view=view, layers=layers, focus=focus, pack=False)
    except AttnlabError as e:
        return [({"text/plain": f"attnlab: {e}"}, {})]
    mark = secrets.token_hex(8)
    png = preview(trace, lang=lang, view=view, layers=layers, focus=focus, marker=mark)
    packed = _b85_literal(zlib.compress(page.encode("utf-8"), 9))
    script = _loader().replace("__MARK__", json_for_script(mark)).replace("__Z__", packed)
    return [
        ({"image/png": base64.b64encode(png).decode("ascii"), "text/plain": t("nb_preview_text", lang)}, {}),
        ({"application/javascript": script, "text/plain": repr(trace)}, {}),
    ]


@cache
def _loader() -> str:
    """LOADER minified, with the constants in; the page and the mark are filled in per output."""
    from .html.code import minify_js

    text = LOADER.replace("__FIT__", _FIT).replace("__MAX__", str(MAX_FRAME_HEIGHT))
    text = text.replace("__SANDBOX__", json_for_script(SANDBOX)).replace("__HEIGHT__", str(FRAME_HEIGHT))
    return minify_js(text)


def _b85_literal(data: bytes) -> str:
    """`data` as a JS string literal in base85: a sixteenth smaller than base64. Its alphabet has no
    quote, backslash or slash (so no "</script"); the one sequence that could still end an exported
    <script> early, "<!--", is written "\\x3c!--"."""
    return '"' + base64.b85encode(data).decode("ascii").replace("<!--", "\\x3c!--") + '"'


def notebook_html(page: str, *, height: int = FRAME_HEIGHT) -> str:
    """The page inside a sandboxed <iframe srcdoc> (the attribute fully escaped), with the script
    that gives the frame the page's height; without that script the page scrolls in a fixed frame."""
    fid = f"attnlab-{secrets.token_hex(6)}"
    return (
        f'<iframe id="{fid}" sandbox="{SANDBOX}" srcdoc="{html.escape(page, quote=True)}" '
        f'style="width: 100%; height: {int(height)}px; border: 1px solid #ddd; box-sizing: border-box;" '
        'title="attnlab"></iframe>\n'
        f'<script>(function () {{\nconst MAX = {MAX_FRAME_HEIGHT};\n{_FIT}\n'
        f'fit(document.getElementById("{fid}"));\n}})();</script>'
    )


def display_html(trace: AttentionTrace, *, lang: str = "ja", view: str | None = None,
                 layers: list[int] | tuple[int, ...] | None = None, focus: tuple[int, int] | None = None) -> str:
    """The HTML form of a trace: its page in a frame, or one escaped line saying why not."""
    try:
        return notebook_html(render_page(trace, lang=lang, view=view, layers=layers, focus=focus))
    except AttnlabError as e:
        return f"<pre>attnlab: {html.escape(str(e))}</pre>"


def ipython_display(trace: AttentionTrace) -> None:
    """IPython's display of a bare trace (`trace._ipython_display_()`): `show(trace)` in Japanese."""
    show(trace)._ipython_display_()
