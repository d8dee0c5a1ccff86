"""One colour language (plot/_style.py): weights on one sequential map, scores and every signed value on
one diverging map centred on 0, in figures, pages and previews; the colour maps named in one place."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from matplotlib.image import AxesImage
from PIL import Image

import attnlab
from attnlab.plot._style import SIGNED_CMAP, WEIGHTS_CMAP
from attnlab.plot.preview import MAP_STEPS, palette, quantise
from attnlab.toy import ToySpec, run_seeds, run_toy
from attnlab.views import figures_for

from ..analysis.conftest import synthetic_trace

SRC = Path(attnlab.__file__).parent
CORE_JS = SRC / "html" / "js" / "core.js"
STOP_TOL = 8  # the pages interpolate 17 stops linearly: within 8 of 255 of matplotlib's map (measured 7.5)


def js_stops(name: str) -> np.ndarray:
    """A stops array of core.js ([[r, g, b], ...]) as numbers."""
    body = re.search(rf"const {name} = (\[\[.*?\]\]);", CORE_JS.read_text(encoding="utf-8"), re.S).group(1)
    return np.array([[int(v) for v in t.split(",")] for t in re.findall(r"\[(\d+, \d+, \d+)\]", body)], float)


@pytest.mark.parametrize("js,cmap", [("VIRIDIS", WEIGHTS_CMAP), ("RDBU", SIGNED_CMAP)])
def test_the_pages_draw_the_figures_colour_maps(js, cmap):
    stops, ref = js_stops(js), matplotlib.colormaps[cmap]
    k = len(stops)
    want = np.round(255 * np.array([ref(i / (k - 1))[:3] for i in range(k)]))
    np.testing.assert_array_equal(stops, want)  # each stop is matplotlib's own sample
    worst = 0.0
    for t in np.linspace(0, 1, 1001):  # and core.js's linear interpolation between them stays close
        x = t * (k - 1)
        i = min(k - 2, int(x))
        page = np.round(stops[i] + (stops[i + 1] - stops[i]) * (x - i))
        worst = max(worst, float(np.abs(page - 255 * np.array(ref(t)[:3])).max()))
    assert worst <= STOP_TOL, worst


def test_no_module_names_a_colour_map_but_the_style():
    """Figures take WEIGHTS_CMAP and SIGNED_CMAP from plot/_style.py: no module that draws (imports
    matplotlib) names another colour map, or these two, itself."""
    names = {n for n in matplotlib.colormaps if len(n) > 3}
    quoted = re.compile(r"[\"']([A-Za-z0-9_]+)[\"']")
    found = {}
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if (path.name == "_style.py" and path.parent.name == "plot") or "matplotlib" not in text:
            continue
        hits = sorted(set(quoted.findall(text)) & names)
        if hits:
            found[str(path.relative_to(SRC))] = hits
    assert found == {}


MULTI = run_toy(ToySpec(tokens=("東京", "は", "美しい", "街"), d_model=8, heads=2, causal=True, temperature=0.5))
MODEL = synthetic_trace(n=9, n_layers=2, n_heads=2, n_kv=1)
FIGURES = {
    "pipeline_qkv": lambda: attnlab.plot_pipeline_qkv(MULTI, head=1),
    "weights": lambda: attnlab.plot_weights(MULTI),
    "heads": lambda: attnlab.plot_heads(MULTI),
    "seeds": lambda: attnlab.plot_seeds(run_seeds(MULTI.spec, [0, 1])),
    "model": lambda: next(iter(figures_for(MODEL).values())).make(),
    "model_grid": lambda: figures_for(MODEL)["toy-grid"].make(),
}


@pytest.mark.parametrize("name", list(FIGURES))
def test_figures_use_the_two_maps_weights_sequential_signed_centred(name):
    fig = FIGURES[name]()
    images = [im for ax in fig.axes for im in ax.get_images() if isinstance(im, AxesImage)]
    assert images
    for im in images:
        cmap = im.get_cmap().name
        assert cmap in (WEIGHTS_CMAP, SIGNED_CMAP), cmap
        if cmap == SIGNED_CMAP:
            lo, hi = im.get_clim()
            assert lo == -hi  # 0 in the middle: the sign reads at a glance
    if name == "pipeline_qkv":  # x, Q, K, V, scores, scores / T and the output signed; the weights not
        kinds = [im.get_cmap().name for im in images]
        assert kinds.count(WEIGHTS_CMAP) == 1 and kinds.count(SIGNED_CMAP) == len(kinds) - 1


@pytest.mark.parametrize("cmap", [WEIGHTS_CMAP, SIGNED_CMAP])
def test_the_preview_keeps_a_colour_bar_in_order(cmap):
    """The notebook preview's palette holds the colour maps: a colour bar keeps its order and colours
    (a palette chosen from the picture drew it in a few bands of the wrong colours)."""
    ref = matplotlib.colormaps[cmap]
    bar = np.array([[ref(1 - y / 199)[:3]] * 12 for y in range(200)])  # a vertical bar, top = 1
    image = Image.fromarray(np.round(255 * bar).astype(np.uint8))
    got = np.asarray(quantise(image).convert("RGB")).astype(float)
    assert np.abs(got - np.asarray(image, float)).max() <= 12  # 112 steps of the map: within half a step
    samples = np.round(255 * np.array([ref(i / (MAP_STEPS - 1))[:3] for i in range(MAP_STEPS)]))
    position = [int(np.abs(samples - got[y, 0]).sum(1).argmin()) for y in range(200)]
    assert position == sorted(position, reverse=True) and position[0] == MAP_STEPS - 1 and position[-1] == 0
    assert len(palette().getpalette()) == 768
