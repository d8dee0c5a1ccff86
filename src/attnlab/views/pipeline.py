"""The pipeline: the tutorial's left-to-right picture x -> Q, K, V -> scores -> weights -> output.

Toy traces only (they keep every stage). Figures: listing 2's four panels, and the same with the
Q, K, V panels. Page tab: every stage with its formula and the arithmetic behind each cell
(assets/views/pipeline.js), from the stage arrays below.
"""

from __future__ import annotations

import numpy as np
import torch

from ..trace import AttentionTrace
from .base import FigureJob, FigureOptions, View

STAGES = ("x", "W_Q", "W_K", "W_V", "Q", "K", "V", "scores", "weights", "head_outputs", "output")
# Toy stages are small by construction (toy.MAX_TOKENS, MAX_D_MODEL); this guards library use.
MAX_STAGE_VALUES = 2**21


def applies(trace: AttentionTrace) -> bool:
    return trace.stages is not None and sum(getattr(trace.stages, n).numel() for n in STAGES) <= MAX_STAGE_VALUES


def figures(trace: AttentionTrace, opts: FigureOptions) -> dict[str, FigureJob]:
    from ..plot import toy

    return {
        "pipeline": FigureJob(lambda: toy.plot_pipeline(trace, lang=opts.lang, fmt=opts.fmt, scale=opts.scale)),
        "pipeline_qkv": FigureJob(lambda: toy.plot_pipeline_qkv(trace, lang=opts.lang, fmt=opts.fmt, scale=opts.scale)),
    }


def page_arrays(trace: AttentionTrace) -> dict[str, np.ndarray]:
    """stage_<name> fp32 arrays, shaped as on `ToyStages` (per-head ones with a leading head axis)."""
    return {f"stage_{n}": getattr(trace.stages, n).detach().to(torch.float32).cpu().numpy() for n in STAGES}


VIEW = View(name="pipeline", applies=applies, figures=figures, page_arrays=page_arrays,
            needs="a toy trace (every stage kept, at most 2**21 values)")
