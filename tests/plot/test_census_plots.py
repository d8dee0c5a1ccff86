"""Census figures build from synthetic traces: panels per score, role outlines, the log-scale rollout."""

from __future__ import annotations

import torch
from matplotlib.patches import Rectangle

from attnlab.analysis.census import head_census
from attnlab.analysis.rollout import rollout
from attnlab.analysis.value_weighted import key_mass
from attnlab.plot.census import plot_atlas, plot_key_mass, plot_rollout

from ..analysis.conftest import synthetic_trace


def test_atlas_has_a_panel_per_score_and_outlines_roles():
    trace = synthetic_trace(n=30)
    census = head_census(trace, probe=False)
    fig = plot_atlas(census, "en")
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in panels] == ["previous token", "self", "first token", "entropy (normalised)",
                                                 "mean distance (tokens)"]
    outlined = sum(isinstance(p, Rectangle) for ax in panels for p in ax.patches)
    text_roles = [r for r in census.roles if r.role in ("previous_token", "self", "first_token_sink", "local",
                                                        "broad")]
    assert outlined == len(text_roles)
    assert panels[0].images[0].get_array().shape == (3, 6)  # layers x heads


def test_rollout_and_key_mass_figures():
    trace = synthetic_trace(n=12, causal=False, n_kv=6)
    fig = plot_rollout(trace, rollout(trace), "ja")
    assert "対数目盛" in fig.axes[0].get_title() and len(fig.axes[1].patches) == 12  # one bar per source
    fig = plot_key_mass(key_mass(trace), "synthetic", "ja")
    assert len(fig.axes[0].lines) == 2 and fig.axes[0].get_legend() is not None
    assert torch.isfinite(key_mass(trace)[0].value_weighted).all()
