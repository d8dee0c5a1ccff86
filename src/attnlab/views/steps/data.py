"""The steps tab's data: a Generation's steps as `analysis.steps.steps_to_dict` gives them, trimmed to what
the tab shows, and per step an overview of every layer and head of where the new token looks.

Per step the page carries: the chosen token, its p and rank, the top candidates (`--candidates`), and
with the logit lens only each layer's first token (the tab shows one per layer); plus two arrays,
[step, layer, head] fp32: the key the new token's row gives the most weight (`steps_argmax`) and that
weight (`steps_max`), from the trace's own rows (`analysis.steps.step_rows`'s exp(logit - lse), a block
of steps per layer: O(steps x N x heads) at a time, never N x N). The row itself, in the layer and head
the tab shows, is the page's weight map's row (the heatmap's: the trace's rows, 8-bit per row), so it
costs nothing more. Bytes per step: see docs/steps.md, "The page and the app".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ...errors import AttnlabError
from ...i18n import t
from ...trace import AttentionTrace
from ..base import PageOptions

if TYPE_CHECKING:
    from ...models.steps import Generation

BLOCK = 256  # steps whose rows are computed at once (a [head, BLOCK, N] fp32 block per layer)


def tab_steps(gen: Generation, lang: str) -> dict[str, Any]:
    """steps_to_dict(gen) with each step's logit lens cut to its first token per layer, and the sampling
    settings said in `lang` (the printout's words)."""
    from ...analysis.steps import steps_to_dict  # (torch: imported when a generation is shown)

    data = steps_to_dict(gen)
    for step in data["steps"]:
        if "lens" in step:
            step["lens"] = [layer[0] for layer in step["lens"]]
    s = gen.sampling
    data["how"] = t("steps_greedy", lang) if s.greedy else t(
        "steps_sampled", lang, T=s.temperature, k=s.top_k if s.top_k is not None else "-", seed=s.seed)
    return data


def step_overview(gen: Generation) -> tuple[np.ndarray, np.ndarray]:
    """([step, layer, head] argmax key, [step, layer, head] its weight), both fp32, of each generated token's
    row in every layer and head: w = exp(logit - lse) over keys 0..position (the trace's rows)."""
    import torch

    trace = gen.trace
    positions = torch.tensor([s.position for s in gen.steps], dtype=torch.int64)  # [step]
    n_steps = len(positions)
    argmax = np.zeros((n_steps, trace.n_layers, trace.n_heads), np.float32)
    top = np.zeros((n_steps, trace.n_layers, trace.n_heads), np.float32)
    for layer in range(trace.n_layers):
        lse = trace.lse(layer).float().cpu()  # [head, q_pos]
        for a in range(0, n_steps, BLOCK):
            pos = positions[a : a + BLOCK]
            logits = trace.row_scores(layer, pos, int(pos.max()) + 1).float().cpu()  # [head, rows, keys], -inf hidden
            w = torch.exp(logits - lse[:, pos, None])  # [head, rows, keys]
            best, where = w.max(dim=-1)  # [head, rows]
            argmax[a : a + len(pos), layer] = where.T.numpy()
            top[a : a + len(pos), layer] = best.T.numpy()
    return argmax, top


def check_same_trace(gen: Generation, trace: AttentionTrace) -> None:
    """The steps must be of this trace (they are shown over its tokens and rows)."""
    if gen.trace is not trace:
        raise AttnlabError(f"generation= shows the steps of its own trace (generation.trace, {gen.trace.n_tokens} "
                           f"tokens of {gen.trace.model}), not of another trace ({trace.n_tokens} tokens of "
                           f"{trace.model}): give generation.trace, or attnlab.show(generation)")


def page_meta(trace: AttentionTrace, page: PageOptions) -> dict[str, Any] | None:
    """{"data": tab_steps} of a page given the generation (`PageOptions.given["steps"]`)."""
    gen = page.given.get("steps")
    if gen is None:
        return None
    check_same_trace(gen, trace)
    return {"data": tab_steps(gen, page.lang)}


def page_arrays(trace: AttentionTrace, page: PageOptions) -> dict[str, np.ndarray]:
    """The overview arrays of a page given the generation (none otherwise)."""
    gen = page.given.get("steps")
    if gen is None:
        return {}
    check_same_trace(gen, trace)
    argmax, top = step_overview(gen)
    return {"steps_argmax": argmax, "steps_max": top}
