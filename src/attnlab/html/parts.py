"""An encoder-decoder's page: its three parts of attention behind one switch (encoder | decoder | cross).

`EncoderDecoderTraces` holds two traces and cross-attention beside them (models/parts.py says why
cross-attention is no trace: the contract has one token list for both axes of every map). Its page
shows all three, each as a page of its own under a part switch (html/js/parts.js mounts each with its
own core when first opened):

- the encoder's and the decoder's self-attention: ordinary trace pages (`encode.page_data`), every
  view that applies;
- cross-attention: a page whose maps are [target, source]. Its data is the trace pages' data with one
  more key, `k_tokens`: the columns' tokens where they are not the rows' (paired axes). The core reads
  it (core.K, core.keyLabel) and the views that declare `View.paired` (the heatmap, the head view, the
  model view: drawn from the weight maps alone) label their columns with it. It is made from the
  `CrossAttention`'s own `head_weights`, quantised as every page's weights (`encode.quantise_rows`).

`layers`, `focus` and `view` are the opening part's (checked as for any page); the other parts hold the
same layers and open on the same (layer, head) and tab where they have them, else their own defaults
(a part whose layers are fewer says which it left out, as every page does).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..errors import AttnlabError
from ..i18n import t
from ..models.parts import CrossAttention, EncoderDecoderTraces
from ..trace import AttentionTrace
from ..views import VIEWS, View, page_views, view_named
from ..views.heatmap.why import Panel
from .encode import PRECISION, Blob, PageData, page_data, quantise_rows, token_meta, weight_maps
from .layers import plan_layers

PARTS = ("encoder", "decoder", "cross")  # in the switch's order


@dataclass(frozen=True)
class PartPage:
    """One part of an encoder-decoder's page."""

    name: str  # "encoder", "decoder" or "cross"
    label: str  # its button in the part switch, in the page's language
    views: list[View]  # its tabs, in registry order
    data: PageData  # its meta (meta["view"]: the tab it opens on) and blob


def cross_views() -> list[View]:
    """The tabs of a cross-attention part: the page views that draw maps whose columns are other tokens."""
    return [v for v in VIEWS if v.paired and not v.live]


def check_part(part: object) -> str:
    """`part`, when it is one of PARTS; AttnlabError naming them otherwise."""
    if part not in PARTS:
        raise AttnlabError(f"part {part!r} is not a part of an encoder-decoder's attention: choose one of "
                           f"{', '.join(PARTS)}")
    return str(part)


def check_choice(pair: EncoderDecoderTraces, part: str | None, view: str | None) -> str:
    """The part a page of `pair` opens on (None: the encoder), checked together with `view` (a tab that
    part shows); AttnlabError naming the choices otherwise."""
    name = check_part("encoder" if part is None else part)
    if view is not None and name == "cross":
        _cross_view(view)
    elif view is not None:
        view_named(view, pair.encoder if name == "encoder" else pair.decoder)
    return name


def _cross_view(view: str | None) -> None:
    names = [v.name for v in cross_views()]
    if view is not None and view not in names:
        raise AttnlabError(f"view {view!r} does not show cross-attention: choose one of {', '.join(names)}")


def part_pages(pair: EncoderDecoderTraces, *, lang: str, part: str, view: str | None,
               layers: Sequence[int] | None, focus: tuple[int, int] | None,
               given: dict[str, Any] | None = None) -> list[PartPage]:
    """The three parts' pages; `part` opens first and its `view`, `layers` and `focus` are checked.
    `given` (render_page's: the why panel's budget and surface) goes to the encoder's and decoder's."""
    check_part(part)
    out = []
    for name in PARTS:
        strict = name == part
        if name == "cross":
            q, k = pair.cross.q_tokens, pair.cross.k_tokens
            label = t("part_cross", lang, q=len(q), k=len(k))
            views, data = cross_data(pair.cross, lang=lang, view=view, layers=layers, focus=focus, strict=strict)
        else:
            trace = pair.encoder if name == "encoder" else pair.decoder
            label = t(f"part_{name}", lang, n=trace.n_tokens)
            panel = replace((given or {}).get("why") or Panel(), part=name)  # its why call: trace.<part>
            views, data = _self_data(trace, lang=lang, view=view, layers=layers, focus=focus, strict=strict,
                                     given={**(given or {}), "why": panel})
        out.append(PartPage(name, label, views, data))
    return out


def _kept(n_layers: int, n_heads: int, view: str | None, names: list[str], layers: Sequence[int] | None,
          focus: tuple[int, int] | None) -> tuple[str | None, list[int] | None, tuple[int, int] | None]:
    """Another part's view, layers and focus: the opening part's where this part has them, else None."""
    held = None if layers is None else [int(x) for x in layers if 0 <= int(x) < n_layers] or None
    fits = focus is not None and 0 <= focus[0] < n_layers and 0 <= focus[1] < n_heads
    return (view if view in names else None, held,
            focus if fits and (held is None or focus[0] in held) else None)


def _self_data(trace: AttentionTrace, *, lang: str, view: str | None, layers: Sequence[int] | None,
               focus: tuple[int, int] | None, strict: bool,
               given: dict[str, Any] | None) -> tuple[list[View], PageData]:
    if not strict:
        view, layers, focus = _kept(trace.n_layers, trace.n_heads, view, [v.name for v in page_views(trace)],
                                    layers, focus)
    return page_data(trace, lang=lang, view=view, layers=layers, focus=focus, given=given)


def cross_data(cross: CrossAttention, *, lang: str, view: str | None, layers: Sequence[int] | None,
               focus: tuple[int, int] | None, strict: bool = True, level: int = 9) -> tuple[list[View], PageData]:
    """A cross-attention part's views and data: [layer, map, target, source] weights (see the module
    docstring), holding `layers` (None: as many as fit around the focus layer)."""
    views = cross_views()
    names = [v.name for v in views]
    if not strict:
        view, layers, focus = _kept(cross.n_layers, cross.n_heads, view, names, layers, focus)
    _cross_view(view)
    if focus is not None:
        cross.check_layer_head(*focus)
    n_q, n_k = len(cross.q_tokens), len(cross.k_tokens)
    held = list(plan_layers(n_q, cross.n_layers, cross.n_heads, layers, focus=focus[0] if focus else 0,
                            n_keys=n_k).layers)
    blob = Blob()
    codes, step = quantise_rows(weight_maps(cross.head_weights, held))
    blob.add("weights", codes)  # [layer, map, q_pos (target), k_pos (source)] uint8
    blob.add("step", step)  # [layer, map, q_pos] fp32
    meta = {
        "model": cross.model, "n_layers": cross.n_layers, "n_heads": cross.n_heads,
        "causal": False, "temperature": 1.0, "layers": held, "has_mean": cross.n_heads > 1, "precision": PRECISION,
        "tokens": token_meta(cross.q_tokens),  # the rows: the decoder's tokens
        "k_tokens": token_meta(cross.k_tokens),  # the columns: the encoder's tokens (paired axes)
        "has_scores": False, "has_stages": False, "views": names, "view_meta": {},
        "focus": list(focus if focus is not None else (held[0], 0)), "arrays": blob.index, "remote": False,
        "view": view if view is not None else names[0],
    }
    return views, PageData(meta=meta, blob_b64=blob.encoded(level))
