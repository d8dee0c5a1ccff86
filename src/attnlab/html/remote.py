"""What the app's views read from the server, one map at a time, for a trace too long for one page.

Why: a page holds 2^25 weight cells (`layers.MAX_CELLS`); SmolLM2's 30 layers x 10 maps fit up to
334 tokens. In the web app the views need not hold every map at once: the page data carries no
weights (`live.live_page_data` marks it `remote`), and each view asks for what it shows when it shows
it, so every tab works at any length the server can compute:

- `map_codes`: one head (or the head mean) of one layer at full resolution, quantised as a page
  file's maps are (`encode.quantise_rows`: 8-bit codes and a step per row, within +-0.002), so the
  heatmap and the head view read it through the same core accessors; with its scores when small.
- `pooled_maps`: every head of one layer and their mean, pooled to cell x cell blocks (max for the
  model view's thumbnails, mean for the head view's groups of tokens at lengths whose rows no
  longer fit a screen).
- `view_meta`: a view's JSON for some layers (the explanation of one layer, the census), computed
  when its tab opens rather than before the page is drawn.

Everything is read row block by row block through the trace contract (`tile`, `pooled`): a captured
trace streams it from q, k and each row's log-sum-exp, so no request holds more than one block of
[heads, rows, N] weights besides its answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import torch

from ..errors import AttnlabError, LayerHeadError
from ..trace import AttentionTrace
from ..trace.pool import POOL_MODES, cell_counts, pool_block
from ..views import PageOptions, view_named
from .encode import MAX_SCORE_CELLS, quantise_rows

ROWS = 256  # query rows computed at once (a block of [head, ROWS, N] fp32: 37 MB for 9 heads at 4,096)
SCORE_TOKENS = int(MAX_SCORE_CELLS**0.5)  # one map's scores travel (fp32) up to this many tokens (1,024)


def _layer_rows(trace: AttentionTrace, layer: int, rows: int) -> Iterator[tuple[int, torch.Tensor]]:
    """(first row, weights [head, rows, N] fp32) of every block of `rows` query rows of `layer`: every
    head in one pass (`score_tiles` minus the rows' log-sum-exp gives log-weights; hidden cells 0)."""
    n, lse = trace.n_tokens, trace.lse(layer)
    for tile in trace.score_tiles(layer, rows=rows, keys=n, minus=lse):
        w = torch.zeros(tile.scores.shape[0], tile.scores.shape[1], n)
        w[:, :, tile.k0 : tile.k0 + tile.scores.shape[2]] = tile.scores.float().cpu().exp()
        yield tile.q0, w


def check_map(trace: AttentionTrace, layer: int, m: int) -> None:
    """LayerHeadError unless map m of `layer` exists: a head, or H for the mean."""
    trace.check_layer_head(layer, None)
    most = trace.n_heads + (1 if trace.n_heads > 1 else 0)
    if not 0 <= m < most:
        raise LayerHeadError(f"map {m} is out of range: layer {layer} has maps 0..{most - 1} "
                           f"(heads 0..{trace.n_heads - 1}{', then their mean' if most > trace.n_heads else ''})")


def map_codes(trace: AttentionTrace, layer: int, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(codes uint8 [q_pos, k_pos], step fp32 [q_pos], scores fp32 [q_pos, k_pos] or None) of map m of
    `layer`: weight ~ code * step, as `encode.quantise_rows` makes a page's maps. Scores come with a head
    (not the mean) up to SCORE_TOKENS tokens, when the trace keeps them."""
    check_map(trace, layer, m)
    n = trace.n_tokens
    codes, step = np.zeros((n, n), np.uint8), np.ones(n, np.float32)
    if m == trace.n_heads:  # the mean: every head at once, a block of rows at a time
        for lo, w in _layer_rows(trace, layer, ROWS):
            codes[lo : lo + w.shape[1]], step[lo : lo + w.shape[1]] = quantise_rows(w.mean(0).numpy())
        return codes, step, None
    scores: np.ndarray | None = np.empty((n, n), np.float32) if n <= SCORE_TOKENS else None
    for lo in range(0, n, ROWS):
        hi = min(lo + ROWS, n)
        w, s = trace.tile(layer, m, (lo, hi), (0, n))
        codes[lo:hi], step[lo:hi] = quantise_rows(w.numpy())
        if scores is not None:
            scores = None if bool(torch.isnan(s).any()) else scores  # a trace that keeps no scores
        if scores is not None:
            scores[lo:hi] = s.numpy()
    return codes, step, scores


def pooled_maps(trace: AttentionTrace, layer: int, cell: int, mode: str = "max") -> np.ndarray:
    """fp32 [map, ceil(N / cell), ceil(N / cell)]: every head of `layer` pooled to cell x cell blocks by
    `mode` ("max" or "mean", as `AttentionTrace.pooled`: hidden cells count as 0, a mean at the edge
    counts the cells that exist), then (with several heads) their mean map pooled the same way; one
    pass over the layer."""
    trace.check_layer_head(layer, None)
    if mode not in POOL_MODES:
        raise AttnlabError(f"pooling {mode!r} is not available: choose one of {', '.join(POOL_MODES)}")
    if not isinstance(cell, int) or isinstance(cell, bool) or cell < 1:
        raise AttnlabError(f"cell must be a positive integer, got {cell!r}")
    n, heads = trace.n_tokens, trace.n_heads
    cell = min(cell, n)
    g = -(-n // cell)
    maps = heads + (1 if heads > 1 else 0)
    out = torch.zeros(maps, g, g)
    for lo, w in _layer_rows(trace, layer, cell * max(1, ROWS // cell)):  # whole cells per block of rows
        if heads > 1:
            w = torch.cat([w, w.mean(0, keepdim=True)])
        for m in range(maps):
            block = pool_block(w[m], cell, mode)
            out[m, lo // cell : lo // cell + block.shape[0]] = block
    if mode == "mean":
        out /= cell_counts(0, n, 0, n, cell)
    return out.numpy()


def view_meta(trace: AttentionTrace, view: str, lang: str, layers: tuple[int, ...] | None) -> Any:
    """The JSON `view`'s tab reads (its `page_meta`) for `layers` (None: all), in `lang`."""
    chosen = tuple(range(trace.n_layers)) if layers is None else layers
    for layer in chosen:
        trace.check_layer_head(layer, None)
    v = view_named(view, trace, live=True)
    return v.page_meta(trace, PageOptions(lang=lang, layers=chosen, focus=(chosen[0], 0)))
