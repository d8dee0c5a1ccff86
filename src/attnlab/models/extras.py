"""What the capture function does not see: the rotary embedding's cos / sin and the residual stream.

The attention function (`models.capture`) receives q and k already rotated and never sees the
residual stream. Two analyses need more (`trace.extras`): the why view un-rotates q and k with the
model's own cos / sin (exact), and the information-flow graph weighs each block's parts against the
residual sums. Both are read here with forward hooks, as references to the model's own tensors (no
copies, no extra compute):

    rotary module (LlamaRotaryEmbedding...)   its output (cos, sin) [batch, pos, d_head] and inv_freq
    pre-norm layer (Llama: input_layernorm, self_attn, post_attention_layernorm, mlp)
        layer input -> resid_in;  self_attn output -> attn_out;  mlp output -> ffn_out
    post-norm layer (BERT: attention.output.{dense, LayerNorm}, intermediate, output.{dense, LayerNorm})
        layer input -> resid_in;  attention.output.dense -> attn_out;
        attention.output -> post_norm;  output.dense -> ffn_out

Hooks are installed once per model (`install`, before its first pass) and do nothing unless a
`Collector` is active in the calling thread's context (`collecting()`, a ContextVar like the capture's
recorder), so passes in other threads record nothing here and installing never races a pass.
The residual stream is kept only when asked (`streams=True`: O(layers x N x d_model)); the rotary
embedding always (O(N x d_head)).

Architectures other than these two layouts (Gemma 2's norms after each block, parallel attention and
MLP as in GPT-J or Phi) keep no stream: their block outputs are not what the residual adds, so the
flow graph would weigh the wrong sums; `streams()` then names the layouts it understands.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import torch

from ..trace.extras import Rotary, Streams

PRE_NORM = ("input_layernorm", "self_attn", "post_attention_layernorm", "mlp")  # Llama, Mistral, Qwen2
NOT_PRE_NORM = ("pre_feedforward_layernorm", "post_feedforward_layernorm")  # Gemma 2/3: norms after blocks
STREAM_LAYOUTS = ("pre-norm decoders laid out like Llama (input_layernorm, self_attn, post_attention_layernorm, "
                  "mlp)", "post-norm encoders laid out like BERT (attention.output, intermediate, output)")

_HOOKED = "_attnlab_extras"  # attribute set on a model whose hooks are installed: its layout
_install_lock = threading.Lock()


@dataclass
class Collector:
    """What the hooks saw during the passes run inside one `collecting()` block."""

    streams: bool  # keep the residual stream (else only the rotary embedding)
    rotary: list[tuple[torch.Tensor, torch.Tensor]] = field(default_factory=list)  # (cos, sin) per call
    inv_freq: torch.Tensor | None = None  # [d_head / 2] of the rotary module
    rotary_modules: set[int] = field(default_factory=set)  # ids of the rotary modules that ran
    parts: dict[str, dict[int, torch.Tensor]] = field(default_factory=dict)  # part -> layer -> [b, pos, d]

    def keep(self, part: str, layer: int, tensor: Any) -> None:
        if self.streams and isinstance(tensor, torch.Tensor):
            self.parts.setdefault(part, {})[layer] = tensor

    def rotary_for(self, b: int, span: slice, d_head: int) -> Rotary | None:
        """The rotary embedding of item b's positions `span`, or None when the model has none, several
        (which layer used which is unknown here), another layout than rotate-half, or another width."""
        if not self.rotary or len(self.rotary_modules) != 1 or self.inv_freq is None:
            return None
        cos = torch.cat([c[min(b, c.shape[0] - 1)] for c, _ in self.rotary], dim=0)[span].float()  # [pos, d]
        sin = torch.cat([s[min(b, s.shape[0] - 1)] for _, s in self.rotary], dim=0)[span].float()
        half = d_head // 2
        if cos.shape[-1] != d_head or not torch.equal(cos[:, :half], cos[:, half:]):
            return None
        return Rotary(cos=cos, sin=sin, inv_freq=self.inv_freq.float())

    def streams_for(self, n_layers: int, b: int, span: slice) -> list[Streams] | None:
        """One Streams per layer for item b's positions `span`; None unless every layer's were kept."""
        names = ("resid_in", "attn_out", "ffn_out")
        if not all(len(self.parts.get(name, {})) == n_layers for name in names):
            return None
        if any(t.shape[1] < span.stop for part in self.parts.values() for t in part.values()):
            return None  # the last of several passes (decoding steps): not the whole text
        post = self.parts.get("post_norm", {})

        def part(name: str, layer: int) -> torch.Tensor:
            return self.parts[name][layer][b, span]

        return [Streams(resid_in=part("resid_in", i), attn_out=part("attn_out", i), ffn_out=part("ffn_out", i),
                        post_norm=post[i][b, span] if i in post else None) for i in range(n_layers)]


_collector: ContextVar[Collector | None] = ContextVar("attnlab_extras", default=None)


@contextlib.contextmanager
def collecting(*, streams: bool = False) -> Iterator[Collector]:
    """Within the block, the installed hooks record into the yielded Collector (this context only)."""
    col = Collector(streams=streams)
    token = _collector.set(col)
    try:
        yield col
    finally:
        _collector.reset(token)


def stream_layout(model: torch.nn.Module) -> str | None:
    """"pre-norm", "post-norm" or None: which residual layout the model's layers have (see the docstring)."""
    return getattr(model, _HOOKED, None) or _layout(model)[0]


def install(model: torch.nn.Module) -> None:
    """Install the hooks once on `model` (idempotent). Every pass attnlab runs calls it first
    (`api.trace_ids`, `steps.decode`, `generate.greedy_continue`), so no pass is running on the model
    while they are added: the first caller installs under the lock, later ones return at once."""
    if getattr(model, _HOOKED, None) is not None:
        return
    with _install_lock:
        if getattr(model, _HOOKED, None) is not None:
            return
        layout, layers = _layout(model)
        for module in model.modules():
            if type(module).__name__.endswith("RotaryEmbedding") and isinstance(getattr(module, "inv_freq", None),
                                                                               torch.Tensor):
                module.register_forward_hook(_on_rotary)
        for index, layer in enumerate(layers):
            _hook_layer(layer, index, layout)
        object.__setattr__(model, _HOOKED, layout or "none")


def _layout(model: torch.nn.Module) -> tuple[str | None, list[torch.nn.Module]]:
    pre = [m for m in model.modules() if all(hasattr(m, n) for n in PRE_NORM)
           and not any(hasattr(m, n) for n in NOT_PRE_NORM)]
    if pre:
        return "pre-norm", pre
    post = [m for m in model.modules() if _has(m, "attention.output.dense") and _has(m, "attention.output.LayerNorm")
            and _has(m, "intermediate") and _has(m, "output.dense") and _has(m, "output.LayerNorm")]
    return ("post-norm", post) if post else (None, [])


def _has(module: torch.nn.Module, path: str) -> bool:
    for part in path.split("."):
        module = getattr(module, part, None)  # type: ignore[assignment]
        if not isinstance(module, torch.nn.Module):
            return False
    return True


def _hook_layer(layer: torch.nn.Module, index: int, layout: str | None) -> None:
    def keeper(part: str):
        def hook(module: torch.nn.Module, args: Any, output: Any) -> None:
            col = _collector.get()
            if col is not None:
                col.keep(part, index, output[0] if isinstance(output, tuple) else output)
        return hook

    def on_input(module: torch.nn.Module, args: tuple, kwargs: dict) -> None:
        col = _collector.get()
        if col is not None:
            col.keep("resid_in", index, kwargs.get("hidden_states", args[0] if args else None))

    layer.register_forward_pre_hook(on_input, with_kwargs=True)
    if layout == "pre-norm":
        layer.self_attn.register_forward_hook(keeper("attn_out"))
        layer.mlp.register_forward_hook(keeper("ffn_out"))
    else:
        layer.attention.output.dense.register_forward_hook(keeper("attn_out"))
        layer.attention.output.register_forward_hook(keeper("post_norm"))
        layer.output.dense.register_forward_hook(keeper("ffn_out"))


def _on_rotary(module: torch.nn.Module, args: Any, output: Any) -> None:
    col = _collector.get()
    if col is None or not (isinstance(output, tuple) and len(output) == 2):
        return
    col.rotary_modules.add(id(module))
    col.rotary.append((output[0], output[1]))
    col.inv_freq = module.inv_freq
