"""Shared look of the static figures: a Japanese-capable font, the colour language, labels, annotation sizing.

The colour language (one for figures, pages, notebook previews and the lesson): weights, and every
other share on 0..1, on one sequential map (`WEIGHTS_CMAP`, viridis: bright = much weight); scores and
every signed number (x, Q, K, V, outputs) on one diverging map centred on 0 (`SIGNED_CMAP`: blue < 0
< red); hidden cells grey; a role's heads outlined in `OUTLINE`. The pages' JS draws the same maps
from 17 stops of each (html/js/core.js: VIRIDIS, RDBU; tests/plot/test_colours.py holds them equal).

The font: IPAexGothic, shipped by the `matplotlib-fontja` package. We register its TTF with
matplotlib's font manager and set it inside an `rc_context` while a figure is built (Text objects
keep the font they were created with), so Japanese labels render with real glyphs without changing
the user's global matplotlib settings. Annotations (numbers in cells) are drawn while a cell is big
enough to read them and switched off beyond `ANNOTATE_MAX` rows or columns.

Figures are `matplotlib.figure.Figure` objects made without pyplot: nothing is registered with a
GUI backend (no leaks in long notebook sessions, no double display); Jupyter and Colab show a
returned Figure inline.
"""

from __future__ import annotations

import contextlib
import importlib.util
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import matplotlib
from matplotlib import font_manager

FONT_FAMILY = ["IPAexGothic", "DejaVu Sans"]  # IPAexGothic has kana, kanji and Latin glyphs
WEIGHTS_CMAP = "viridis"  # weights and every share on 0..1 (sequential; perceptually even, readable in grey)
SIGNED_CMAP = "RdBu_r"  # scores and every signed value, centred on 0 (diverging: blue negative, red positive)
ORDER_CMAP = "cividis"  # an order, not an amount (layers in a scatter): unlike the weights' map on purpose
OUTLINE = "#ff2d2d"  # a head that earns a role (the pages' census outline too)
ANNOTATE_MAX = 16  # more rows or columns than this: no numbers in the cells
TICKS_MAX = 48  # more tokens than this: label every k-th tick only


@cache
def japanese_font_path() -> Path:
    """The IPAexGothic TTF inside matplotlib-fontja (found without importing it: the import changes rcParams)."""
    spec = importlib.util.find_spec("matplotlib_fontja")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("matplotlib-fontja is not installed: pip install matplotlib-fontja")
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / "ipaexg.ttf"
    font_manager.fontManager.addfont(str(path))
    return path


def register_notebook_display() -> None:
    """Let IPython (Jupyter, Colab, VS Code) show a returned Figure inline.

    Figures made without pyplot have no display hook until the inline backend is loaded, which
    happens only when pyplot is imported; without this a notebook would print `<Figure ...>`.
    """
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return
    from IPython.core.pylabtools import print_figure
    from matplotlib.figure import Figure

    png = shell.display_formatter.formatters["image/png"]
    try:
        png.lookup_by_type(Figure)  # the inline backend (or we) already registered one
    except KeyError:
        png.for_type(Figure, lambda fig: print_figure(fig, "png", bbox_inches="tight"))


@contextlib.contextmanager
def figure_style() -> Iterator[None]:
    """Build figures inside this: Japanese font, unicode minus that the font has, tidy defaults."""
    japanese_font_path()
    register_notebook_display()
    with matplotlib.rc_context({"font.family": FONT_FAMILY, "axes.titlesize": 11, "figure.dpi": 100}):
        yield


def annot_size(n_rows: int, n_cols: int) -> float | None:
    """Font size for cell numbers, or None when the cells are too many to annotate legibly."""
    n = max(n_rows, n_cols)
    if n > ANNOTATE_MAX:
        return None
    return max(6.0, 11.0 - 0.35 * n)


def tick_step(n: int) -> int:
    """Label every k-th tick so that at most TICKS_MAX labels are drawn."""
    return max(1, -(-n // TICKS_MAX))


def fmt_spec(fmt: str) -> str:
    """seaborn's annotation format from ours ('.2f' or '{:.2f}' both accepted)."""
    return fmt[2:-1] if fmt.startswith("{:") else fmt
