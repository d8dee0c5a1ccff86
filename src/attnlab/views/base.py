"""What a view is: a name, which traces it can show, its static figures and its page tab's data.

A view is one folder, `views/<name>/`: `__init__.py` holds this record (`VIEW`), `tab.js` its page
tab (an ES module exporting `tab(core)` -> `{build(pane, frame)}`), `figures.py` its figures when it
has any, and its page data; plus one line in `attnlab.views.VIEWS`. The page shows the tabs of the
views that apply to a trace, in the registry's order, and opens on the first that `opens_first` it;
the CLI writes the figures of every view that applies. A tab's data: arrays (`page_arrays`, into
the page's binary blob) and JSON (`page_meta`, at `meta.view_meta[<name>]`), both given the page's
`PageOptions`; its words: `labels`, the i18n keys its JS reads as `L.<key>` (the page hands them
over in its language; its name, the tab's label, always). A JS helper it imports travels with it;
a helper needed only with some data is a `DataModule`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
    remote: bool = False  # the page holds no weights: the app's views read them from the server map by map
    # (a trace too long for one page), so a tab keeps its own data small and may defer its JSON to the tab
    given: Mapping[str, Any] = field(default_factory=dict)  # view name -> what was computed beside the trace
    # for that view's tab (the head effects: {"effects": HeadEffects}); a live view given its data shows in a file


@dataclass(frozen=True)
class DataModule:
    """A JS module of a view's folder carried only by pages whose data holds `array`: its code and
    words cost nothing elsewhere (the heatmap's value-weighted switch, absent from a toy's page)."""

    module: str  # its file in the view's folder, without ".js" (the tab finds it with units.carried)
    array: str  # the page array that brings it in (a name `page_arrays` returns)
    labels: tuple[str, ...] = ()  # the i18n keys it reads (L.<key>), carried with it


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

    name: str  # its folder (views/<name>/), tab id and i18n label key
    applies: Callable[[AttentionTrace], bool]  # whether this view can show the trace
    figures: Figures = field(default=_none)  # static figures it contributes
    page_arrays: PageArrays = field(default=_no_arrays)  # extra arrays its page tab reads (names unique)
    needs: str = "a trace"  # what `applies` asks of a trace, for the error message
    page_meta: PageMeta = field(default=_no_meta)  # JSON its tab reads (None: nothing)
    labels: tuple[str, ...] = ()  # the i18n keys its tab's JS reads (L.<key>; tested against the JS)
    data_modules: tuple[DataModule, ...] = ()  # helpers carried only with the data they read
    opens_first: Callable[[AttentionTrace], bool] = field(default=_always)  # may the page open on this tab
    figure_notes: Callable[[AttentionTrace, FigureOptions], list[str]] = field(default=lambda trace, opts: [])
    # ^ why a figure it would draw was left out (said to the user where the figures are written)
    live: bool = False  # True: its tab asks the web app's server for data (shown only in the app, or in a
    # page file given that data: `PageOptions.given`, e.g. the head effects of `render_page(trace, effects=...)`)
    paired: bool = False  # True: its tab also draws maps whose columns are other tokens than its rows (core.K,
    # core.keyLabel): an encoder-decoder page's cross-attention part shows it (html/parts.py)
    given_only: bool = False  # True: its tab shows only on pages given its data (`PageOptions.given[name]`), in
    # files and in the app alike (the steps of a generation: views/steps)
