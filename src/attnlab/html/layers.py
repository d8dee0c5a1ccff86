"""Which layers a page file holds: the ones asked for, or by default as many as fit one page.

Why: a page holds at most `MAX_CELLS` weight cells (maps x tokens^2). SmolLM2's 30 layers x
10 maps fit up to 334 tokens; a 514-token paragraph used to get no page at all (or, in the app, only
the live views). Now a page that would not fit keeps every view over the layers that do fit (12 of
30 at 514 tokens), chosen around the layer the reader asked for, and says which layers it left out.
Only when not even one layer fits (SmolLM2 beyond 1,831 tokens) is the page refused.

The plan is arithmetic on (tokens, layers, heads) alone, so a surface can decide it before any model
runs (`attnlab text --html` tokenizes, plans, and refuses in a second instead of after the forward
pass). `parse_layers` reads the CLI's `--layers` ("0-11", "0,5,29", "all").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import AttnlabError

MAX_CELLS = 2**25  # the largest page, in weight cells (see html/encode.py, which imports it from here)


class PageTooLargeError(AttnlabError):
    """The trace has more cells than one self-contained page can hold without freezing a browser.

    `fits` names the layers that would fit (empty: not even one layer does), so that each surface can
    phrase the option that fits in its own terms (`--layers 0-11`, `layers=[0, ..., 11]`)."""

    def __init__(self, message: str, fits: tuple[int, ...] = ()) -> None:
        super().__init__(message)
        self.fits = fits  # layers a page of this trace could hold instead (around the one asked for)


@dataclass(frozen=True)
class LayerPlan:
    """The layers one page holds, and those it leaves out."""

    layers: tuple[int, ...]  # held, ascending
    left_out: tuple[int, ...]  # the trace's other layers, ascending (empty: the page holds them all)
    most: int  # how many layers of this trace one page can hold at this length


def maps_per_layer(n_heads: int) -> int:
    """The maps a page keeps per layer: each head, and their mean when there are several."""
    return n_heads + (1 if n_heads > 1 else 0)


def most_layers(n_tokens: int, n_heads: int, n_keys: int | None = None) -> int:
    """How many layers of `n_heads` heads at `n_tokens` tokens one page can hold (0: not one); n_keys:
    the maps' columns when they are other tokens than the rows (cross-attention), else n_tokens."""
    cols = n_tokens if n_keys is None else n_keys
    return MAX_CELLS // (maps_per_layer(n_heads) * max(1, n_tokens) * max(1, cols))


def longest_page(n_heads: int) -> int:
    """The most tokens at which one layer of `n_heads` heads still fits a page."""
    n = int((MAX_CELLS / maps_per_layer(n_heads)) ** 0.5)
    while maps_per_layer(n_heads) * (n + 1) ** 2 <= MAX_CELLS:
        n += 1
    while maps_per_layer(n_heads) * n**2 > MAX_CELLS:
        n -= 1
    return n


def span_text(layers: Sequence[int]) -> str:
    """0, 1, 2, 5, 7, 8 -> "0-2,5,7-8" (the form `--layers` reads)."""
    runs: list[list[int]] = []
    for layer in sorted(layers):
        if runs and runs[-1][1] == layer - 1:
            runs[-1][1] = layer
        else:
            runs.append([layer, layer])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def parse_layers(text: str) -> tuple[int, ...] | None:
    """--layers: "all" (None), or numbers and ranges such as "0-11" or "0,5,29"; AttnlabError otherwise."""
    if text.strip().lower() == "all":
        return None
    out: set[int] = set()
    for part in text.split(","):
        lo, dash, hi = part.strip().partition("-")
        if not lo.strip().isdigit() or (dash and not hi.strip().isdigit()):
            raise AttnlabError(f"layers {text!r}: give numbers and ranges such as 0-11 or 0,5,29, or all")
        a, b = int(lo), int(hi) if hi else int(lo)
        if b < a:
            raise AttnlabError(f"layers {text!r}: the range {a}-{b} runs backwards: write {b}-{a}")
        out.update(range(a, b + 1))
    return tuple(sorted(out))


def _window(n_layers: int, most: int, focus: int) -> tuple[int, ...]:
    """`most` consecutive layers around `focus` (as centred as the ends allow)."""
    start = max(0, min(focus - most // 2, n_layers - most))
    return tuple(range(start, start + most))


def plan_layers(n_tokens: int, n_layers: int, n_heads: int, asked: Sequence[int] | None = None,
                focus: int = 0, n_keys: int | None = None) -> LayerPlan:
    """The layers a page of this shape holds: `asked` (checked; None: as many as fit, around `focus`);
    n_keys: the maps' columns when they are other tokens than the rows (a cross-attention part).

    Raises PageTooLargeError when `asked` holds more layers than fit (its `fits`: as many around the
    first asked), or when not even one layer fits; AttnlabError for a layer the trace lacks.
    """
    most = most_layers(n_tokens, n_heads, n_keys)
    cols = n_tokens if n_keys is None else n_keys
    every = tuple(range(n_layers))
    if asked is not None:
        chosen = tuple(sorted(set(int(x) for x in asked)))
        if not chosen:
            raise AttnlabError("layers is empty: give at least one layer, or None for all")
        bad = [x for x in chosen if not 0 <= x < n_layers]
        if bad:
            raise AttnlabError(f"layer {bad[0]} is out of range: this trace has layers 0..{n_layers - 1}")
    else:
        chosen = every if most >= n_layers else _window(n_layers, most, min(max(focus, 0), n_layers - 1))
    maps = maps_per_layer(n_heads)
    if most == 0:
        raise PageTooLargeError(
            f"{n_tokens:,} tokens x {cols:,} x {maps} maps (one layer) = {maps * n_tokens * cols:,} weight cells is "
            f"more than one page holds ({MAX_CELLS:,}): a page file holds at most {longest_page(n_heads):,} tokens "
            "of this model; open the trace in the web app (`attnlab serve`), whose views read one head at a time")
    if len(chosen) > most:
        fits = _window(n_layers, most, chosen[0])
        raise PageTooLargeError(
            f"{n_tokens:,} tokens x {cols:,} x {maps} maps x {len(chosen)} layers = "
            f"{len(chosen) * maps * n_tokens * cols:,} weight cells is more than one page holds ({MAX_CELLS:,}): "
            f"at most {most} layers fit, e.g. layers {span_text(fits)}", fits)
    return LayerPlan(chosen, tuple(x for x in every if x not in chosen), most)
