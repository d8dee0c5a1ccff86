"""One labelled matrix drawn like the tutorial's `sns.heatmap(..., annot=True)`: shared by every figure,
and the colour scale of weights (`weight_scale`), named on every figure that uses it.

Weights are drawn on a fixed 0-1 scale by default, so that a nearly uniform row (0.28-0.37) looks
nearly uniform: an automatic scale would spread 0.28-0.37 over the whole colour map and make it look
high-contrast. `scale="auto"` spans the weights shown instead (useful for long rows, whose weights are
all small), and says so with its range.
"""

from __future__ import annotations

import matplotlib
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.image import AxesImage

from ..errors import AttnlabError
from ..i18n import t
from ._style import SIGNED_CMAP, WEIGHTS_CMAP, annot_size, fmt_spec, tick_step

MASK_COLOR = "#d0d0d0"  # hidden (masked) cells
SCALES = ("fixed", "auto")  # weights' colour scale: 0..1, or the range of the weights shown
KINDS = {"weights": WEIGHTS_CMAP, "signed": SIGNED_CMAP}  # a matrix's kind -> its colour map (plot._style)


def weight_scale(mats: list[torch.Tensor], scale: str, lang: str,
                 hidden: torch.Tensor | None = None) -> tuple[float, float, str]:
    """(vmin, vmax, its name for the figure) of weight matrices drawn on one colour scale; hidden:
    [row, col] bool, True = masked (grey, not part of the range)."""
    if scale not in SCALES:
        raise AttnlabError(f"scale {scale!r} is not a colour scale: choose one of {', '.join(SCALES)}")
    if scale == "fixed":
        return 0.0, 1.0, t("scale_fixed", lang)
    finite = [m[torch.isfinite(m) & (True if hidden is None else ~hidden)] for m in mats]
    lo = min(float(f.min()) for f in finite if f.numel())
    hi = max(float(f.max()) for f in finite if f.numel())
    hi = hi if hi > lo else lo + 1e-9
    return lo, hi, t("scale_auto", lang, lo=lo, hi=hi)


def heatmap(
    ax: Axes,
    m: torch.Tensor,
    rows: list[str],
    cols: list[str],
    *,
    kind: str,
    title: str,
    fmt: str = ".2f",
    mask: torch.Tensor | None = None,
    cbar: bool = True,
    vmin: float | None = None,
    vmax: float | None = None,
) -> AxesImage:
    """One labelled matrix in the look of the tutorial's `sns.heatmap(..., annot=True)`.

    kind: "weights" (WEIGHTS_CMAP, between vmin and vmax) or "signed" (scores, x, Q, K, V, outputs:
    SIGNED_CMAP centred on 0, out to the largest |value|). Drawn with imshow (seaborn's heatmap needs
    ~0.8 GB for a 128 x 128 matrix here); mask: True = hidden cell, drawn grey. Numbers go in the cells
    while they fit, dark on light cells.
    """
    if kind not in KINDS:
        raise AttnlabError(f"kind {kind!r} is not a kind of matrix: choose one of {', '.join(KINDS)}")
    data = m.detach().double().numpy()
    hidden = ~np.isfinite(data) if mask is None else mask.numpy() | ~np.isfinite(data)
    shown = np.ma.masked_array(np.where(hidden, 0.0, data), mask=hidden)
    cm = matplotlib.colormaps[KINDS[kind]].with_extremes(bad=MASK_COLOR)
    if kind == "signed":  # the diverging map with 0 in its middle
        vmax = float(np.abs(shown).max()) or 1.0
        vmin = -vmax
    img = ax.imshow(shown, cmap=cm, vmin=vmin, vmax=vmax, aspect="auto", interpolation="nearest")
    size = annot_size(*data.shape)
    if size is not None:
        for (i, j), v in np.ndenumerate(data):
            if not hidden[i, j]:
                lum = _luminance(img.to_rgba(v))
                ax.text(j, i, format(v, fmt_spec(fmt)), ha="center", va="center", fontsize=size,
                        color="#262626" if lum > 0.408 else "white")
    sx, sy = tick_step(len(cols)), tick_step(len(rows))
    long = max(len(c) for c in cols) * len(cols) > 28  # labels that would touch: turn them
    ax.set_xticks(range(0, len(cols), sx), cols[::sx], rotation=90 if long else 0)
    ax.set_yticks(range(0, len(rows), sy), rows[::sy])
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if cbar:
        ax.figure.colorbar(img, ax=ax)
    ax.set_title(title)
    return img


def head_map(fig: Figure, w: torch.Tensor, rows: list[str], cols: list[str], *, title: str, lang: str,
             scale_name: str, axes: tuple[str, str], mask: torch.Tensor | None = None, vmin: float = 0.0,
             vmax: float = 1.0) -> AxesImage:
    """One head's weights as a model's figure draws them (a trace's head, a cross-attention's): the map,
    its colour bar naming the scale, small tick labels, axes = (x label, y label)."""
    ax = fig.add_subplot()
    img = heatmap(ax, w, rows, cols, kind="weights", title=title, mask=mask, cbar=False, vmin=vmin, vmax=vmax)
    fig.colorbar(img, ax=ax, fraction=0.046, pad=0.04, label=t("colorbar_weight", lang, scale=scale_name))
    ax.tick_params(labelsize=8)
    ax.set_xlabel(axes[0])
    ax.set_ylabel(axes[1])
    fig.tight_layout()
    return img


def _luminance(rgba: tuple[float, ...]) -> float:
    """Relative luminance (WCAG), to pick dark or light annotation text as seaborn does."""
    c = np.asarray(rgba[:3])
    c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(c @ [0.2126, 0.7152, 0.0722])
