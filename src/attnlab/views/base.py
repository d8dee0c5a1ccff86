"""What a view is: a name, which traces it can show, its static figures and its page tab's data.

A view is one Python module (this record, its figures and/or page data), one JS module in
`html/assets/views/<name>.js` (the page tab; `define("<name>", ...)` returning `{build}`), and one
line in `attnlab.views.VIEWS`. The page shows the tabs of the views that apply to a trace, in the
registry's order, and opens on the first that `opens_first` it; the CLI writes the figures of every
view that applies. A tab's data: arrays (`page_arrays`, into the page's binary blob) and JSON
(`page_meta`, at `meta.view_meta[<name>]`), both given the page's `PageOptions`; helper JS modules
it needs go in `scripts` (files in html/assets/, loaded before the view's own).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..trace import AttentionTrace


@dataclass(frozen=True)
class FigureOptions:
    """How the figures of one call are drawn and named."""

    lang: str = "ja"  # labels' language
    fmt: str = ".2f"  # numbers in cells
    layer: int = 0  # the layer a single-head figure shows (model traces)
    head: int | None = 0  # the head it shows; None: the mean over heads
    stem: str = "toy"  # file-name prefix of model figures (the model's name, made file-safe)
    scale: str = "fixed"  # weights' colour scale: "fixed" 0-1 or "auto" (see plot.matrix.weight_scale)


@dataclass(frozen=True)
class FigureJob:
    """One figure to write: made on demand (matplotlib is imported only then)."""

    make: Callable[[], Any]  # () -> matplotlib Figure
    dpi: int = 120  # PNG resolution


def file_stem(name: str) -> str:
    """A model name usable as a file-name prefix (paths and hub ids contain '/': the last part)."""
    from pathlib import PurePath

    return "".join(c if c.isalnum() or c in "-_." else "_" for c in PurePath(name).name or name)


@dataclass(frozen=True)
class PageOptions:
    """What one page shows, as its tabs need to know it."""

    lang: str = "ja"  # labels' and texts' language
    layers: tuple[int, ...] = (0,)  # the layers the page holds
    focus: tuple[int, int] = (0, 0)  # (layer, head) a one-head tab shows (the pipeline of a real model)


Figures = Callable[[AttentionTrace, FigureOptions], dict[str, FigureJob]]  # file stem -> job
PageArrays = Callable[[AttentionTrace, PageOptions], dict[str, np.ndarray]]  # blob name -> fp32/uint8 array
PageMeta = Callable[[AttentionTrace, PageOptions], Any]  # JSON-ready data for the tab


def _none(trace: AttentionTrace, opts: FigureOptions) -> dict[str, FigureJob]:
    return {}


def _no_arrays(trace: AttentionTrace, page: PageOptions) -> dict[str, np.ndarray]:
    return {}


def _no_meta(trace: AttentionTrace, page: PageOptions) -> Any:
    return None


def _always(trace: AttentionTrace) -> bool:
    return True


@dataclass(frozen=True)
class View:
    """One view: a page tab and/or static figures of a trace."""

    name: str  # tab id, JS module name (assets/views/<name>.js) and i18n label key
    applies: Callable[[AttentionTrace], bool]  # whether this view can show the trace
    figures: Figures = field(default=_none)  # static figures it contributes
    page_arrays: PageArrays = field(default=_no_arrays)  # extra arrays its page tab reads (names unique)
    needs: str = "a trace"  # what `applies` asks of a trace, for the error message
    page_meta: PageMeta = field(default=_no_meta)  # JSON its tab reads (None: nothing)
    scripts: tuple[str, ...] = ()  # helper JS files (in html/assets/) its module needs
    data_scripts: tuple[tuple[str, str], ...] = ()  # (helper JS file, array name): carried only by pages
    # whose data holds that array (page_arrays); the module asks for it with core.optional(name)
    opens_first: Callable[[AttentionTrace], bool] = field(default=_always)  # may the page open on this tab
    figure_notes: Callable[[AttentionTrace, FigureOptions], list[str]] = field(default=lambda trace, opts: [])
    # ^ why a figure it would draw was left out (said to the user where the figures are written)
    live: bool = False  # True: its tab asks the web app's server for data (shown only in the app)
