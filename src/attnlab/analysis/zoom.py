"""Deep zoom over a trace: one head's weights by tile or pooled, never its whole N x N map at once.

Why: a page holds at most 2^25 weight cells (`html.layers.MAX_CELLS`); one SmolLM2 head at 8,192
tokens is 67 M. The web app shows such a head like a map viewer: a pooled overview, then full-
resolution tiles where the reader zooms in, each computed when asked for.

The numbers come from the trace contract (`AttentionTrace.tile`, `.pooled`: streamed from q, k and
each row's log-sum-exp for a captured trace, whatever its mask; read off the weights for others).
What is here is the geometry the app's deep zoom uses: levels of 256 x 256 tiles, level z pooling
2^z x 2^z cells, so one tile of the top level covers the whole map.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..errors import AttnlabError
from ..i18n import t
from ..trace import AttentionTrace

TILE = 256  # positions per tile side at every level (the page's deep zoom reads it from the meta)


class OutsideMap(AttnlabError):
    """A level or tile the map does not have: `key` (i18n) and `fields` say which, in any language."""

    def __init__(self, key: str, **fields: int) -> None:
        self.key = key  # "srv_level" | "srv_tile_outside"
        self.fields = fields  # the numbers it names
        super().__init__(t(key, "en", **fields))


@dataclass(frozen=True)
class ZoomTile:
    """One answer of the deep zoom: the planes of a tile and the cell size they are pooled to."""

    planes: tuple[torch.Tensor, ...]  # level 0: (weights, scores); above: (pooled weights,), [rows, cols] fp32
    cell: int  # positions per cell side (1: full resolution)


def top_level(n: int) -> int:
    """The level whose one tile covers an n-token map."""
    return max(0, (n - 1).bit_length() - TILE.bit_length() + 1)


def tile_span(n: int, z: int, ty: int, tx: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """(rows, cols) the tile (ty, tx) at level z covers, checked against an n-token map."""
    top = top_level(n)
    if z > top:
        raise OutsideMap("srv_level", z=z, n=n, top=top)
    span = TILE << z
    if ty * span >= n or tx * span >= n:
        raise OutsideMap("srv_tile_outside", ty=ty, tx=tx, z=z, last=(n - 1) // span)
    return (ty * span, min(n, (ty + 1) * span)), (tx * span, min(n, (tx + 1) * span))


def zoom_tile(trace: AttentionTrace, layer: int, head: int, z: int, ty: int, tx: int, mode: str = "max") -> ZoomTile:
    """Tile (ty, tx) of level z of one head: weights and scores at z = 0, else weights pooled by `mode`."""
    trace.check_layer_head(layer, head)
    rows, cols = tile_span(trace.n_tokens, z, ty, tx)
    if z == 0:
        return ZoomTile(trace.tile(layer, head, rows, cols), 1)
    return ZoomTile((trace.pooled(layer, head, 1 << z, rows, cols, mode),), 1 << z)


def overview(trace: AttentionTrace, layer: int, head: int, size: int, mode: str = "max") -> ZoomTile:
    """One head pooled to at most size x size cells (the deep zoom's first picture)."""
    trace.check_layer_head(layer, head)
    cell = -(-trace.n_tokens // size)
    return ZoomTile((trace.pooled(layer, head, cell, mode=mode),), cell)
