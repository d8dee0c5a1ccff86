"""The pipeline: the tutorial's left-to-right picture x -> Q, K, V -> scores -> mask -> weights -> output.

Toy traces (every stage kept). Figures: listing 2's panels, and the same with the Q, K, V panels.
Page tab (tab.js, math in pipemath.js; the numbers from toy.js or bridge.js, each a data module carried
only with its kind's arrays): every stage with its formula and the arithmetic behind each cell. In a
page file the reader may edit cells of x, the temperature and the mask: the page recomputes every
stage itself, in double precision, with the trace's W_Q, W_K, W_V
(seed, d_model and heads change the weights and need Python). In the web app's playground the
playground's controls are the only ones (one state): the server recomputes every tab. `RECOMPUTE_TOL`
is the precision the page states for that recompute against the Python toy (fp32); the browser tests
hold it to that.

Real models (the bridge from the toy to a real head): the same tab for one head (`PageOptions.focus`)
from the captured q, k and v. The layer's input x is not kept by the capture, so the pipeline
starts at q, k and v as the model passed them to its attention (after its projections and, where
the model uses it, the rotary position embedding), then scores = q k^T * scale, the mask, softmax,
and output = weights v (the head's output before the model's output projection). Grouped-query
attention: query head h reads kv head h // (n_heads / n_kv_heads). The bridge is carried only when
recomputing it this way gives the trace's own weights (within `BRIDGE_TOL`); a layer that adds a
position bias or another mask gets a note instead. Up to `BRIDGE_MAX_TOKENS` tokens: the page holds
q, k, v of the one head (3 x tokens x d_head fp32: 3 MB at 4,096 tokens of SmolLM2) and shows one
query row, or every row when short; the check against the trace runs a block of rows at a time.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ...trace import AttentionTrace
from ..base import DataModule, FigureJob, FigureOptions, PageOptions, View

STAGES = ("x", "W_Q", "W_K", "W_V", "Q", "K", "V", "scores", "weights", "head_outputs", "output")
# Toy stages are small by construction (toy.MAX_TOKENS, MAX_D_MODEL); this guards library use.
MAX_STAGE_VALUES = 2**21
RECOMPUTE_TOL = 1e-5  # the page's recompute (JS, float64) against Python (fp32): |js - py| <= tol * (1 + |py|)
BRIDGE_MAX_TOKENS = 4096  # the bridge's q, k, v travel in the page: at most 3 x 4,096 x d_head floats
BRIDGE_ROWS = 256  # query rows checked at once (a [rows, N] float64 block)
BRIDGE_TOL = 1e-4  # recomputed from q, k, v vs trace.pattern: beyond this the model adds what the page lacks


def is_toy(trace: AttentionTrace) -> bool:
    stages = trace.stages
    return stages is not None and sum(getattr(stages, n).numel() for n in STAGES) <= MAX_STAGE_VALUES


def is_bridge(trace: AttentionTrace) -> bool:
    return trace.stages is None and trace.keeps_qkv and trace.n_tokens <= BRIDGE_MAX_TOKENS


def applies(trace: AttentionTrace) -> bool:
    return is_toy(trace) or is_bridge(trace)


def figure_jobs(trace: AttentionTrace, opts: FigureOptions) -> dict[str, FigureJob]:
    if not is_toy(trace):
        return {}
    from . import figures

    kw = {"lang": opts.lang, "fmt": opts.fmt, "scale": opts.scale}
    return {
        "pipeline": FigureJob(lambda: figures.plot_pipeline(trace, **kw)),
        "pipeline_qkv": FigureJob(lambda: figures.plot_pipeline_qkv(trace, **kw)),
    }


def bridge_qkv(trace: AttentionTrace, layer: int, head: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """q [q_pos, d_head], k, v [k_pos, d_head] of one head as fp32 (kv head h // group)."""
    group = trace.n_heads // trace.n_kv_heads
    qkv = trace.qkv(layer)
    return qkv.q[head].float().cpu(), qkv.k[head // group].float().cpu(), qkv.v[head // group].float().cpu()


def bridge_error(trace: AttentionTrace, layer: int, head: int) -> float:
    """max |softmax(q k^T scale, causal) - the trace's weights| over the head: what the page's math
    misses; a block of rows at a time (kept in the trace's memo: the page's arrays and JSON both ask)."""
    return trace.memo.get(("bridge_error", layer, head), lambda: _bridge_error(trace, layer, head))


def _bridge_error(trace: AttentionTrace, layer: int, head: int) -> float:
    q, k, _ = bridge_qkv(trace, layer, head)
    n, scale, worst = trace.n_tokens, trace.qkv(layer).scale, 0.0
    for lo in range(0, n, BRIDGE_ROWS):
        hi = min(lo + BRIDGE_ROWS, n)
        s = (q[lo:hi].double() @ k.double().T) * scale  # [rows, k_pos]
        if trace.causal:
            s = s.masked_fill(torch.arange(n)[None, :] > torch.arange(lo, hi)[:, None], float("-inf"))
        w = trace.tile(layer, head, (lo, hi), (0, n))[0].double()
        worst = max(worst, float((s.softmax(-1) - w).abs().max()))
    return worst


def _default_row(trace: AttentionTrace) -> int:
    """The row the bridge opens on: the last token that is not a special one."""
    plain = [i for i, t in enumerate(trace.tokens) if not t.special]
    return plain[-1] if plain else trace.n_tokens - 1


def page_arrays(trace: AttentionTrace, page: PageOptions) -> dict[str, np.ndarray]:
    """Toy: stage_<name> fp32 arrays shaped as on `ToyStages`. Model: bridge_q/k/v of the focus head."""
    if is_toy(trace):
        stages = trace.stages
        return {f"stage_{n}": getattr(stages, n).detach().to(torch.float32).cpu().numpy() for n in STAGES}
    layer, head = page.focus
    if bridge_error(trace, layer, head) > BRIDGE_TOL:
        return {}
    q, k, v = bridge_qkv(trace, layer, head)
    return {"bridge_q": q.numpy(), "bridge_k": k.numpy(), "bridge_v": v.numpy()}


def page_meta(trace: AttentionTrace, page: PageOptions) -> dict[str, Any]:
    """What the tab needs besides the arrays: labels, the precision it states, the bridge's head."""
    if is_toy(trace):
        return {"source": "toy", "labels": trace.token_labels, "tol": RECOMPUTE_TOL}
    layer, head = page.focus
    err = bridge_error(trace, layer, head)
    group, qkv = trace.n_heads // trace.n_kv_heads, trace.qkv(layer)
    return {"source": "model", "labels": trace.position_labels(), "layer": layer, "head": head,
            "kv_head": head // group, "scale": float(qkv.scale), "d_head": int(qkv.q.shape[-1]),
            "row": _default_row(trace), "error": err, "available": err <= BRIDGE_TOL}


VIEW = View(name="pipeline", applies=applies, figures=figure_jobs, page_arrays=page_arrays, page_meta=page_meta,
            opens_first=is_toy,
            labels=("bridge_unavailable", "head", "map_role", "mask", "masked", "masked_weight", "output", "score",
                    "temperature", "weight"),
            # where the numbers come from: a toy's stages, or a real head's q, k, v (each page holds one)
            data_modules=(DataModule("toy", "stage_x", labels=(
                "edit_cell", "input", "mask_custom", "mask_none", "pipe_bad_t", "pipe_bad_x", "pipe_causal",
                "pipe_edit_hint", "pipe_edited", "pipe_keep_one", "pipe_precision", "pipe_reset", "pipe_x_edited",
                "temperature", "toggle_cell")),
                DataModule("bridge", "bridge_q", labels=(
                    "bridge_intro", "bridge_precision", "captured", "captured_k", "captured_q", "captured_v",
                    "mask_none", "pipe_hint", "query"))),
            needs=f"a toy trace (every stage kept, at most 2**21 values) or a model trace of at most "
                  f"{BRIDGE_MAX_TOKENS} tokens with its captured q, k, v")
