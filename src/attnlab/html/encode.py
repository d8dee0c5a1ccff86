"""Trace -> page data: the one Python-to-JS conversion of the pages (and its inverse, for tests).

Why this shape: a bertviz-style page writes every weight as a JSON float (~20 characters each;
146 MB for 211 tokens of MiniLM). Here the numbers travel as one binary blob:

- weights: per map (layer, head) and per query row, 8-bit codes on a step of
  step = min(1/255, rowmax/32): w ~ code * step. The error is at most step/2 <= 1/510 = 0.00196
  (the page says "±0.002"). A row with a large maximum gets the full 0..1 range in 255 steps; a row
  whose weights are all small (a 4,096-token row near 1/4096) still gets 32 levels up to its maximum,
  so its shape survives where a fixed 0..1 scale would round it to zeros. Fewer levels for such rows
  is what keeps the page small: at 211 tokens x 72 heads of MiniLM, 255 levels per row compress to
  1.9 MB, 32 to 1.1 MB, a fixed 0..1 scale to 0.8 MB. The step is kept as fp32 per row.
- the head mean of each layer (when there are several heads) is one more map after the heads,
  quantised the same way, so its error bound is the same.
- scores (pre-softmax) as fp32 when small, and the arrays the page's tabs ask for (the pipeline's
  stages x, Q, K, V, ...: `attnlab.views`), as fp32.
The blob is zlib-compressed (deflate; the browser inflates it with DecompressionStream) and base64
encoded. `meta["arrays"]` says where each array lies: dtype, shape, byte offset.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from ..errors import AttnlabError
from ..views import PageOptions, View, page_views, view_named
from .layers import plan_layers

if TYPE_CHECKING:
    from ..trace import AttentionTrace, Token

# The largest page: weight cells (maps x q_pos x k_pos, head means included) in one file. 2**25 is
# e.g. one head at 4,096 tokens twice over, or MiniLM's 72 heads at 640 tokens: the browser then holds
# 32 MiB of bytes and the file stays in the tens of MB. Beyond it a page would freeze the browser.
# (html/layers.py holds it, with the plan of which layers a page keeps.)
# Scores travel as fp32 (4 bytes a cell), so only for traces up to this many cells (all toy traces).
MAX_SCORE_CELLS = 2**20

QUANT_STEPS = 255  # 8-bit codes: a row with maximum 1 spans 0..255
ROW_LEVELS = 32  # at least this many levels between 0 and any row's maximum
PRECISION = 0.002  # the bound stated on the page: step / 2 <= 1 / 510 < 0.002


@dataclass(frozen=True)
class PageData:
    """What the page script reads: a JSON-ready description and the binary blob it points into."""

    meta: dict[str, Any]  # tokens, shape, arrays (name -> dtype, shape, offset), labels are added later
    blob_b64: str  # base64 of zlib(deflate) of the concatenated arrays


def check_size(trace: AttentionTrace, layers: list[int] | tuple[int, ...] | None) -> list[int]:
    """The layers a page of `trace` holds (None: all), checked: PageTooLargeError past MAX_CELLS (its
    `fits`: the layers that would fit), AttnlabError for a layer the trace lacks."""
    asked = list(range(trace.n_layers)) if layers is None else layers
    return list(plan_layers(trace.n_tokens, trace.n_layers, trace.n_heads, asked).layers)


def quantise_rows(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """w [..., q_pos, k_pos] -> (codes uint8 same shape, step fp32 [..., q_pos]); w ~ codes * step."""
    rowmax = w.max(axis=-1)  # [..., q_pos]
    step = np.minimum(1.0 / QUANT_STEPS, rowmax / ROW_LEVELS).astype(np.float32)
    safe = np.where(step > 0, step, 1.0)[..., None]
    codes = np.rint(np.clip(w / safe, 0.0, QUANT_STEPS)).astype(np.uint8)
    return codes, step


def weight_maps(head_weights: Callable[[int], torch.Tensor], layers: list[int]) -> np.ndarray:
    """[layer, map, q_pos, k_pos] fp32: each layer's heads, then their mean when heads > 1.

    head_weights(layer) -> [head, q_pos, k_pos]: a trace's, or a cross-attention's (`html.parts`), whose
    rows and columns are different tokens."""
    out = None
    for i, layer in enumerate(layers):
        w = head_weights(layer).detach().to(torch.float32).cpu()  # [head, q_pos, k_pos]
        heads, extra = w.shape[0], 1 if w.shape[0] > 1 else 0
        if out is None:
            out = np.empty((len(layers), heads + extra, *w.shape[1:]), dtype=np.float32)
        out[i, :heads] = w.numpy()
        if extra:
            out[i, -1] = w.mean(0).numpy()
    assert out is not None, "a page holds at least one layer (check_size)"
    return out


def _scores(trace: AttentionTrace, layers: list[int]) -> np.ndarray | None:
    """[layer, head, q_pos, k_pos] fp32 pre-softmax scores, when the trace has them and they are small."""
    if len(layers) * trace.n_heads * trace.n_tokens**2 > MAX_SCORE_CELLS:
        return None
    maps = []
    for layer in layers:
        heads = [trace.scores(layer, h) for h in range(trace.n_heads)]
        if any(s is None for s in heads):
            return None
        maps.append(torch.stack(heads))
    return torch.stack(maps).detach().to(torch.float32).cpu().numpy()


class Blob:
    """Concatenates arrays (4-byte aligned) and records where each one lies."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0
        self.index: dict[str, dict[str, Any]] = {}

    def add(self, name: str, a: np.ndarray) -> None:
        dtype = {np.dtype(np.uint8): "u8", np.dtype(np.float32): "f32"}[a.dtype]
        data = np.ascontiguousarray(a).tobytes()
        self.index[name] = {"dtype": dtype, "shape": list(a.shape), "offset": self.size}
        pad = (-len(data)) % 4
        self.parts.append(data + b"\0" * pad)
        self.size += len(data) + pad

    def encoded(self, level: int = 9) -> str:
        raw = b"".join(self.parts)
        return base64.b64encode(zlib.compress(raw, level)).decode("ascii")


def encode_trace(
    trace: AttentionTrace,
    *,
    layers: list[int] | tuple[int, ...] | None = None,
    views: list[View] | None = None,
    lang: str = "ja",
    focus: tuple[int, int] | None = None,
    level: int = 9,
    weights: bool = True,
    given: Mapping[str, Any] | None = None,
) -> PageData:
    """The page data of `trace` (layers: which layers to include, None = all) for the page tabs of
    `views` (default: every registered view that applies), which may add arrays and JSON of their own
    (`lang`: their texts' language; `focus`: the (layer, head) a one-head tab shows, default the
    first included layer's head 0). level: zlib's compression level (9: smallest file; the web app
    uses 1, ~10x faster, on every edit). weights=False: no weight maps or scores at all (`meta["remote"]`):
    the web app's views read them from its server one map at a time (html/remote.py), at any length.
    given: what was computed beside the trace, by the view that shows it (`PageOptions.given`)."""
    given = dict(given or {})
    views = page_views(trace, given=given) if views is None else views
    if weights:
        chosen = check_size(trace, layers)
    else:
        chosen = list(range(trace.n_layers)) if layers is None else sorted(set(int(x) for x in layers))
        trace.check_layer_head(chosen[-1], None)
    if focus is not None:
        if len(focus) != 2 or focus[1] is None:
            raise AttnlabError(f"focus {focus!r}: give (layer, head), one head of one layer")
        trace.check_layer_head(focus[0], focus[1])
    page = PageOptions(lang=lang, layers=tuple(chosen), focus=focus if focus is not None else (chosen[0], 0),
                       remote=not weights, given=given)
    blob = Blob()
    scores = None
    if weights:
        codes, step = quantise_rows(weight_maps(trace.head_weights, chosen))
        blob.add("weights", codes)  # [layer, map, q_pos, k_pos] uint8
        blob.add("step", step)  # [layer, map, q_pos] fp32
        scores = _scores(trace, chosen)
    if scores is not None:
        blob.add("scores", scores)  # [layer, head, q_pos, k_pos] fp32, -inf where hidden
    view_meta = {}
    for view in views:
        for name, a in view.page_arrays(trace, page).items():
            blob.add(name, a if a.dtype == np.uint8 else a.astype(np.float32, copy=False))
        extra = view.page_meta(trace, page)
        if extra is not None:
            view_meta[view.name] = extra
    meta = dict(
        trace_meta(trace, chosen),
        has_scores=scores is not None,
        has_stages=any(n.startswith("stage_") for n in blob.index),
        views=[v.name for v in views],
        view_meta=view_meta,
        focus=list(page.focus),  # (layer, head) the page opens on
        arrays=blob.index,
        remote=not weights,  # True: no weights here; the app's views fetch them map by map
    )
    return PageData(meta=meta, blob_b64=blob.encoded(level))


def trace_meta(trace: AttentionTrace, layers: list[int]) -> dict[str, Any]:
    """The keys of a page's meta that describe the trace itself (the page's `layers` among them); the
    rest say what the page holds: has_scores, has_stages, views, view_meta, focus, arrays."""
    return {
        "model": trace.model,
        "n_layers": trace.n_layers,
        "n_heads": trace.n_heads,
        "n_kv_heads": trace.n_kv_heads,
        "causal": bool(trace.causal),
        "temperature": float(trace.temperature),
        "layers": layers,
        "has_mean": trace.n_heads > 1,
        "precision": PRECISION,
        "tokens": token_meta(trace.tokens),
    }


def token_meta(tokens: Sequence[Token]) -> list[dict[str, Any]]:
    """The tokens as a page's meta holds them (what core.js reads of each)."""
    return [{"text": t.text, "special": bool(t.special), "word": t.word, "id": t.id} for t in tokens]


def decode_arrays(data: PageData) -> dict[str, np.ndarray]:
    """The inverse of the blob encoding, as the page script does it (used by tests and benchmarks)."""
    raw = zlib.decompress(base64.b64decode(data.blob_b64))
    out = {}
    for name, info in data.meta["arrays"].items():
        dtype = {"u8": np.uint8, "f32": np.float32}[info["dtype"]]
        count = int(np.prod(info["shape"]))
        out[name] = np.frombuffer(raw, dtype=dtype, count=count, offset=info["offset"]).reshape(info["shape"])
    return out


def decoded_weights(data: PageData) -> np.ndarray:
    """[layer, map, q_pos, k_pos] fp32: the weights as the page shows them (codes * step)."""
    arrays = decode_arrays(data)
    return arrays["weights"].astype(np.float32) * arrays["step"][..., None]


def opening_view(trace: AttentionTrace, views: list[View] | None = None) -> View:
    """The tab a page of `trace` opens on when none is asked for: the first view that opens first."""
    return next(v for v in (page_views(trace) if views is None else views) if v.opens_first(trace))


def page_data(trace: AttentionTrace, *, lang: str, view: str | None, layers: Sequence[int] | None,
              focus: tuple[int, int] | None, given: Mapping[str, Any] | None = None) -> tuple[list[View], PageData]:
    """A page file's views of `trace` and its data, holding `layers` (None: as many as fit around the focus
    layer), its meta["view"] the tab it opens on (`view`, checked; None: the first that opens first);
    `given`: what was computed beside the trace for a view that shows it (`PageOptions.given`)."""
    given = dict(given or {})
    views = page_views(trace, given=given)
    first = view_named(view, trace, given=given).name if view is not None else opening_view(trace, views).name
    held = plan_layers(trace.n_tokens, trace.n_layers, trace.n_heads, layers, focus=focus[0] if focus else 0).layers
    data = encode_trace(trace, layers=held, views=views, lang=lang, focus=focus, given=given)
    return views, PageData(dict(data.meta, view=first), data.blob_b64)
