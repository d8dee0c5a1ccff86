"""The brute force that head effects are checked against: Hugging Face eager, one head per forward.

Independent of attnlab's intervention code: the model is switched to transformers' eager attention,
the output projection is named by hand for each bundled architecture (not found by attnlab's search),
and a plain forward pre-hook edits the head's slice of its input; the full model's own forward gives
the logits (lm_head included), and gradients come from `retain_grad` and `.backward()`, not from
`torch.autograd.grad` over kept tensors. No batching, no layer sharing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import torch

from attnlab.models.capture import CAPTURE


@contextlib.contextmanager
def eager(lm) -> Iterator[None]:
    lm.model.set_attn_implementation("eager")
    try:
        yield
    finally:
        lm.model.set_attn_implementation(CAPTURE)


def out_proj(lm, layer: int) -> torch.nn.Module:
    """The W_O module of `layer`, by the architecture's own attribute names."""
    if lm.kind == "decoder":
        return lm.model.model.layers[layer].self_attn.o_proj  # Llama
    return lm.model.encoder.layer[layer].attention.output.dense  # BERT


def shape(lm) -> tuple[int, int, int]:
    """(layers, heads, d_head) from the config."""
    c = lm.model.config
    return c.num_hidden_layers, c.num_attention_heads, c.hidden_size // c.num_attention_heads


@contextlib.contextmanager
def hooked(lm, layer: int, fn: Callable[[torch.Tensor], torch.Tensor]) -> Iterator[None]:
    """fn(x [1, pos, head * d_head]) -> the input W_O of `layer` gets instead."""
    handle = out_proj(lm, layer).register_forward_pre_hook(lambda m, args: (fn(args[0]),))
    try:
        yield
    finally:
        handle.remove()


def set_head(head: int, d: int, value: torch.Tensor | None, at: torch.Tensor | None = None):
    """An edit for `hooked`: head `head`'s slice set to value ([pos, d] or [d]; None: 0) at `at` (None: all)."""
    def fn(x):
        x = x.clone()
        rows = slice(None) if at is None else at
        x[0, rows, head * d : (head + 1) * d] = 0.0 if value is None else (value[rows] if value.dim() == 2 else value)
        return x
    return fn


def forward(lm, ids: list[int]) -> torch.Tensor:
    """Decoders: logits [pos, vocab] of the full model; encoders: last hidden state [pos, d_model]."""
    with torch.no_grad(), eager(lm):
        out = lm.model(input_ids=torch.tensor([ids]), use_cache=False) if lm.kind == "decoder" else \
            lm.model(input_ids=torch.tensor([ids]))
    return out.logits[0] if lm.kind == "decoder" else out.last_hidden_state[0]


def log_p(logits: torch.Tensor, positions, tokens) -> float:
    """Mean log p of tokens[i] at positions[i] (read from the logits at p - 1)."""
    lp = torch.log_softmax(logits.double(), -1)
    return float(sum(lp[p - 1, tok] for p, tok in zip(positions, tokens, strict=True)) / len(positions))


def text_loss(logits: torch.Tensor, ids: list[int]) -> float:
    return float(torch.nn.functional.cross_entropy(logits[:-1].double(), torch.tensor(ids[1:])))


def one_minus_cos(hidden: torch.Tensor, reference: torch.Tensor) -> float:
    return float(1 - torch.nn.functional.cosine_similarity(hidden.double().mean(0), reference.double().mean(0),
                                                           dim=0))


def head_inputs(lm, ids: list[int]) -> list[torch.Tensor]:
    """Every layer's W_O input [pos, head * d_head] on a plain eager run."""
    kept: list[torch.Tensor] = []
    handles = [out_proj(lm, i).register_forward_pre_hook(lambda m, args: kept.append(args[0][0].detach()))
               for i in range(shape(lm)[0])]
    try:
        forward(lm, ids)
    finally:
        for h in handles:
            h.remove()
    return kept


def gradients(lm, ids: list[int], metric: Callable[[torch.Tensor], torch.Tensor]) -> list[torch.Tensor]:
    """d metric / d (every layer's W_O input) [pos, head * d_head], by retain_grad and backward."""
    kept: list[torch.Tensor] = []

    def keep(m, args):
        args[0].retain_grad()
        kept.append(args[0])

    handles = [out_proj(lm, i).register_forward_pre_hook(keep) for i in range(shape(lm)[0])]
    try:
        with eager(lm):
            out = lm.model(input_ids=torch.tensor([ids]), **({"use_cache": False} if lm.kind == "decoder" else {}))
            value = metric(out.logits[0] if lm.kind == "decoder" else out.last_hidden_state[0])
            value.backward()
    finally:
        for h in handles:
            h.remove()
        lm.model.zero_grad(set_to_none=True)
    return [k.grad[0] for k in kept]


def final_norm_input(lm, ids: list[int]) -> torch.Tensor:
    """Llama: the input of model.norm [pos, d_model] on a plain eager run."""
    kept = []
    handle = lm.model.model.norm.register_forward_pre_hook(lambda m, args: kept.append(args[0][0].detach()))
    try:
        forward(lm, ids)
    finally:
        handle.remove()
    return kept[0]
