"""The capture attention function: SDPA's output, with the post-RoPE queries and the keys kept per layer.

Registered in transformers' `AttentionInterface` under the name `CAPTURE`, with the matching
`AttentionMaskInterface` entry (SDPA's mask builder): without that entry transformers finds no mask
function for the name and silently passes `attention_mask=None`, dropping padding and causal masks.

Without a `Recorder` the function hands its arguments, unchanged, to transformers' own
`sdpa_attention_forward`. While a `Recorder` is active it also keeps references (no copies, no casts)
to the query, key and value tensors, the mask and the scale of every layer; `ModelTrace.pattern`
recomputes a head's weights from them in fp32 on demand. Keeping the references costs a little memory
(q, k, v: O(N) per layer) and no compute; the N x N weights of every layer and head, which eager
`output_attentions=True` materialises, are never built.

The row log-sum-exp, for free. While recording on a CPU, when SDPA would run its CPU flash kernel on
exactly these inputs (`torch._fused_sdp_choice` says so), the function calls that kernel itself,
`torch.ops.aten._scaled_dot_product_flash_attention_for_cpu`, with the inputs SDPA would give it (keys
repeated or GQA enabled as transformers decides, a boolean mask turned into 0 / -inf as SDPA does):
the same kernel on the same tensors, so the output is bit-identical to plain SDPA's on any CPU (the
model tests check it with `torch.equal`), and the kernel also returns each row's log-sum-exp of the
scaled, masked scores, kept as `LayerCapture.lse`. With it any weight costs one dot product:
`w[q, k] = exp(q . k * scale - lse[q])` (`analysis.census`, `analysis.rollout`). Anywhere else (GPUs,
position biases, dropout, a single query) the call goes to `sdpa_attention_forward` and `lse` is None;
`ModelTrace.lse` then computes it by streaming over score tiles.

A soft cap on the scores (Gemma 2's `attn_logit_softcapping`: s -> softcap * tanh(s / softcap)) is
something SDPA cannot do, so for such a layer this function computes the attention itself, with the
eager math of transformers (`_softcapped_attention`: a block of query rows at a time, so the N x N
scores never exist whole), and records the soft cap with the tensors; the trace's `LayerMask`
applies it in every tile. The output equals eager attention's up to float rounding, not bit for bit.

Encoder-decoder models (BART, T5, Marian) call attention three ways per decoder layer. Given the
model as `root`, the recorder files each call under its part: "encoder" (the encoder's self-attention),
"decoder" (the decoder's causal self-attention), "cross" (decoder queries, encoder keys); every other
model's calls go under "self".

Recorded too, for value-weighted attention: the attention module and its output projection's weight
W_O (`o_proj` in Llama, `attention.output.dense` in BERT; see `find_output_projection`).

Threads. The active Recorder is held in a `contextvars.ContextVar`, not a module global: each thread
(and each asyncio task) has its own context, so captures running at the same time on the same model
each record only their own layers, and a generation in one thread records nothing into another's
capture. The forward pass itself is re-entrant under `torch.no_grad()` (grad mode is thread-local; an
eval-mode transformers model keeps no state between calls with `use_cache=False`), so nothing is
serialized here (dynamic RoPE, which rewrites `inv_freq` per input length, is the exception:
`models.api` runs those passes one at a time). Another thread may follow a running pass with
`watching()` (a server's progress).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import torch

CAPTURE = "attnlab_capture"  # the name the capture function is registered under
SELF = "self"  # the part a one-stack model's attention is recorded under (see Recorder)
PARTS = ("encoder", "decoder", "cross")  # an encoder-decoder model's parts, in the order they run
_FLASH = 1  # torch.nn.attention.SDPBackend.FLASH_ATTENTION, as `torch._fused_sdp_choice` reports it


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
    lse: torch.Tensor | None = None  # [batch, head, q_pos] fp32 row log-sum-exp from the kernel, if it gave one
    module: Any = None  # the attention module that called (its class names it in error messages)
    out_proj: torch.Tensor | None = None  # [d_model, head * d_head] W_O; W_O^h = columns h*d_head..(h+1)*d_head
    softcap: float | None = None  # scores -> softcap * tanh(scores / softcap) before the mask (Gemma 2), if any


@dataclass
class Recorder:
    """Collects one LayerCapture per attention call, keyed by its part and the module's layer index."""

    parts: dict[str, dict[int, LayerCapture]] = field(default_factory=dict)  # part -> layer index -> capture
    root: torch.nn.Module | None = None  # the model being run: where an attention module's parent is found
    _parents: dict[int, torch.nn.Module] | None = None  # id(child) -> parent module, built on first need
    _encoder: set[int] | None = None  # ids of the encoder's modules (encoder-decoder roots), built on first need

    @property
    def layers(self) -> dict[int, LayerCapture]:
        """The captures of a decoder-only or encoder-only model (part "self")."""
        return self.parts.setdefault(SELF, {})

    def record(self, module: torch.nn.Module, capture: LayerCapture) -> None:
        index = getattr(module, "layer_idx", None)
        layers = self.parts.setdefault(self.part_of(module), {})
        layers[index if isinstance(index, int) else len(layers)] = capture

    def part_of(self, module: torch.nn.Module) -> str:
        """"self" for one-stack models; "encoder", "decoder" or "cross" inside an encoder-decoder root."""
        if self.root is None or not getattr(self.root.config, "is_encoder_decoder", False):
            return SELF
        if self._encoder is None:
            self._encoder = {id(m) for m in self.root.get_encoder().modules()}
        if id(module) in self._encoder:
            return "encoder"
        return "decoder" if getattr(module, "is_causal", True) else "cross"

    def parent(self, module: torch.nn.Module) -> torch.nn.Module | None:
        """The module that holds `module` within `root` (None without a root)."""
        if self.root is None:
            return None
        if self._parents is None:
            self._parents = {id(c): p for p in self.root.modules() for c in p.children()}
        return self._parents.get(id(module))

    @property
    def count(self) -> int:
        """Attention calls recorded so far, all parts together."""
        return sum(len(layers) for layers in list(self.parts.values()))

    def ordered(self, part: str = "self") -> list[LayerCapture]:
        layers = self.parts.get(part, {})
        return [layers[i] for i in sorted(layers)]


@dataclass
class PassWatch:
    """The capture now running inside one `watching()` block, for another thread to follow.

    Mutable on purpose: `recording()` sets `recorder` when a pass starts and clears it when it ends.
    """

    recorder: Recorder | None = None  # the recorder of the pass now running (None between passes)

    @property
    def layers_done(self) -> int:
        """Attention layers recorded so far by the pass now running (0 between passes)."""
        rec = self.recorder  # read once: the recording thread may clear it meanwhile
        return rec.count if rec is not None else 0


# The recorder the capture function writes to in this thread / task (None: plain SDPA), and the watch
# that `recording()` reports its recorder to. Context-local: see the module docstring.
_recorder: ContextVar[Recorder | None] = ContextVar("attnlab_recorder", default=None)
_watch: ContextVar[PassWatch | None] = ContextVar("attnlab_pass_watch", default=None)


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
    """transformers' SDPA attention (or, with a soft cap, its eager math), plus references to its inputs
    while a Recorder is active."""
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    softcap = kwargs.get("softcap")
    wants_causal = is_causal if is_causal is not None else getattr(module, "is_causal", True)
    # the same rule sdpa_attention_forward applies before calling the kernel
    causal = bool(query.shape[2] > 1 and attention_mask is None and wants_causal)
    rec = _recorder.get()
    direct = None
    if rec is not None:
        direct = _flash_with_lse(module, query, key, value, attention_mask, dropout, scaling, is_causal, kwargs)
        rec.record(
            module,
            LayerCapture(
                q=query,
                k=key,
                v=value,
                mask=attention_mask,
                causal=causal,
                scale=float(scaling) if scaling is not None else query.shape[-1] ** -0.5,
                position_bias=kwargs.get("position_bias"),
                lse=None if direct is None else direct[1],
                module=module,
                out_proj=find_output_projection(module, rec.parent(module), query.shape[1] * value.shape[-1]),
                softcap=None if softcap is None else float(softcap),
            ),
        )
    if direct is not None:
        return direct[0], None
    if softcap is not None:
        return _softcapped_attention(module, query, key, value, attention_mask, dropout, scaling, causal,
                                     float(softcap)), None
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


SOFTCAP_ROWS = 512  # query rows per block of the soft-capped attention: [batch, head, 512, k_pos] at a time


def _softcapped_attention(
    module: torch.nn.Module,
    query: torch.Tensor,  # [batch, head, q_pos, d_head]
    key: torch.Tensor,  # [batch, kv_head, k_pos, d_head]
    value: torch.Tensor,  # [batch, kv_head, k_pos, d_head]
    mask: torch.Tensor | None,  # [batch or 1, 1 or head, q_pos, k_pos]: bool (True = may attend) or float (added)
    dropout: float,
    scaling: float | None,
    causal: bool,
    softcap: float,
) -> torch.Tensor:
    """[batch, q_pos, head, d_head]: transformers' eager attention with a soft cap (Gemma 2's
    `eager_attention_forward`), written for the mask SDPA's builder makes, a block of query rows at a
    time. Hidden cells get the dtype's minimum, as eager's additive mask gives them."""
    from transformers.integrations.sdpa_attention import repeat_kv

    groups = query.shape[1] // key.shape[1]
    key, value = repeat_kv(key, groups), repeat_kv(value, groups)  # [batch, head, k_pos, d_head]
    scale = scaling if scaling is not None else query.shape[-1] ** -0.5
    low = torch.finfo(query.dtype).min
    q_len, k_len = query.shape[2], key.shape[2]
    out = query.new_empty(query.shape[0], query.shape[1], q_len, value.shape[-1])
    for lo in range(0, q_len, SOFTCAP_ROWS):
        hi = min(lo + SOFTCAP_ROWS, q_len)
        s = torch.matmul(query[:, :, lo:hi], key.transpose(2, 3)) * scale  # [batch, head, rows, k_pos]
        s = torch.tanh(s / softcap) * softcap
        if mask is not None:
            m = mask[:, :, lo:hi, :k_len]
            s = s.masked_fill(~m, low) if m.dtype == torch.bool else s + m
        elif causal:
            visible = torch.ones(hi - lo, k_len, dtype=torch.bool, device=s.device).tril(lo)
            s = s.masked_fill(~visible, low)
        w = torch.softmax(s, dim=-1, dtype=torch.float32).to(query.dtype)
        w = torch.nn.functional.dropout(w, p=dropout, training=module.training)
        out[:, :, lo:hi] = torch.matmul(w, value)
    return out.transpose(1, 2).contiguous()


def _flash_with_lse(
    module: torch.nn.Module,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    mask: torch.Tensor | None,
    dropout: float,
    scaling: float | None,
    is_causal: bool | None,
    kwargs: dict[str, Any],
) -> tuple[torch.Tensor, torch.Tensor] | None:
    """(output [batch, q_pos, head, d_head], lse [batch, head, q_pos]) from SDPA's CPU flash kernel, called
    with exactly what `sdpa_attention_forward` would pass SDPA; None when that call would not reach this
    kernel (then the caller runs `sdpa_attention_forward` itself)."""
    from transformers.integrations.sdpa_attention import repeat_kv, use_gqa_in_sdpa

    q_len = query.shape[2]
    if (query.device.type != "cpu" or dropout or q_len < 2 or torch.is_grad_enabled()
            or any(kwargs.get(k) is not None for k in ("position_bias", "softcap"))):
        return None
    groups, gqa = getattr(module, "num_key_value_groups", 1), False
    if groups > 1:  # sdpa_attention_forward's rule (a single query, packed, was excluded above)
        if use_gqa_in_sdpa(mask, key, value):
            gqa = True
        else:
            key, value = repeat_kv(key, groups), repeat_kv(value, groups)
    causal = is_causal if is_causal is not None else getattr(module, "is_causal", True)
    causal = mask is None and bool(causal)  # q_len > 1 here: sdpa_attention_forward's rule
    if causal and key.shape[2] > q_len:  # a prefill after a cache: transformers crops the keys; leave it to it
        return None
    if mask is not None and mask.dtype != torch.bool and mask.dtype != query.dtype:
        return None
    try:
        choice = torch._fused_sdp_choice(query, key, value, mask, dropout, causal, scale=scaling, enable_gqa=gqa)
    except (RuntimeError, TypeError):  # a torch without this private helper: take the ordinary path
        return None
    if choice != _FLASH or (mask is not None and mask.dim() != 4):
        return None
    if mask is not None and mask.dtype == torch.bool:  # what SDPA does to a boolean mask before its kernels
        mask = torch.zeros(mask.shape, dtype=query.dtype, device=mask.device).masked_fill_(~mask, float("-inf"))
    out, lse = torch.ops.aten._scaled_dot_product_flash_attention_for_cpu(
        query, key, value, dropout, causal, attn_mask=mask, scale=scaling
    )
    return out.transpose(1, 2).contiguous(), lse


# Where models keep the output projection W_O that maps the concatenated heads back to d_model.
OUT_PROJ_NAMES = ("o_proj", "out_proj", "dense", "c_proj", "wo")  # on the attention module (Llama: o_proj)
PARENT_OUT_PROJ_NAMES = ("output.dense", "o_proj", "out_proj")  # on its parent (BERT: attention.output.dense)


def find_output_projection(
    module: torch.nn.Module, parent: torch.nn.Module | None, in_features: int
) -> torch.Tensor | None:
    """W_O as [d_model, in_features] (a view of the weight), or None when no candidate fits.

    A candidate is an `nn.Linear` with `in_features` inputs (head x d_head) or transformers' GPT-2
    style `Conv1D` (weight stored [in, out], returned transposed), found under one of OUT_PROJ_NAMES on
    the attention module, then PARENT_OUT_PROJ_NAMES on the module that holds it.
    """
    found = find_output_module(module, parent, in_features)
    if found is None:
        return None
    return found.weight if isinstance(found, torch.nn.Linear) else found.weight.t()


def find_output_module(
    module: torch.nn.Module, parent: torch.nn.Module | None, in_features: int
) -> torch.nn.Module | None:
    """The module applying W_O (see `find_output_projection`): its input is the heads' outputs side by
    side, [..., head * d_head], which is where `models.intervene` edits one head."""
    for owner, names in ((module, OUT_PROJ_NAMES), (parent, PARENT_OUT_PROJ_NAMES)):
        for name in names if owner is not None else ():
            candidate = owner
            for part in name.split("."):
                candidate = getattr(candidate, part, None)
            weight = getattr(candidate, "weight", None)
            if not isinstance(weight, torch.Tensor) or weight.dim() != 2:
                continue
            if isinstance(candidate, torch.nn.Linear) and weight.shape[1] == in_features:
                return candidate
            if type(candidate).__name__ == "Conv1D" and weight.shape[0] == in_features:
                return candidate
    return None


def install() -> None:
    """Register the capture function and its mask builder with transformers (idempotent)."""
    from transformers import AttentionInterface, AttentionMaskInterface
    from transformers.masking_utils import sdpa_mask

    AttentionInterface.register(CAPTURE, capture_attention)
    AttentionMaskInterface.register(CAPTURE, sdpa_mask)


@contextlib.contextmanager
def recording(root: torch.nn.Module | None = None, recorder: Recorder | None = None) -> Iterator[Recorder]:
    """Within the block, every capture-attention call made in this thread records into the yielded Recorder.

    root: the model being run; lets the recorder find output projections kept outside the attention
    module (BERT's `attention.output.dense`). recorder: a Recorder (subclass) to record into instead of
    a new one (`models.steps` keeps each decoding step's row). Other threads' calls are not recorded
    (context-local); whatever happens inside the block, the previous recorder is back after it.
    """
    rec = Recorder(root=root) if recorder is None else recorder
    token = _recorder.set(rec)
    watch = _watch.get()
    before = watch.recorder if watch is not None else None
    if watch is not None:
        watch.recorder = rec
    try:
        yield rec
    finally:
        _recorder.reset(token)
        if watch is not None:
            watch.recorder = before


@contextlib.contextmanager
def watching() -> Iterator[PassWatch]:
    """Within the block, the yielded PassWatch follows each capture this thread runs (`recording()`),
    so another thread can read its progress (`layers_done`) while the forward pass goes on. Inside
    another `watching()` block of the same context, the outer PassWatch is yielded (shared), so a
    server's poller and a progress line both follow the same pass."""
    outer = _watch.get()
    if outer is not None:
        yield outer
        return
    watch = PassWatch()
    token = _watch.set(watch)
    try:
        yield watch
    finally:
        _watch.reset(token)
