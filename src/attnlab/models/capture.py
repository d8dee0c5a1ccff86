"""The capture attention function: SDPA's output, with the post-RoPE queries and the keys kept per layer.

Registered in transformers' `AttentionInterface` under the name `CAPTURE`, with the matching
`AttentionMaskInterface` entry (SDPA's mask builder): without that entry transformers finds no mask
function for the name and silently passes `attention_mask=None`, dropping padding and causal masks.

The function hands its arguments, unchanged, to transformers' own `sdpa_attention_forward`, so the
model's outputs are bit-identical to the plain SDPA model's. While a `Recorder` is active it also keeps
references (no copies, no casts) to the query, key and value tensors, the mask and the scale of every
layer; `ModelTrace.pattern` recomputes a head's weights from them in fp32 on demand. Keeping the
references costs a little memory (q, k, v: O(N) per layer) and no compute; the N x N weights of every
layer and head, which eager `output_attentions=True` materialises, are never built.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

import torch

CAPTURE = "attnlab_capture"  # the name the capture function is registered under


@dataclass(frozen=True)
class LayerCapture:
    """What one attention layer computed with, as references to the model's own tensors."""

    q: torch.Tensor  # [batch, head, q_pos, d_head] queries after RoPE (as SDPA received them)
    k: torch.Tensor  # [batch, kv_head, k_pos, d_head] keys after RoPE (kv_head < head: grouped-query)
    v: torch.Tensor  # [batch, kv_head, k_pos, d_head] values
    mask: torch.Tensor | None  # [batch or 1, 1, q_pos, k_pos]: bool (True = may attend) or float (added)
    causal: bool  # mask is None and SDPA applied its own causal mask (upper-left aligned)
    scale: float  # the factor scores are multiplied by (the model's `scaling`, else 1/sqrt(d_head))
    position_bias: torch.Tensor | None = (
        None  # [batch, head, q_pos, k_pos] added to scores (T5-style), if any
    )


@dataclass
class Recorder:
    """Collects one LayerCapture per attention call, keyed by the module's layer index."""

    layers: dict[int, LayerCapture] = field(default_factory=dict)

    def record(self, module: torch.nn.Module, capture: LayerCapture) -> None:
        index = getattr(module, "layer_idx", None)
        self.layers[index if isinstance(index, int) else len(self.layers)] = capture

    def ordered(self) -> list[LayerCapture]:
        return [self.layers[i] for i in sorted(self.layers)]


_active: Recorder | None = None  # the recorder the capture function writes to (None: plain SDPA)


def capture_attention(
    module: torch.nn.Module,
    query: torch.Tensor,  # [batch, head, q_pos, d_head]
    key: torch.Tensor,  # [batch, kv_head, k_pos, d_head]
    value: torch.Tensor,  # [batch, kv_head, k_pos, d_head]
    attention_mask: torch.Tensor | None,
    dropout: float = 0.0,
    scaling: float | None = None,
    is_causal: bool | None = None,
    **kwargs,
) -> tuple[torch.Tensor, None]:
    """transformers' SDPA attention, plus references to its inputs while a Recorder is active."""
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    if _active is not None:
        wants_causal = is_causal if is_causal is not None else getattr(module, "is_causal", True)
        _active.record(
            module,
            LayerCapture(
                q=query,
                k=key,
                v=value,
                mask=attention_mask,
                # the same rule sdpa_attention_forward applies before calling the kernel
                causal=bool(query.shape[2] > 1 and attention_mask is None and wants_causal),
                scale=float(scaling) if scaling is not None else query.shape[-1] ** -0.5,
                position_bias=kwargs.get("position_bias"),
            ),
        )
    return sdpa_attention_forward(
        module,
        query,
        key,
        value,
        attention_mask,
        dropout=dropout,
        scaling=scaling,
        is_causal=is_causal,
        **kwargs,
    )


def install() -> None:
    """Register the capture function and its mask builder with transformers (idempotent)."""
    from transformers import AttentionInterface, AttentionMaskInterface
    from transformers.masking_utils import sdpa_mask

    AttentionInterface.register(CAPTURE, capture_attention)
    AttentionMaskInterface.register(CAPTURE, sdpa_mask)


@contextlib.contextmanager
def recording() -> Iterator[Recorder]:
    """Within the block, every capture-attention call records into the yielded Recorder."""
    global _active
    previous, _active = _active, Recorder()
    try:
        yield _active
    finally:
        _active = previous
