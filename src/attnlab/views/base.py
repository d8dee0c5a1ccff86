"""What a view is: a name, which traces it can show, its static figures and its page tab's data.

A view is one Python module (this record, its figures and/or page data), one JS module in
`html/assets/views/<name>.js` (the page tab; `define("<name>", ...)` returning `{build}`), and one
line in `attnlab.views.VIEWS`. The page shows the tabs of the views that apply to a trace, in the
registry's order; the CLI writes the figures of every view that applies.
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


Figures = Callable[[AttentionTrace, FigureOptions], dict[str, FigureJob]]  # file stem -> job
PageArrays = Callable[[AttentionTrace], dict[str, np.ndarray]]  # blob array name -> fp32/uint8 array


def _none(trace: AttentionTrace, opts: FigureOptions) -> dict[str, FigureJob]:
    return {}


def _no_arrays(trace: AttentionTrace) -> dict[str, np.ndarray]:
    return {}


@dataclass(frozen=True)
class View:
    """One view: a page tab and/or static figures of a trace."""

    name: str  # tab id, JS module name (assets/views/<name>.js) and i18n label key
    applies: Callable[[AttentionTrace], bool]  # whether this view can show the trace
    figures: Figures = field(default=_none)  # static figures it contributes
    page_arrays: PageArrays = field(default=_no_arrays)  # extra arrays its page tab reads (names unique)
    needs: str = "a trace"  # what `applies` asks of a trace, for the error message
