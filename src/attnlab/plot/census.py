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
from typing import Any

import matplotlib
import numpy as np
import torch
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..analysis.census import HeadCensus
from ..analysis.census_text import s
from ..analysis.roles import ROLE_RULES
from ..analysis.value_weighted import KeyMass
from ._style import figure_style, tick_step
from .layers import token_labels
from .matrix import MASK_COLOR

LOG_FLOOR = 1e-8  # rollout shares span many orders of magnitude (SmolLM2: ~1 on token 0, 1e-5..1e-8 elsewhere)

TITLES = {  # score -> (ja, en) panel title
    "prev_token": ("直前トークン", "previous token"),
    "self": ("自分自身", "self"),
    "first_token": ("先頭トークン", "first token"),
    "entropy": ("エントロピー（正規化）", "entropy (normalised)"),
    "mean_distance": ("平均距離（トークン）", "mean distance (tokens)"),
    "induction": ("帰納（プローブ）", "induction (probe)"),
    "duplicate": ("重複（プローブ）", "duplicate (probe)"),
}


def plot_atlas(census: HeadCensus, lang: str = "ja") -> Figure:
    """A layers x heads grid per score; heads with the score's role are outlined in black."""
    names = [n for n in TITLES if n in census.scores]
    ja = lang == "ja"
    with figure_style():
        width = 0.17 * census.n_heads + 1.0
        fig = Figure(figsize=(max(width * len(names), 6.0), 0.22 * census.n_layers + 2.2))
        axes = fig.subplots(1, len(names), squeeze=False)[0]
        for ax, name in zip(axes, names, strict=True):
            grid = census.scores[name].numpy()  # [layer, head]
            limit = float(np.nanmax(grid)) if name == "mean_distance" else 1.0
            cmap = "Blues_r" if name == "mean_distance" else "Blues"  # dark = the role's side
            img = ax.imshow(grid, cmap=cmap, vmin=0.0, vmax=max(limit, 1e-9), aspect="auto", interpolation="nearest")
            for r in census.roles:
                if any(rule.role == r.role and rule.score == name for rule in ROLE_RULES):
                    ax.add_patch(Rectangle((r.head - 0.5, r.layer - 0.5), 1, 1, fill=False, lw=1.2, ec="black"))
            ax.set_title(TITLES[name][0 if ja else 1], fontsize=9)
            ax.set_xticks(range(census.n_heads), [str(h) for h in range(census.n_heads)], fontsize=6)
            step = max(1, census.n_layers // 10)
            ax.set_yticks(range(0, census.n_layers, step), [str(i) for i in range(0, census.n_layers, step)],
                          fontsize=7)
            ax.set_xlabel("ヘッド" if ja else "head", fontsize=8)
            fig.colorbar(img, ax=ax, fraction=0.08, pad=0.03).ax.tick_params(labelsize=6)
        axes[0].set_ylabel("層" if ja else "layer", fontsize=8)
        title = (f"{census.model}: ヘッドの地図（枠 = 役割のしきい値を超えたヘッド）" if ja else
                 f"{census.model}: head atlas (outlined: past the role's threshold)")
        fig.suptitle(title, fontsize=10)
        fig.tight_layout(rect=(0, 0, 1, 1 - 0.45 / fig.get_figheight()))
    return fig


def plot_rollout(trace: Any, matrix: torch.Tensor, lang: str = "ja", *, top: int = 12) -> Figure:
    """The rollout matrix [q_pos, k_pos] (from `analysis.rollout.rollout`) and the last token's row."""
    ja = lang == "ja"
    labels = token_labels(trace)
    n = matrix.shape[0]
    side = min(max(4.0, 0.26 * n + 2.5), 14.0)
    with figure_style():
        fig = Figure(figsize=(side + 5.0, side))
        left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [side, 4.0]})
        data = matrix.double().numpy()
        hidden = np.triu(np.ones((n, n), dtype=bool), 1) if trace.causal else np.zeros((n, n), dtype=bool)
        cmap = matplotlib.colormaps["Blues"].with_extremes(bad=MASK_COLOR, under="white")
        shown = np.ma.masked_array(np.clip(data, LOG_FLOOR, 1.0), mask=hidden)
        img = left.imshow(shown, cmap=cmap, norm=LogNorm(vmin=LOG_FLOOR, vmax=1.0), aspect="auto",
                          interpolation="nearest")
        step = tick_step(n)
        left.set_xticks(range(0, n, step), labels[::step], rotation=90)
        left.set_yticks(range(0, n, step), labels[::step])
        fig.colorbar(img, ax=left, fraction=0.046, pad=0.02)
        left.set_title("ロールアウト（層を通した注意の流れ、対数目盛）" if ja else
                       "Rollout (attention flow through the layers, log scale)")
        left.set_xlabel("Key（参照側）入力トークン" if ja else "Key: input token")
        left.set_ylabel("Query（注目側）最終層のトークン" if ja else "Query: token at the last layer")
        left.tick_params(labelsize=7)
        row = matrix[-1]
        values, keys = row.topk(min(top, n))
        right.barh(range(len(keys)), values.numpy()[::-1], color="#4a90c8")
        right.set_yticks(range(len(keys)), [labels[int(k)] for k in keys.flip(0)], fontsize=7)
        right.set_xlim(0, 1)
        for i, v in enumerate(values.numpy()[::-1]):
            right.text(min(v, 0.8) + 0.02, i, f"{v:.3g}", va="center", fontsize=7)
        right.set_title(("最後のトークンの由来 上位" if ja else "Last token draws from, top") + f" {len(keys)}",
                        fontsize=9)
        fig.suptitle(f"{trace.model}: Abnar & Zuidema (2020)", fontsize=10)
        fig.tight_layout()
    return fig


def plot_key_mass(masses: Sequence[KeyMass], model: str, lang: str = "ja") -> Figure:
    """Per layer (mean over heads): weight vs value-weighted share on each key group."""
    ja = lang == "ja"
    with figure_style():
        fig = Figure(figsize=(7.5, 3.6))
        ax = fig.add_subplot()
        colors = ["#1f6fb4", "#c0392b", "#2e8b57"]
        for m, color in zip(masses, colors, strict=False):
            what = s("first_key" if m.name == "first" else "last_key", lang, text=" ".join(dict.fromkeys(m.texts)))
            layers = np.arange(m.weight.shape[0])
            ax.plot(layers, m.weight.mean(1).numpy(), "-o", color=color, ms=3,
                    label=f"{what}: {'重み' if ja else 'weight'}")
            ax.plot(layers, m.value_weighted.mean(1).numpy(), "--s", color=color, ms=3,
                    label=f"{what}: {'ノルムを掛けた寄与' if ja else 'value-weighted'}")
        ax.set_ylim(0, 1)
        ax.set_xlabel("層" if ja else "layer")
        ax.set_ylabel("割合（ヘッド平均）" if ja else "share (mean over heads)")
        ax.legend(fontsize=7, loc="upper left")
        title = ("重み ≠ 重要度: 重みと、値ベクトルの大きさを掛けた寄与（Kobayashi ら 2020）" if ja else
                 "Weight is not importance: weights vs value-weighted contributions (Kobayashi et al. 2020)")
        ax.set_title(f"{model}: {title}", fontsize=9)
        fig.tight_layout()
    return fig
