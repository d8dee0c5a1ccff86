"""Traces of real models: the capture's tensors read as a `QKTrace`, and the eager fallback.

`ModelTrace` keeps, per layer, references to the post-RoPE queries and the keys/values the model
passed to SDPA (`LayerCapture`), never N x N maps; all attention access comes from
`trace.qk.QKTrace` (one tile routine). What is left here is capture access: which item of a padded
batch this text is and where its real tokens sit (contiguous under left or right padding), and how
the model's mask arguments become one `LayerMask` per layer:

    mask None, SDPA causal       LayerMask(causal=True)
    boolean mask [b, 1, q, k]    allowed = the text's block (padding, sliding window...)
    float mask [b, 1, q, k]      additive = the text's block (0 / very negative, or a real bias)
    position_bias [b, h, q, k]   bias = the text's block (T5-style)
    float mask [b, h, q, k]      a per-head bias with the hidden cells in it (Falcon's ALiBi): bias =
                                 the text's block as it is, allowed = the cells it does not hide

A per-head mask must hide the same cells in every head (ALiBi's does); one that does not is refused
(`MaskError`) and the caller falls back to eager attention.

`EagerTrace` is the fallback for models whose attention does not go through transformers'
attention interface: it keeps eager `output_attentions` and gets the dense defaults.
"""

from __future__ import annotations

from typing import Any

import torch

from ..errors import NotKeptError
from ..trace import AttentionTrace, LayerMask, LayerQKV, QKTrace, Token
from ..trace.extras import Rotary, Streams
from ..trace.mask import NEG_LARGE
from .capture import OUT_PROJ_NAMES, PARENT_OUT_PROJ_NAMES, LayerCapture
from .extras import STREAM_LAYOUTS, Collector


class _ModelFields:
    """Fields shared by the capture trace and the eager fallback."""

    def _set_fields(
        self,
        *,
        tokens: tuple[Token, ...],
        model: str,
        kind: str,
        n_layers: int,
        n_heads: int,
        n_kv_heads: int,
        span: tuple[int, int],
        batch_index: int,
        prompt_len: int | None,
        truncated: int,
    ) -> None:
        self.tokens = tokens  # one Token per real (unpadded) position
        self.model = model  # registry name or path / hub id
        self.kind = kind  # "encoder" | "decoder"
        self.n_layers, self.n_heads, self.n_kv_heads = n_layers, n_heads, n_kv_heads
        self.causal = kind == "decoder"
        self.temperature = 1.0
        self.span = slice(*span)  # where this text's tokens sit in the padded batch (start, stop)
        self.batch_index = batch_index  # which item of the batch this trace reads
        self.prompt_len = prompt_len  # decoders with --generate: tokens [prompt_len:] were generated
        self.truncated = truncated  # tokens cut from the end of the input (0: none)


class MaskError(ValueError):
    """A captured mask attnlab cannot split into one LayerMask (per-head masks hiding different cells)."""


def layer_qkv(cap: LayerCapture, b: int, span: slice, visible: dict[int, torch.Tensor] | None = None,
              rotary: Rotary | None = None, streams: Streams | None = None) -> LayerQKV:
    """One layer of one text of the batch: views of the captured tensors and its LayerMask (and the
    rotary embedding and residual stream the extras hooks kept, `models.extras`).

    visible: a cache, id(mask) -> [q_pos, k_pos] bool, shared by the layers of one trace, so that a
    per-head mask every layer shares is read once.
    """
    allowed = additive = bias = None
    if cap.mask is not None and cap.mask.shape[1] > 1:  # per head: a bias with its hidden cells (ALiBi)
        bias = cap.mask[min(b, cap.mask.shape[0] - 1)][:, span, span]  # [head, q_pos, k_pos]
        allowed = _shared_visible(bias, visible if visible is not None else {})
    elif cap.mask is not None:
        m = cap.mask[min(b, cap.mask.shape[0] - 1), 0][span, span]  # [q_pos, k_pos]
        if m.dtype == torch.bool:
            allowed = m
        else:
            additive = m
    if cap.position_bias is not None:
        if bias is not None:
            raise MaskError("a per-head mask and a position bias in one layer")
        bias = cap.position_bias[min(b, cap.position_bias.shape[0] - 1)][:, span, span]  # [head, q_pos, k_pos]
    return LayerQKV(
        q=cap.q[b, :, span],
        k=cap.k[b, :, span],
        v=cap.v[b, :, span],
        scale=cap.scale,
        mask=LayerMask(causal=cap.causal, allowed=allowed, additive=additive, bias=bias, softcap=cap.softcap),
        lse=None if cap.lse is None else cap.lse[b, :, span].float(),
        out_proj=cap.out_proj,
        rotary=rotary,
        streams=streams,
    )


def _shared_visible(bias: torch.Tensor, cache: dict[int, torch.Tensor]) -> torch.Tensor:
    """[q_pos, k_pos] bool: the cells a per-head mask [head, q_pos, k_pos] leaves visible, the same in
    every head (MaskError otherwise). A boolean per-head mask is not a bias: refused too."""
    key = id(bias.untyped_storage()) + bias.storage_offset()
    if key not in cache:
        if bias.dtype == torch.bool:
            raise MaskError("a boolean mask per head")
        visible = bias > NEG_LARGE  # [head, q_pos, k_pos]
        if not bool((visible == visible[:1]).all()):
            raise MaskError("a per-head mask that hides different cells in different heads")
        cache[key] = visible[0]
    return cache[key]


class ModelTrace(_ModelFields, QKTrace):
    """A real model's attention on one text, from captured q/k (see the module docstring)."""

    def __init__(self, *, layers: list[LayerCapture], extras: Collector | None = None, **fields: Any) -> None:
        self._set_fields(**fields)
        self.layers = layers  # one LayerCapture per layer (tensors shared with the whole batch)
        visible: dict[int, torch.Tensor] = {}
        b, span = self.batch_index, self.span
        rotary = None if extras is None else extras.rotary_for(b, span, layers[0].q.shape[-1])
        streams = None if extras is None else extras.streams_for(len(layers), b, span)
        self.streams_asked = extras is not None and extras.streams  # the residual stream was asked for
        self.layers_qkv = [layer_qkv(cap, b, span, visible, rotary, None if streams is None else streams[i])
                           for i, cap in enumerate(layers)]

    def streams(self, layer: int) -> Streams:
        self.check_layer_head(layer, None)
        kept = self.layers_qkv[layer].streams
        if kept is None and self.streams_asked:
            raise NotKeptError(f"{self.model}: its layers are laid out in a way attnlab cannot read the residual "
                               f"stream of; it reads {' and '.join(STREAM_LAYOUTS)}")
        return super().streams(layer)

    def _no_output_projection(self, layer: int) -> str:
        cap = self.layers[layer]
        owner = type(cap.module).__name__ if cap.module is not None else "attention module"
        return (f"{self.model}: layer {layer}'s {owner} has no output projection attnlab understands "
                f"(looked for a Linear with {self.n_heads * cap.v.shape[-1]} inputs named "
                f"{', '.join(OUT_PROJ_NAMES)} on it, or {', '.join(PARENT_OUT_PROJ_NAMES)} on its parent)")


class EagerTrace(_ModelFields, AttentionTrace):
    """Fallback: a model's eager `output_attentions` weights, kept as the model returned them."""

    def __init__(self, *, attentions: tuple[torch.Tensor, ...], **fields: Any) -> None:
        self._set_fields(**fields)
        self.attentions = attentions  # per layer [batch, head, q_pos, k_pos]

    def _weights(self, layer: int, heads: list[int]) -> torch.Tensor:
        w = self.attentions[layer][self.batch_index][torch.tensor(heads)]  # [h, q_pos, k_pos]
        return w[:, self.span, self.span].float()

    def _held(self) -> list[torch.Tensor | None]:
        return list(self.attentions)
