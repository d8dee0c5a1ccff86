"""Figures of head effects beside the census: the atlas coloured by effect, and attention vs effect.

- `plot_effect_atlas`: one layers x heads grid per method (rows: layers, columns: heads), a diverging
  colour scale centred on 0 (each method on its own symmetric range), first-token sinks outlined:
  where the heads that matter sit, and whether they are the heads with the striking patterns.
- `plot_attention_vs_effect`: one dot per head, attention to the first token (and to the previous
  token) on x, the main method's effect on y, coloured by layer: strong patterns that barely matter
  sit far right on the zero line.
Labels in Japanese or English (`lang`); figures are returned, never shown.
"""

from __future__ import annotations

import numpy as np
import torch
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..analysis.census_text import score_label
from ..analysis.effects import HeadEffects
from ..analysis.effects_text import main_method
from ..analysis.roles import rule_of
from ..i18n import t
from ._style import ORDER_CMAP, SIGNED_CMAP, figure_style

SHOWN = ("patching", "zero", "mean", "attribution", "dla")  # the [layer, head] grids drawn (losses: JSON only)
SCATTER_SCORES = ("first_token", "prev_token")  # census scores on the x axes


def plot_effect_atlas(effects: HeadEffects, attention: dict[str, torch.Tensor], lang: str = "ja") -> Figure:
    """A layers x heads grid per method, red = lowers the metric, blue = raises it; sinks outlined."""
    names = [m for m in SHOWN if m in effects.effects]
    sink = rule_of("first_token_sink")
    sinks = (attention["first_token"] >= sink.threshold).numpy() if "first_token" in attention else None
    n_layers, n_heads = effects.n_layers, effects.n_heads
    with figure_style():
        width = 0.17 * n_heads + 1.2
        fig = Figure(figsize=(max(width * len(names), 6.0), 0.22 * n_layers + 2.4))
        axes = fig.subplots(1, len(names), squeeze=False)[0]
        for ax, name in zip(axes, names, strict=True):
            grid = effects.effects[name].numpy()  # [layer, head]
            limit = max(float(np.abs(grid).max()), 1e-9)
            img = ax.imshow(grid, cmap=SIGNED_CMAP, vmin=-limit, vmax=limit, aspect="auto", interpolation="nearest")
            if sinks is not None:
                for layer, head in zip(*np.nonzero(sinks), strict=True):
                    ax.add_patch(Rectangle((head - 0.5, layer - 0.5), 1, 1, fill=False, lw=0.6, ec="#555555"))
            ax.set_title(t(f"effects_method_{name}", lang), fontsize=8)
            ax.set_xticks(range(n_heads), [str(h) for h in range(n_heads)], fontsize=6)
            step = max(1, n_layers // 10)
            ax.set_yticks(range(0, n_layers, step), [str(i) for i in range(0, n_layers, step)], fontsize=7)
            ax.set_xlabel(t("head", lang), fontsize=8)
            fig.colorbar(img, ax=ax, fraction=0.08, pad=0.03).ax.tick_params(labelsize=6)
        axes[0].set_ylabel(t("layer", lang), fontsize=8)
        title = t("effects_atlas_title", lang, model=effects.model)
        if sinks is not None:
            title += "\n" + t("effects_marked", lang, role=f"{t('role_first_token_sink', lang)} "
                                                          f"({sink.score} >= {sink.threshold:g})")
        fig.suptitle(title, fontsize=9)
        fig.tight_layout(rect=(0, 0, 1, 1 - 0.7 / fig.get_figheight()))
    return fig


def plot_attention_vs_effect(effects: HeadEffects, attention: dict[str, torch.Tensor], lang: str = "ja") -> Figure:
    """Per census score (first token, previous token): x = the head's score, y = its main effect."""
    name = main_method(effects)
    effect = effects.effects[name].numpy().ravel()
    scores = [s for s in SCATTER_SCORES if s in attention]
    layers = np.repeat(np.arange(effects.n_layers), effects.n_heads)
    with figure_style():
        fig = Figure(figsize=(4.2 * max(len(scores), 1) + 0.8, 3.8))
        axes = fig.subplots(1, max(len(scores), 1), squeeze=False)[0]
        for ax, score in zip(axes, scores, strict=False):
            x = attention[score].numpy().ravel()
            dots = ax.scatter(x, effect, c=layers, cmap=ORDER_CMAP, s=12, alpha=0.85, linewidths=0)
            ax.axhline(0.0, color="#888888", lw=0.6)
            ax.set_xlim(-0.02, 1.02)
            ax.set_xlabel(t("effects_scatter_x", lang, score=score_label(score, lang)), fontsize=8)
            ax.set_ylabel(t(f"effects_method_{name}", lang), fontsize=8)
            ax.tick_params(labelsize=7)
            fig.colorbar(dots, ax=ax, fraction=0.05, pad=0.02).set_label(t("layer", lang), fontsize=7)
        fig.suptitle(f"{effects.model}: {t('effects_scatter_title', lang)}", fontsize=9)
        fig.tight_layout()
    return fig
