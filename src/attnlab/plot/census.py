"""Figures of the head census: the head atlas, the rollout, and weight vs value-weighted mass.

- `plot_atlas`: one layers x heads grid per census score (rows: layers, columns: heads), heads that
  hold the score's role outlined; the grid the page's atlas tab draws too.
- `plot_rollout`: the rollout matrix (Abnar & Zuidema 2020) with token labels, and the last token's
  row as bars (where its final representation draws from, by attention alone).
- `plot_key_mass`: per layer, the share of attention on the first / special tokens by weight and by
  value-weighted contribution (Kobayashi et al. 2020): the gap is "weight is not importance".
Labels in Japanese or English (`lang`); figures are returned, never shown.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib
import numpy as np
import torch
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..analysis.census import SCORE_NAMES, HeadCensus
from ..analysis.census_text import s, score_label
from ..analysis.roles import ROLE_RULES
from ..analysis.value_weighted import KeyMass
from ..i18n import t
from ..trace import AttentionTrace
from ._style import OUTLINE, WEIGHTS_CMAP, figure_style, tick_step
from .matrix import MASK_COLOR

LOG_FLOOR = 1e-8  # rollout shares span many orders of magnitude (SmolLM2: ~1 on token 0, 1e-5..1e-8 elsewhere)


def plot_atlas(census: HeadCensus, lang: str = "ja") -> Figure:
    """A layers x heads grid per score; heads with the score's role are outlined (plot._style.OUTLINE)."""
    names = [n for n in SCORE_NAMES if n in census.scores]
    with figure_style():
        width = 0.17 * census.n_heads + 1.0
        fig = Figure(figsize=(max(width * len(names), 6.0), 0.22 * census.n_layers + 2.2))
        axes = fig.subplots(1, len(names), squeeze=False)[0]
        for ax, name in zip(axes, names, strict=True):
            grid = census.scores[name].numpy()  # [layer, head]
            limit = float(np.nanmax(grid)) if name == "mean_distance" else 1.0
            img = ax.imshow(grid, cmap=WEIGHTS_CMAP, vmin=0.0, vmax=max(limit, 1e-9), aspect="auto",
                            interpolation="nearest")  # bright = high, as the pages' census
            for r in census.roles:
                if any(rule.role == r.role and rule.score == name for rule in ROLE_RULES):
                    ax.add_patch(Rectangle((r.head - 0.5, r.layer - 0.5), 1, 1, fill=False, lw=1.2, ec=OUTLINE))
            ax.set_title(score_label(name, lang), fontsize=9)
            ax.set_xticks(range(census.n_heads), [str(h) for h in range(census.n_heads)], fontsize=6)
            step = max(1, census.n_layers // 10)
            ax.set_yticks(range(0, census.n_layers, step), [str(i) for i in range(0, census.n_layers, step)],
                          fontsize=7)
            ax.set_xlabel(t("head", lang), fontsize=8)
            fig.colorbar(img, ax=ax, fraction=0.08, pad=0.03).ax.tick_params(labelsize=6)
        axes[0].set_ylabel(t("layer", lang), fontsize=8)
        fig.suptitle(t("census_atlas_title", lang, model=census.model), fontsize=10)
        fig.tight_layout(rect=(0, 0, 1, 1 - 0.45 / fig.get_figheight()))
    return fig


def plot_rollout(trace: AttentionTrace, matrix: torch.Tensor, lang: str = "ja", *, top: int = 12) -> Figure:
    """The rollout matrix [q_pos, k_pos] (from `analysis.rollout.rollout`) and the last token's row."""
    labels = trace.position_labels()
    n = matrix.shape[0]
    side = min(max(4.0, 0.26 * n + 2.5), 14.0)
    with figure_style():
        fig = Figure(figsize=(side + 5.0, side))
        left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [side, 4.0]})
        data = matrix.double().numpy()
        hidden = np.triu(np.ones((n, n), dtype=bool), 1) if trace.causal else np.zeros((n, n), dtype=bool)
        cmap = matplotlib.colormaps[WEIGHTS_CMAP].with_extremes(bad=MASK_COLOR)
        shown = np.ma.masked_array(np.clip(data, LOG_FLOOR, 1.0), mask=hidden)
        img = left.imshow(shown, cmap=cmap, norm=LogNorm(vmin=LOG_FLOOR, vmax=1.0), aspect="auto",
                          interpolation="nearest")
        step = tick_step(n)
        left.set_xticks(range(0, n, step), labels[::step], rotation=90)
        left.set_yticks(range(0, n, step), labels[::step])
        fig.colorbar(img, ax=left, fraction=0.046, pad=0.02)
        left.set_title(t("rollout_title", lang))
        left.set_xlabel(t("rollout_key_axis", lang))
        left.set_ylabel(t("rollout_query_axis", lang))
        left.tick_params(labelsize=7)
        row = matrix[-1]
        values, keys = row.topk(min(top, n))
        right.barh(range(len(keys)), values.numpy()[::-1], color="#4a90c8")
        right.set_yticks(range(len(keys)), [labels[int(k)] for k in keys.flip(0)], fontsize=7)
        right.set_xlim(0, 1)
        for i, v in enumerate(values.numpy()[::-1]):
            right.text(min(v, 0.8) + 0.02, i, f"{v:.3g}", va="center", fontsize=7)
        right.set_title(t("rollout_top", lang, n=len(keys)), fontsize=9)
        fig.suptitle(f"{trace.model}: Abnar & Zuidema (2020)", fontsize=10)
        fig.tight_layout()
    return fig


def plot_key_mass(masses: Sequence[KeyMass], model: str, lang: str = "ja") -> Figure:
    """Per layer (mean over heads): weight vs value-weighted share on each key group."""
    with figure_style():
        fig = Figure(figsize=(7.5, 3.6))
        ax = fig.add_subplot()
        colors = ["#1f6fb4", "#c0392b", "#2e8b57"]
        for m, color in zip(masses, colors, strict=False):
            what = s("first_key" if m.name == "first" else "last_key", lang, text=" ".join(dict.fromkeys(m.texts)))
            layers = np.arange(m.weight.shape[0])
            ax.plot(layers, m.weight.mean(1).numpy(), "-o", color=color, ms=3,
                    label=f"{what}: {t('weight', lang)}")
            ax.plot(layers, m.value_weighted.mean(1).numpy(), "--s", color=color, ms=3,
                    label=f"{what}: {t('value_weighted', lang)}")
        ax.set_ylim(0, 1)
        ax.set_xlabel(t("layer", lang))
        ax.set_ylabel(t("key_mass_axis", lang))
        ax.legend(fontsize=7, loc="upper left")
        ax.set_title(f"{model}: {t('key_mass_title', lang)}", fontsize=9)
        fig.tight_layout()
    return fig
