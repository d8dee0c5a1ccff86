"""A static picture of an interactive page, for where the page cannot run.

An untrusted notebook (outputs saved by another run), `nbconvert --sanitize-html` and viewers that
run no scripts show a notebook output's PNG instead of its page (`attnlab.notebook`). The picture is
the page's opening view drawn by its own figure function (the views registry: the pipeline of a toy,
the first head's heatmap of a model) with one caption line below it saying how to see the page. It is
made without a browser, in the kernel, when the trace is displayed.

Size matters (it is stored in the notebook next to the page): the figure is drawn at most
`MAX_WIDTH` pixels wide and its colours are reduced to a palette of `COLORS` without dithering, which
keeps heatmaps' flat cells flat and makes the PNG about a quarter of a full-colour one.
A `tEXt` chunk ("attnlab", marker) lets the page's loader find this picture in the host's page and
hide it once the interactive page runs (`notebook.LOADER`).
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from ._style import figure_style

MAX_WIDTH = 900  # pixels: about a notebook column's width
MAX_DPI = 80  # small figures are drawn at this resolution, large ones lower to fit MAX_WIDTH
COLORS = 96  # palette size: enough for the colour maps' steps and anti-aliased text
CAPTION_PX = 13  # the caption's font size in pixels, whatever the figure's resolution


def preview_png(fig: Figure, caption: str, *, marker: str = "") -> bytes:
    """`fig` with `caption` below it as a palette PNG at most MAX_WIDTH wide, tagged with `marker`."""
    width_in = float(fig.get_size_inches()[0])
    dpi = max(30.0, min(MAX_DPI, MAX_WIDTH / max(width_in, 1e-6) * 0.95))
    with figure_style():
        fig.text(0.005, 0.0, caption, ha="left", va="top", fontsize=CAPTION_PX * 72 / dpi, color="#444444")
        raw = io.BytesIO()
        fig.savefig(raw, format="png", dpi=dpi, bbox_inches="tight", pad_inches=0.08, facecolor="white")
    image = Image.open(raw).convert("RGB")
    if image.width > MAX_WIDTH:  # a long caption widened the tight box: scale the whole down
        image = image.resize((MAX_WIDTH, round(image.height * MAX_WIDTH / image.width)), Image.Resampling.LANCZOS)
    small = image.quantize(colors=COLORS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    info = PngInfo()
    info.add_text("attnlab", marker)
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True, pnginfo=info)
    return out.getvalue()
