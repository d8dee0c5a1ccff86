"""A static picture of an interactive page, for where the page cannot run.

An untrusted notebook (outputs saved by another run), `nbconvert --sanitize-html` and viewers that
run no scripts show a notebook output's PNG instead of its page (`attnlab.notebook`). The picture is
the page's opening view drawn by its own figure function (the views registry: the pipeline of a toy,
the first head's heatmap of a model) with one caption line below it saying how to see the page. It is
made without a browser, in the kernel, when the trace is displayed.

Size matters (it is stored in the notebook next to the page): the figure is drawn at most
`MAX_WIDTH` pixels wide and its colours are reduced to a fixed palette without dithering, which keeps
heatmaps' flat cells flat and makes the PNG about a quarter of a full-colour one. The palette is the
colour language's own (`palette`: the weights' map and the signed map sampled finely, greys for text,
the mask's grey): a palette chosen from the picture (median cut) gave the cells' few colours most of
its entries and drew the colour bar in a few bands of the wrong colours.
A `tEXt` chunk ("attnlab", marker) lets the page's loader find this picture in the host's page and
hide it once the interactive page runs (`notebook.LOADER`).
"""

from __future__ import annotations

import io
from functools import cache

from matplotlib.figure import Figure
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from ._style import OUTLINE, SIGNED_CMAP, WEIGHTS_CMAP, figure_style
from .matrix import MASK_COLOR

MAX_WIDTH = 900  # pixels: about a notebook column's width
MAX_DPI = 80  # small figures are drawn at this resolution, large ones lower to fit MAX_WIDTH
MAP_STEPS = 112  # samples of each colour map in the palette (a colour bar then shows 112 steps in order)
GREYS = 30  # grey levels for anti-aliased text and lines
CAPTION_PX = 13  # the caption's font size in pixels, whatever the figure's resolution


@cache
def palette() -> Image.Image:
    """A "P" image whose palette is the colour language's: WEIGHTS_CMAP and SIGNED_CMAP sampled at
    MAP_STEPS points each, GREYS greys from black to white, the mask's grey and the outline's red."""
    import matplotlib

    colours: list[tuple[int, int, int]] = []
    for name in (WEIGHTS_CMAP, SIGNED_CMAP):
        cmap = matplotlib.colormaps[name]
        colours += [tuple(round(255 * c) for c in cmap(i / (MAP_STEPS - 1))[:3]) for i in range(MAP_STEPS)]
    colours += [(round(255 * i / (GREYS - 1)),) * 3 for i in range(GREYS)]
    colours += [tuple(int(h[k : k + 2], 16) for k in (1, 3, 5)) for h in (MASK_COLOR, OUTLINE)]
    flat = [c for rgb in colours for c in rgb]
    image = Image.new("P", (1, 1))
    image.putpalette(flat + flat[-3:] * (256 - len(colours)))
    return image


def quantise(image: Image.Image) -> Image.Image:
    """An RGB picture in the palette's colours, each pixel its nearest (no dithering: flat cells stay flat)."""
    return image.convert("RGB").quantize(palette=palette(), dither=Image.Dither.NONE)


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
    small = quantise(image)
    info = PngInfo()
    info.add_text("attnlab", marker)
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True, pnginfo=info)
    return out.getvalue()
