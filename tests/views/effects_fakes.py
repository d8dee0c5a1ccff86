"""Head effects made up for a synthetic trace: seeded random [layer, head] grids in the shape
`analysis.effects.head_effects` returns, for the tab's tests that need no model (its look, its
keyboard, its sorting). The real effects of real models are tested in test_effects_view.py (model)."""

from __future__ import annotations

import torch

from attnlab.analysis.effects import HeadEffects
from attnlab.models.targets import Target


def fake_effects(trace, *, methods=("zero", "attribution", "dla"), seed: int = 0) -> HeadEffects:
    """Effects of `trace` (its model, tokens and shape) with random values; attribution ~ zero + noise."""
    g = torch.Generator().manual_seed(seed)
    shape = (trace.n_layers, trace.n_heads)
    zero = torch.randn(shape, generator=g) * torch.rand(shape, generator=g) ** 3  # a few heads matter
    grids = {"zero": zero, "mean": zero * 0.7 + 0.05 * torch.randn(shape, generator=g),
             "attribution": zero + 0.1 * torch.randn(shape, generator=g), "dla": torch.randn(shape, generator=g) * 0.3,
             "patching": zero.abs() / zero.abs().max()}
    n = trace.n_tokens
    ids = tuple(tok.id for tok in trace.tokens)
    target = Target(kind="text", positions=tuple(range(1, n)), token_ids=ids[1:], token=None, pooling=None)
    effects = {m: grids[m].float() for m in methods}
    spearman = {}
    if "attribution" in effects and "zero" in effects:
        from attnlab.analysis.effects_math import spearman as rho

        spearman = {"attribution~zero": rho(effects["attribution"].flatten(), effects["zero"].flatten())}
    return HeadEffects(
        model=trace.model, kind="decoder", tokens=tuple(tok.text for tok in trace.tokens), token_ids=ids,
        target=target, methods=tuple(methods), edit="all", effects=effects, dla_by_position=None,
        spearman=spearman, clean={"metric": -3.25, "loss": 3.25}, corrupt_ids=None, skipped=(), estimates={},
        runtime_s=1.5, trace=trace)
