"""Generation steps as data and as text: the `steps` of `attnlab text --generate N --format json`, its
printout, and each step's attention rows (what a scrubber over the steps shows).

A step's numbers are the model's own (`models.steps`): p is softmax(logits) at temperature 1 of the
chosen token, whatever the sampling settings were; rank 1 is the most probable token. The row of the
token generated at step t is the query of the pass that fed it (the next step), read back from the
trace: w = exp(scale q . k - lse), the exact row that pass computed (`step_rows`).
"""

from __future__ import annotations

from typing import Any

import torch

from ..i18n import t
from ..jsonable import tensor_to_list
from ..models.steps import Candidate, Generation, Sampling
from ..trace import AttentionTrace


def sampling_to_dict(sampling: Sampling) -> dict[str, Any]:
    """{method: greedy | sample, temperature, top_k, seed}: everything needed to repeat the run."""
    return {"method": "greedy" if sampling.greedy else "sample", "temperature": sampling.temperature,
            "top_k": sampling.top_k, "seed": sampling.seed}


def _candidates(cands: tuple[Candidate, ...]) -> list[dict[str, Any]]:
    return [{"token": c.token, "token_id": c.token_id, "p": c.p} for c in cands]


def steps_to_dict(gen: Generation) -> dict[str, Any]:
    """{prompt_len, sampling, steps: [{position, token, token_id, p, rank, top: [{token, token_id, p}],
    lens (with --lens): [per layer [{token, token_id, p}]]}]}, one step per generated token."""
    steps = []
    for s in gen.steps:
        step: dict[str, Any] = {"position": s.position, "token": s.token, "token_id": s.token_id, "p": s.p,
                                "rank": s.rank, "top": _candidates(s.top)}
        if s.lens is not None:
            step["lens"] = [_candidates(layer) for layer in s.lens]
        steps.append(step)
    return {"prompt_len": gen.prompt_len, "sampling": sampling_to_dict(gen.sampling), "steps": steps}


def step_rows(trace: AttentionTrace, position: int, layer: int) -> torch.Tensor:
    """[head, position + 1] fp32: the attention row of the token at `position` in every head of `layer`
    (keys 0..position), from q, k and the row's lse: O(heads x position x d_head), no N x N map."""
    trace.check_layer_head(layer, None)
    logits = trace.row_scores(layer, torch.tensor([position]), position + 1)[:, 0].float().cpu()  # [head, keys]
    return torch.exp(logits - trace.lse(layer).float().cpu()[:, position : position + 1])


def step_rows_to_dict(gen: Generation, layer: int, steps: list[int] | None = None) -> dict[str, Any]:
    """{layer, rows: [{step, position, weights: [head][key]}]}: each chosen step's row (default: every
    step) in every head of one layer, JSON-ready (what a scrubber over the steps draws; O(steps x N x
    heads), so a page embeds one layer and the app asks per layer)."""
    chosen = range(len(gen.steps)) if steps is None else steps
    rows = []
    for i in chosen:
        position = gen.steps[i].position
        rows.append({"step": i, "position": position, "weights": tensor_to_list(step_rows(gen.trace, position, layer))})
    return {"layer": layer, "rows": rows}


def steps_text(gen: Generation, lang: str = "ja") -> str:
    """The printout: the settings, then per step the chosen token, its probability and rank, the top
    candidates and (with --lens) the top token of each layer's output."""
    s = gen.sampling
    how = t("steps_greedy", lang) if s.greedy else t("steps_sampled", lang, T=s.temperature,
                                                       k=s.top_k if s.top_k is not None else "-", seed=s.seed)
    lines = [t("steps_title", lang, n=len(gen.steps), how=how)]
    for i, step in enumerate(gen.steps):
        top = ", ".join(f"{c.token} {c.p:.3f}" for c in step.top)
        lines.append(t("steps_line", lang, i=i + 1, pos=step.position, token=step.token, p=step.p, rank=step.rank,
                       top=top))
        if step.lens is not None:
            lines.append("    " + t("steps_lens", lang) + " " + " ".join(
                f"{layer}:{cands[0].token}" for layer, cands in enumerate(step.lens)))
    return "\n".join(lines)
