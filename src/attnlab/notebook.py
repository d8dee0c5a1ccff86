"""Notebooks (JupyterLab, Notebook 7, Colab, VS Code, nbconvert): how a trace displays itself.

Displaying a trace (a cell's last expression, `display(trace)`, or `attnlab.show(trace, lang="en")`)
sends two outputs (`outputs`):

1. the preview: a PNG of the page's opening view with one caption line saying how to see the page
   (`plot.preview`), marked with a random id in a PNG text chunk;
2. the page: a small script (application/javascript: html/js/script/fit.js and notebook.js, called
   with the output's data as JSON) that puts the page into a sandboxed `<iframe srcdoc>`
   (`allow-scripts allow-downloads`, no same-origin: the page cannot reach the notebook, and its
   Save PNG/SVG still download), gives the frame the height the page reports
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
marimo displays a trace (and `show`'s Page) through `_repr_html_`: HTML with a script goes into an iframe
document of marimo's own, which marimo fits to that document only in standards mode, so the HTML starts
with `<!DOCTYPE html>` (hosts that insert HTML into their own page ignore it). tests/notebooks/test_marimo.py.
"""

from __future__ import annotations

import base64
import html
import json
import secrets
import sys
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import AttnlabError
from .html import render_page
from .html.code import script
from .i18n import check_lang, t
from .models.parts import EncoderDecoderTraces
from .trace import AttentionTrace

if TYPE_CHECKING:
    from .analysis.effects import HeadEffects
    from .analysis.flow import FlowGraph
    from .models.steps import Generation

Shown = AttentionTrace | EncoderDecoderTraces  # what a page shows: a trace, or an encoder-decoder's three parts

FRAME_HEIGHT = 640  # px: the frame before the page reports its height (and where nothing listens)
MAX_FRAME_HEIGHT = 1600  # px: a taller page scrolls inside its frame
SANDBOX = "allow-scripts allow-downloads"  # no allow-same-origin: the page's origin is opaque


@dataclass(frozen=True)
class Page:
    """A trace as a notebook shows it; `attnlab.show` makes one. Display it (or end a cell with it)."""

    trace: Shown  # what is shown
    lang: str = "ja"  # the page's and the preview's language
    view: str | None = None  # the tab that opens first (None: the first that applies)
    layers: tuple[int, ...] | None = None  # the layers the page holds (None: all)
    focus: tuple[int, int] | None = None  # (layer, head) it opens on (None: the first layer's head 0)
    effects: HeadEffects | None = None  # the head effects of this trace: their tab (None: none)
    part: str | None = None  # an encoder-decoder's part it opens on (None: the encoder; html/parts.py)
    generation: Generation | None = None  # the generation whose trace this is: the steps tab (None: none)
    flow: FlowGraph | None = None  # an information-flow graph of this trace: its tab (None: none)
    why: bool = False  # the heatmap's "why this score" panel with its carried cells (off: the output's bytes)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        for data, metadata in outputs(self.trace, **self._options()):
            display(data, raw=True, metadata=metadata)

    def _repr_html_(self) -> str:
        return display_html(self.trace, **self._options())

    def _options(self) -> dict[str, Any]:
        return {"lang": self.lang, "view": self.view, "layers": self.layers, "focus": self.focus,
                "effects": self.effects, "part": self.part, "generation": self.generation, "flow": self.flow,
                "why": self.why}

    def __repr__(self) -> str:
        return repr(self.trace)


def show(trace: Shown | HeadEffects | Generation, *, lang: str = "ja", view: str | None = None,
         layers: list[int] | tuple[int, ...] | None = None, focus: tuple[int, int] | None = None,
         effects: HeadEffects | None = None, part: str | None = None, generation: Generation | None = None,
         flow: FlowGraph | None = None, why: bool = False) -> Page:
    """The interactive page of `trace` for a notebook, in `lang` ("ja" or "en"), opening on `view`.

    `trace` alone at the end of a cell shows the same page in Japanese; `show` chooses the language,
    the first tab, the layers (fewer layers, a smaller notebook) and the (layer, head) it opens on.
    `effects` (attnlab.head_effects(...) of this trace) adds their tab, which the page opens on;
    `show(effects)` is the same as `show(effects.trace, effects=effects)`; `show(gen)` of `attnlab.generate(...)`
    is `show(gen.trace, generation=gen)`: the page opens on the steps tab (views/steps). `flow`
    (attnlab.flow(...) of this trace, run with streams=True) adds the flow tab, which the page opens on.
    An encoder-decoder's `EncoderDecoderTraces` shows its three parts behind a switch, opening on
    `part` ("encoder", "decoder" or "cross"), whose view, layers and focus the others are.
    `why=True` adds the heatmap's "why this score" panel with the cells it carries (the focus head's,
    up to 64 KiB of JSON); a cell it does not carry names the `attnlab.why(trace, ...)` call. Off by
    default: it adds to the notebook file (measured: about 8 KB for a toy, 25 KB for SmolLM2 on 12 tokens).
    """
    check_lang(lang)
    if generation is None and _is_generation(trace):
        trace, generation = trace.trace, trace  # type: ignore[union-attr]
    if effects is None and _is_effects(trace):
        trace, effects = trace.trace, trace
    if effects is not None and not _is_effects(effects):
        raise AttnlabError(f"show(effects=...) takes attnlab.head_effects(...), got {type(effects).__name__}")
    if isinstance(trace, EncoderDecoderTraces):
        from .html.parts import check_choice

        if effects is not None or flow is not None or generation is not None:
            raise AttnlabError("effects=, flow= and generation= show one trace's, and an encoder-decoder's page holds "
                               "three parts: leave them out, or show the encoder's or the decoder's trace")
        check_choice(trace, part, view)  # a part or a view that is not there: say so now, not at display
    elif not isinstance(trace, AttentionTrace):
        raise AttnlabError(f"show() takes a trace (attnlab.run_toy, attnlab.run_text) or head effects "
                           f"(attnlab.head_effects), got {type(trace).__name__}")
    elif part is not None:
        raise AttnlabError(f"part={part!r} chooses a part of an encoder-decoder's attention, and {trace.model!r} "
                           "is one trace: leave part out")
    else:
        if effects is not None:
            from .views.effects.data import check_same_trace

            check_same_trace(effects, trace, lang)
            view = view or "effects"
        if flow is not None:
            view = view or _check_flow(flow, trace, lang)
        if view is not None:
            from .views import view_named

            view_named(view, trace, given=_given(effects, generation, flow))  # not at display: now
    if generation is not None:
        from .html.render import checked_generation

        checked_generation(generation, trace)
    if not isinstance(why, bool):
        raise AttnlabError(f"why= takes True or False, got {why!r}")
    return Page(trace, lang, view, None if layers is None else tuple(int(x) for x in layers),
                None if focus is None else (int(focus[0]), int(focus[1])), effects, part, generation, flow, why)


def _is_generation(obj: Any) -> bool:
    """Whether `obj` is attnlab.generate's result (its module is imported once one exists)."""
    module = sys.modules.get("attnlab.models.steps")
    return module is not None and isinstance(obj, module.Generation)


def _check_flow(flow: Any, trace: AttentionTrace, lang: str) -> str:
    """The flow tab's name, once `flow` is known to be a flow graph of `trace` (else AttnlabError)."""
    module = sys.modules.get("attnlab.analysis.flow")
    if module is None or not isinstance(flow, module.FlowGraph):
        raise AttnlabError(f"show(flow=...) takes attnlab.flow(...), got {type(flow).__name__}")
    from .views.flow.data import check_same_trace

    check_same_trace(flow, trace, lang)
    return "flow"


def _given(effects: Any, generation: Any, flow: Any) -> tuple[str, ...]:
    """The names of the views given their data beside the trace (PageOptions.given's keys)."""
    return tuple(name for name, value in (("effects", effects), ("steps", generation), ("flow", flow))
                 if value is not None)


def _is_effects(obj: Any) -> bool:
    """Whether `obj` is head effects (their module is imported once any exist: nothing is imported here)."""
    module = sys.modules.get("attnlab.analysis.effects")
    return module is not None and isinstance(obj, module.HeadEffects)


def preview(trace: Shown, *, lang: str = "ja", view: str | None = None,
            layers: list[int] | tuple[int, ...] | None = None, focus: tuple[int, int] | None = None,
            marker: str = "", effects: HeadEffects | None = None, part: str | None = None,
            generation: Generation | None = None, flow: FlowGraph | None = None) -> bytes:
    """The PNG of the page's opening view at the (layer, head) it opens on (the view's first figure,
    else the heatmap's; an encoder-decoder's: its opening part's, the cross-attention's heatmap), captioned."""
    from .html.encode import opening_view
    from .plot.preview import preview_png
    from .views import FigureOptions, file_stem, view_named

    layer, head = focus if focus is not None else (min(layers) if layers else 0, 0)
    if isinstance(trace, EncoderDecoderTraces):
        from .html.parts import check_choice

        name = check_choice(trace, part, view)
        if name == "cross":
            from .plot.cross import plot_cross

            return preview_png(plot_cross(trace, layer, head, lang=lang), t("nb_preview_caption", lang), marker=marker)
        trace = trace.encoder if name == "encoder" else trace.decoder
    given = _given(effects, generation, flow)  # (the effects, steps and flow tabs draw no figure: the heatmap's below)
    opening = view_named(view, trace, given=given) if view is not None else opening_view(trace)
    opts = FigureOptions(lang=lang, layer=layer, head=head, stem=file_stem(trace.model))
    jobs = opening.figures(trace, opts) or view_named("heatmap", trace).figures(trace, opts)
    fig = next(iter(jobs.values())).make()
    return preview_png(fig, t("nb_preview_caption", lang), marker=marker)


def outputs(trace: Shown, *, lang: str = "ja", view: str | None = None,
            layers: list[int] | tuple[int, ...] | None = None, focus: tuple[int, int] | None = None,
            effects: HeadEffects | None = None, part: str | None = None, generation: Generation | None = None,
            flow: FlowGraph | None = None, why: bool = False) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The notebook outputs of `trace` as (data, metadata) pairs: the preview, then the page (see the
    module docstring); a trace too large for a page gives one text output with the reason."""
    try:
        # no why panel unless asked (its bytes: tests/test_notebook.py's budget); attnlab.why explains a cell
        page = render_page(trace, lang=lang, view=view, layers=layers, focus=focus, pack=False, effects=effects,
                           part=part, generation=generation, flow=flow, why=why, advice="python")
    except AttnlabError as e:
        return [({"text/plain": f"attnlab: {e}"}, {})]
    mark = secrets.token_hex(8)
    png = preview(trace, lang=lang, view=view, layers=layers, focus=focus, marker=mark, effects=effects, part=part,
                  generation=generation, flow=flow)
    data = {"page": base64.b85encode(zlib.compress(page.encode("utf-8"), 9)).decode("ascii"), "mark": mark,
            "sandbox": SANDBOX, "height": FRAME_HEIGHT, "max": MAX_FRAME_HEIGHT}
    script = call("attnlabNotebook", data, scripts=("fit", "notebook"))
    return [
        ({"image/png": base64.b64encode(png).decode("ascii"), "text/plain": t("nb_preview_text", lang)}, {}),
        ({"application/javascript": script, "text/plain": repr(trace)}, {}),
    ]


def call(function: str, *args: Any, scripts: tuple[str, ...]) -> str:
    """`scripts` (html/js/script/, compiled), then a call of `function` with `args` as JSON: the only
    JS written here. The JSON cannot end an exported <script> early: "</" and "<!--" are escaped
    (base85, the page's encoding, holds "<" but no "/"); the rest of JSON is a JS literal as it is."""
    text = ",".join(json.dumps(a, separators=(",", ":"), allow_nan=False) for a in args)
    text = text.replace("</", "<\\/").replace("<!--", "\\u003c!--")
    return "\n".join([*(script(name) for name in scripts), f"{function}({text});\n"])


def notebook_html(page: str, *, height: int = FRAME_HEIGHT) -> str:
    """The page inside a sandboxed <iframe srcdoc> (the attribute fully escaped), with the script
    that gives the frame the page's height; without that script the page scrolls in a fixed frame."""
    fid = f"attnlab-{secrets.token_hex(6)}"
    return (
        "<!DOCTYPE html>\n"  # for marimo: see the module docstring
        f'<iframe id="{fid}" sandbox="{SANDBOX}" srcdoc="{html.escape(page, quote=True)}" '
        f'style="width: 100%; height: {int(height)}px; border: 1px solid #ddd; box-sizing: border-box;" '
        'title="attnlab"></iframe>\n'
        f"<script>{call('attnlabFit', fid, MAX_FRAME_HEIGHT, scripts=('fit',))}</script>"
    )


def display_html(trace: Shown, *, lang: str = "ja", view: str | None = None,
                 layers: list[int] | tuple[int, ...] | None = None, focus: tuple[int, int] | None = None,
                 effects: HeadEffects | None = None, part: str | None = None,
                 generation: Generation | None = None, flow: FlowGraph | None = None, why: bool = False) -> str:
    """The HTML form of a trace: its page in a frame, or one escaped line saying why not."""
    try:
        return notebook_html(render_page(trace, lang=lang, view=view, layers=layers, focus=focus, effects=effects,
                                         part=part, generation=generation, flow=flow, why=why, advice="python"))
    except AttnlabError as e:
        return f"<pre>attnlab: {html.escape(str(e))}</pre>"


def ipython_display(trace: Shown) -> None:
    """IPython's display of a bare trace (`trace._ipython_display_()`): `show(trace)` in Japanese."""
    show(trace)._ipython_display_()
