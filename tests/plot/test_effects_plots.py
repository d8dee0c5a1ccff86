"""Effects figures: a panel per method on a symmetric scale, sinks outlined; one dot per head per score."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.collections import PathCollection
from matplotlib.patches import Rectangle

from attnlab.analysis.census import head_census
from attnlab.analysis.effects import head_effects
from attnlab.plot.effects import plot_attention_vs_effect, plot_effect_atlas

pytestmark = pytest.mark.model


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_atlas_and_scatter(lang):
    r = head_effects("The cat sat on the mat because it was tired.", "minilm", methods=["zero", "mean"])
    census = head_census(r.trace, probe=False)
    fig = plot_effect_atlas(r, census.scores, lang)
    panels = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in panels] == (["ゼロ除去", "平均除去"] if lang == "ja" else
                                                 ["zero ablation", "mean ablation"])
    sinks = int((census.scores["first_token"] >= 0.5).sum())
    for ax, name in zip(panels, ("zero", "mean"), strict=True):
        image = ax.images[0]
        assert np.allclose(image.get_array(), r.effects[name].numpy())
        low, high = image.get_clim()
        assert low == -high and high == pytest.approx(float(r.effects[name].abs().max()))
        assert sum(isinstance(p, Rectangle) for p in ax.patches) == sinks
    fig = plot_attention_vs_effect(r, census.scores, lang)
    dots = [c for ax in fig.axes for c in ax.collections if isinstance(c, PathCollection)]
    assert len(dots) == 2 and all(len(d.get_offsets()) == 72 for d in dots)
    assert np.allclose(dots[0].get_offsets()[:, 0], census.scores["first_token"].numpy().ravel())
    assert np.allclose(dots[0].get_offsets()[:, 1], r.effects["zero"].numpy().ravel())
