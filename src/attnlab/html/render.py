"""Trace -> one self-contained HTML page (a string). Pure: nothing is written or fetched.

The page carries everything: the data from `encode.encode_trace` inside `<script
type="application/json">` (with `<`, `>`, `&` escaped so no token can close the script) and a base64
blob, its words (`labels`, JSON too) and its code (`code.py`: the compiled JS modules its views need,
and the CSS of assets/page.css). Words and code travel compressed like the data: `page_code`
deflates the CSS, the words and the script into one more base64 blob, and a small constant boot
script (html/js/script/boot.js) inflates it (DecompressionStream) and inserts them.
A Content-Security-Policy forbids every fetch (`default-src 'none'`) and lets only two scripts run,
by their hashes: the boot script and the inflated page script. Even a token that slipped through as
markup could neither load nor run anything.

The page script is the loader, then the modules of the page, each once and after those it imports:
the tab of each view that applies to the trace (`attnlab.views`, in registry order, `views/<name>/tab`)
with its helpers, a view's data modules when the data holds their array, and the entry
(html/js/page.js: core, frame). Its words are the keys those declare (`View.labels`, `FRAME_LABELS`)
in the page's language, `#attnlab-labels`: the JS reads no key it did not declare (tested).

An encoder-decoder's page (`EncoderDecoderTraces`) holds its three parts' data, each a page's meta and
blob (`#attnlab-meta-<part>`, `#attnlab-blob-<part>`: html/parts.py), with the part switch's words
(`#attnlab-parts`); its entry is html/js/parts.js, which mounts each part's frame when it is opened.
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
from typing import TYPE_CHECKING, Any

from ..errors import AttnlabError
from ..i18n import check_lang, page_labels, t
from ..models.parts import EncoderDecoderTraces
from ..trace import AttentionTrace
from ..views import VIEWS, View, view_named
from ..views.heatmap.why import ADVICE, PAGE_BYTES, Panel
from .code import asset, bundle, script
from .encode import opening_view, page_data  # noqa: F401  (opening_view: callers read it from here too)
from .parts import part_pages

if TYPE_CHECKING:
    from ..analysis.effects import HeadEffects
    from ..analysis.flow import FlowGraph
    from ..models.steps import Generation

PAGE_ENTRY = "html/js/page"  # a page file's entry module: reads the page's data, mounts the frame
PARTS_ENTRY = "html/js/parts"  # an encoder-decoder page's: the part switch, each part's frame (html/parts.py)
# the words the shared modules read (html/js/: core.js, frame.js, matrix.js, headgrid.js)
FRAME_LABELS = ("export_png", "export_svg", "head", "heads", "key", "layer", "layers", "map_role", "mask",
                "mean", "one_head", "one_layer", "page_left_out", "page_title", "query", "scale_linear", "scale_log",
                "scale_row", "temperature", "tokens")


def view_units(views: list[View], arrays: Collection[str] | None = None) -> list[str]:
    """The modules that show `views`: each tab, then its data modules whose array is in `arrays` (the
    names of the page's data arrays; None: every one, as the web app carries them)."""
    units = []
    for v in views:
        units.append(f"views/{v.name}/tab")
        units += [f"views/{v.name}/{d.module}" for d in v.data_modules if arrays is None or d.array in arrays]
    return units


def view_labels(views: list[View], arrays: Collection[str] | None = None) -> set[str]:
    """The i18n keys the modules of `view_units` read: each view's labels and name (its tab's label),
    and its data modules' labels where they are carried."""
    keys = set()
    for v in views:
        keys |= {v.name, *v.labels}
        for d in v.data_modules:
            if arrays is None or d.array in arrays:
                keys |= set(d.labels)
    return keys


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
    labels: str  # the page's words, {key: text} as JSON safe in a <script> element
    packed: str  # base64(deflate(css, NUL, labels, NUL, script)): what a packed page carries for boot.js


@cache
def page_code(view_names: tuple[str, ...], lang: str, arrays: frozenset[str] | None = None,
              entry: str = PAGE_ENTRY) -> PageCode:
    """The script, style, words and packed code of a page showing these views in `lang`, for data
    holding `arrays` (their names; None: whatever data), whose script ends with `entry`."""
    views = [v for name in view_names for v in VIEWS if v.name == name]
    code = bundle([*view_units(views, arrays), entry])
    words = json_for_script(page_labels(set(FRAME_LABELS) | view_labels(views, arrays), lang))
    if "</script" in code.lower() or "<!--" in code:  # could end the <script> of an unpacked page
        raise RuntimeError("a page module contains '</script' or '<!--': write it as '<\\/script' in the JS")
    css = re.sub(r"/\*.*?\*/", "", asset("page.css"), flags=re.S)  # CSS comments: no string holds one
    css = "\n".join(s for s in (line.strip() for line in css.splitlines()) if s)
    packed = base64.b64encode(zlib.compress(f"{css}\n\0{words}\0{code}".encode(), 9)).decode("ascii")
    return PageCode(code, css, words, packed)


def code_for(views: list[View], lang: str, arrays: Collection[str], entry: str = PAGE_ENTRY) -> PageCode:
    """`page_code` of a page showing `views` in `lang` whose data holds `arrays` (names)."""
    deciding = {d.array for v in views for d in v.data_modules}  # arrays that bring in a module
    return page_code(tuple(v.name for v in views), lang, frozenset(deciding & set(arrays)), entry)


def _hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"


def _csp(scripts: list[str]) -> str:
    return (
        f"default-src 'none'; script-src {' '.join(_hash(s) for s in scripts)}; style-src 'unsafe-inline'; "
        "img-src data: blob:; base-uri 'none'; form-action 'none'"
    )


def render_page(
    trace: AttentionTrace | EncoderDecoderTraces,
    *,
    lang: str = "ja",
    view: str | None = None,
    layers: list[int] | tuple[int, ...] | None = None,
    focus: tuple[int, int] | None = None,
    pack: bool = True,
    effects: HeadEffects | None = None,
    part: str | None = None,
    generation: Generation | None = None,
    flow: FlowGraph | None = None,
    why: bool = True,
    advice: str = "cli",
) -> str:
    """The whole page for `trace` as an HTML string.

    Args:
        trace: a trace, or an encoder-decoder's `EncoderDecoderTraces` (a page of its three parts
            behind a switch: html/parts.py).
        lang: "ja" or "en", the labels' language (as the CLI's --lang).
        view: the tab shown first (a registered view that applies to the trace: heatmap, headview,
            modelview, pipeline for toy traces); None: the first that applies (the pipeline for toy
            traces, the heatmap otherwise).
        layers: the layers to include (None: all that fit one page, around the focus layer: the page
            names the ones it leaves out); fewer layers make a smaller page.
        focus: (layer, head) of a real model that the pipeline tab shows from its captured q, k, v
            (None: the first included layer, head 0).
        pack: True: the code travels deflated and the boot script inflates it (the smallest file); False: the
            style, the words and the script are inline as text (for a carrier that compresses the whole page,
            as the notebook output does).
        effects: the head effects of this trace (`attnlab.head_effects(...)`, computed beside it: not part of
            the trace): the page gains their tab (views/effects), which `view="effects"` opens first.
        part: an encoder-decoder's part the page opens on: "encoder" (None), "decoder" or "cross";
            `view`, `layers` and `focus` are that part's.
        flow: an information-flow graph of this trace (`attnlab.flow(...)`, of a run with streams=True): the
            page gains its tab (views/flow), which `view="flow"` opens first.
        why: False: the heatmap carries no cells for its "why this score" panel, and so neither the panel's
            code (the notebook output by default, within its byte budget: `attnlab.why` explains a cell there).
        advice: where the page is read, for the advice it gives about a cell it does not carry: "cli" (a page
            file: the `attnlab why` command) or "python" (a notebook output: the `attnlab.why(trace, ...)` call).
    Raises:
        PageTooLargeError (an AttnlabError) when `layers` hold more than layers.MAX_CELLS weight cells,
        or not even one layer fits (its `fits` names the layers that would).
    """
    check_lang(lang)
    if advice not in ADVICE:
        raise AttnlabError(f"advice={advice!r}: choose one of {', '.join(map(repr, ADVICE))}")
    why_given: dict[str, Any] = {"why": Panel(budget=PAGE_BYTES if why else 0, advice=advice)}  # views/heatmap/why.py
    if isinstance(trace, EncoderDecoderTraces):
        if effects is not None or generation is not None or flow is not None:
            raise AttnlabError("effects=, generation= and flow= show one trace's, and an encoder-decoder's page holds "
                               "three parts: leave them out, or give the encoder's or the decoder's trace")
        return _pair_page(trace, lang=lang, part=part or "encoder", view=view, layers=layers, focus=focus, pack=pack,
                          given=why_given)
    if part is not None:
        raise AttnlabError(f"part={part!r} chooses a part of an encoder-decoder's attention, and {trace.model!r} "
                           "is one trace: leave part out")
    given: dict[str, Any] = dict(why_given) if effects is None else {"effects": effects, **why_given}
    if effects is not None:
        view_named("effects", trace, given=given)  # a trace the effects tab cannot show: say so
    if generation is not None:
        given["steps"] = checked_generation(generation, trace)
    if flow is not None:
        given["flow"] = flow
        view_named("flow", trace, given=given)
    views, data = page_data(trace, lang=lang, view=view, layers=layers, focus=focus, given=given)
    code = code_for(views, lang, data.meta["arrays"])
    body = (f'<script type="application/json" id="attnlab-meta">{json_for_script(data.meta)}</script>\n'
            f'<script type="application/octet-stream" id="attnlab-blob">{data.blob_b64}</script>\n')
    return _document(f"attnlab · {trace.model} · {trace.n_tokens} {t('tokens', lang)}", lang, code, body, pack)


def checked_generation(generation: Any, trace: AttentionTrace) -> Any:
    """`generation`, checked to be a Generation of `trace` (its steps are drawn over its rows)."""
    from ..models.steps import Generation
    from ..views.steps.data import check_same_trace

    if not isinstance(generation, Generation):
        raise AttnlabError(f"generation= takes attnlab.generate(...)'s result, got {type(generation).__name__}")
    check_same_trace(generation, trace)
    return generation


def _pair_page(pair: EncoderDecoderTraces, *, lang: str, part: str, view: str | None,
               layers: list[int] | tuple[int, ...] | None, focus: tuple[int, int] | None, pack: bool,
               given: dict[str, Any]) -> str:
    """An encoder-decoder's page: the part switch (#attnlab-parts), then each part's meta and blob."""
    parts = part_pages(pair, lang=lang, part=part, view=view, layers=layers, focus=focus, given=given)
    views = [v for v in VIEWS if any(v in p.views for p in parts)]  # registry order
    code = code_for(views, lang, {a for p in parts for a in p.data.meta["arrays"]}, entry=PARTS_ENTRY)
    switch = {"open": part, "title": t("pair_title", lang, model=pair.model), "label": t("parts_label", lang),
              "parts": [{"name": p.name, "label": p.label} for p in parts]}
    body = f'<script type="application/json" id="attnlab-parts">{json_for_script(switch)}</script>\n' + "".join(
        f'<script type="application/json" id="attnlab-meta-{p.name}">{json_for_script(p.data.meta)}</script>\n'
        f'<script type="application/octet-stream" id="attnlab-blob-{p.name}">{p.data.blob_b64}</script>\n'
        for p in parts)
    return _document(f"attnlab · {pair.model} · {t('pair_title_short', lang)}", lang, code, body, pack)


def _document(title: str, lang: str, code: PageCode, body: str, pack: bool) -> str:
    """The HTML document around a page's data (`body`: its <script> elements) and code."""
    if pack:
        boot = script("boot")
        style, scripts = "", [boot, code.script]
        tail = (f'<script type="application/octet-stream" id="attnlab-code">{code.packed}</script>\n'
                f"<script>{boot}</script>")
    else:
        style, scripts = f"<style>\n{code.css}\n</style>\n", [code.script]
        tail = (f'<script type="application/json" id="attnlab-labels">{code.labels}</script>\n'
                f"<script>{code.script}</script>")
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{html.escape(_csp(scripts))}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n{style}</head>\n<body>\n"
        '<main id="attnlab-root" class="attnlab"></main>\n'
        f"{body}{tail}\n</body>\n</html>\n"
    )
