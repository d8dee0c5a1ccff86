"""The eager fallback: a model's attention as transformers' eager attention materialises it.

Used where the capture cannot read a model's attention: the attention bypasses transformers'
attention interface (DeBERTa-v2, BLOOM), or its mask is one no `LayerMask` holds. The model's
attention implementation is switched to "eager" for one pass with `output_attentions=True` and put
back; the switch is made on the shared model object, so one at a time (`exclusive`, also held by
passes through models that rewrite themselves, `models.api`).
"""

from __future__ import annotations

import threading
import warnings
from typing import Any

import torch

from .loading import LoadedModel

exclusive = threading.Lock()  # held by an eager fallback, and by passes through a self-changing model
BYPASSES = "attention does not go through transformers' attention interface"  # the usual reason to fall back


class CaptureFallbackWarning(UserWarning):
    """The model's attention bypassed the attention interface; eager output_attentions was used."""


def warn_fallback(lm: LoadedModel, why: str = BYPASSES, *, stacklevel: int = 3) -> None:
    """Say, as a CaptureFallbackWarning, that `lm` runs eager attention and why."""
    warnings.warn(CaptureFallbackWarning(f"{lm.name}: {why}; using eager output_attentions (slower, N x N per "
                                         "layer and head in memory)"), stacklevel=stacklevel + 1)


def eager_outputs(lm: LoadedModel, inputs: dict[str, torch.Tensor]) -> Any:
    """The model body's outputs with eager attention and `output_attentions=True`; the model's
    attention implementation is switched for the pass and put back (one switch at a time)."""
    model = lm.model
    with exclusive:  # one switch at a time, so each puts back the implementation it found
        previous = model.config._attn_implementation
        if model._can_set_attn_implementation():
            model.set_attn_implementation("eager")
        try:
            with torch.no_grad():
                return model.base_model(**inputs, output_attentions=True, use_cache=False)
        finally:
            if model._can_set_attn_implementation():
                model.set_attn_implementation(previous)
