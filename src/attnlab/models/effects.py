"""The model side of head effects: the clean pass, batched ablation sweeps, and the head outputs' direct path.

`run_pass`: one forward of one text through the capture (so the same pass gives the attention trace),
keeping every layer's W_O input z [pos, head * d_head] and the final norm's input; with `grad`, one
backward from the target too, giving d metric / d z for attribution patching (Nanda 2023; Syed et
al. 2023). `sweep`: the exact interventions, many heads per forward (`models.intervene`).
`direct_logit_attribution`: each head's z through its slice of W_O and the final norm with the scale
frozen from the clean run, dotted with the target's unembedding (docs/effects.md has the formulas).
Every tensor stays on the model's device: on a GPU the sweep's batches run there (not measured yet).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import torch

from ..errors import AttnlabError
from .api import Encoded, _pass_of
from .capture import recording
from .encode import tokens_of
from .intervene import HeadEdit, Plan, Sites, editing, sites_of
from .loading import LoadedModel
from .targets import Embedding, LogProbs, Target
from .trace import ModelTrace

ROWS = {"cpu": 32768, "cuda": 262144}  # batch items x positions per sweep forward (MLP: rows x 1536 x 4 B each)
Readout = LogProbs | Embedding


@dataclass(frozen=True)
class Pass:
    """One text's forward (and backward): what the effects need from it."""

    measured: dict[str, torch.Tensor]  # the readout's values for this run ({metric, loss | pooled}: [1, ...])
    z: tuple[torch.Tensor, ...]  # per layer [pos, head, d_head]: the heads' outputs (W_O's input)
    grads: tuple[torch.Tensor, ...] | None  # per layer [pos, head, d_head]: d metric / d z (with grad)
    residual: torch.Tensor | None  # [pos, d_model] the final norm's input (decoders)
    hidden: torch.Tensor  # [pos, d_model] the body's output (after the final norm)
    trace: ModelTrace | None  # the attention trace of this pass (record=True)


def sites(lm: LoadedModel) -> Sites:
    """The model's edit sites (hooks installed once)."""
    sample = lm.tokenizer("a b", add_special_tokens=True)["input_ids"][:4] or [0, 1]
    return sites_of(lm.model, lm.model.base_model, sample)


def run_pass(lm: LoadedModel, where: Sites, enc: Encoded, readout: Readout, *, grad: bool = False,
             record: bool = False) -> Pass:
    """Forward `enc` (batch 1) keeping z and the final residual; with grad, also d metric / d z."""
    body = lm.model.base_model
    ids = torch.tensor([enc.ids], device=lm.model.device)
    plan = Plan(where, keep=True)
    rec_cm = recording(body) if record else contextlib.nullcontext()
    with _pass_of(lm), torch.set_grad_enabled(grad), rec_cm as rec, editing(plan):
        hidden = body(input_ids=ids, use_cache=False).last_hidden_state  # [1, pos, d_model]
    measured = readout.measure(hidden, grad=grad)
    kept = [plan.kept[i] for i in range(where.n_layers)]  # per layer [1, pos, head * d_head]
    grads = None
    if grad:
        got = torch.autograd.grad(hidden, kept, grad_outputs=measured.pop("grad"), allow_unused=True)
        grads = tuple(_heads(g if g is not None else torch.zeros_like(k), where) for g, k in zip(got, kept,
                                                                                                 strict=True))
    trace = _trace(lm, rec, enc) if record else None
    return Pass(
        measured={k: v.detach() for k, v in measured.items()},
        z=tuple(_heads(k.detach(), where) for k in kept),
        grads=grads,
        residual=None if plan.final_input is None else plan.final_input.detach()[0],
        hidden=hidden.detach()[0],
        trace=trace,
    )


def _heads(x: torch.Tensor, where: Sites) -> torch.Tensor:
    """[1, pos, head * d_head] -> [pos, head, d_head]."""
    return x[0].reshape(x.shape[1], where.n_heads, where.d_head)


def _trace(lm: LoadedModel, rec, enc: Encoded) -> ModelTrace:
    """The pass's attention trace, as `api.trace_ids` makes it (tensors detached from the backward)."""
    layers = [replace(c, q=c.q.detach(), k=c.k.detach(), v=c.v.detach(),
                      out_proj=None if c.out_proj is None else c.out_proj.detach()) for c in rec.ordered()]
    trace = ModelTrace(layers=layers, tokens=tokens_of(lm, enc.ids, enc), span=(0, len(enc.ids)), batch_index=0,
                       n_heads=layers[0].q.shape[1], n_kv_heads=layers[0].k.shape[1], model=lm.name, kind=lm.kind,
                       n_layers=len(layers), prompt_len=None, truncated=enc.cut)
    trace.check_finite()
    return trace


def time_forward(lm: LoadedModel, ids: Sequence[int]) -> float:
    """Seconds of one plain forward of `ids` (no grad, no capture kept): what estimates scale."""
    body = lm.model.base_model
    x = torch.tensor([list(ids)], device=lm.model.device)
    with _pass_of(lm), torch.no_grad():
        start = time.perf_counter()
        body(input_ids=x, use_cache=False)
        return time.perf_counter() - start


def items_per_forward(n_tokens: int, device: torch.device) -> int:
    """Edited items per sweep forward (at least 1): the batch, item 0 included, stays within ROWS."""
    return max(1, ROWS.get(device.type, ROWS["cpu"]) // max(n_tokens, 1) - 1)


def sweep(lm: LoadedModel, where: Sites, ids: Sequence[int], edits: Sequence[HeadEdit], readout: Readout, *,
          at: torch.Tensor | None = None, expand: bool = True,
          progress: Callable[[int], None] | None = None) -> dict[str, torch.Tensor]:
    """Every edit's exact effect: {metric, base, loss?, loss_base?: [len(edits)]}, in the order given.

    `base` is item 0 of the same forward (the run without edits), so each difference is taken within
    one batch. Items go in forwards of `items_per_forward`, sorted by layer; `progress(n)` after each.
    """
    order = sorted(range(len(edits)), key=lambda i: edits[i].layer)
    expand = expand and where.blocks is not None  # no blocks found: every item from the start
    per = items_per_forward(len(ids), lm.model.device)
    out: dict[str, torch.Tensor] = {}
    body = lm.model.base_model
    for s in range(0, len(order), per):
        chunk = order[s : s + per]
        plan = Plan(where, [edits[i] for i in chunk], at=at, expand=expand)
        x = torch.tensor([list(ids)], device=lm.model.device)
        if not expand:
            x = x.expand(1 + len(chunk), -1)
        with _pass_of(lm), torch.no_grad(), editing(plan):
            hidden = body(input_ids=x, use_cache=False).last_hidden_state  # [1 + items, pos, d_model]
        if hidden.shape[0] != 1 + len(chunk):
            raise AttnlabError(f"{lm.name}: a sweep forward returned {hidden.shape[0]} items, expected "
                               f"{1 + len(chunk)}: its layers do not carry the edited batch; use expand=False")
        got = readout.measure(hidden)
        for name in ("metric", "loss"):
            if name in got:
                values = got[name].cpu()
                out.setdefault(name, torch.zeros(len(edits)))[chunk] = values[1:]
                out.setdefault(f"{name}_base", torch.zeros(len(edits)))[chunk] = values[0]
        if progress is not None:
            progress(len(chunk))
    return out


def forward_equivalents(lm: LoadedModel, where: Sites, layers: Sequence[int], *, expand: bool = True) -> float:
    """What a sweep over edits at `layers` costs, in plain forwards: an edit at layer L runs layers
    L .. last and the unembedding (expand), or the whole model (replicate)."""
    body_params = sum(p.numel() for p in lm.model.base_model.parameters())
    embed = lm.model.get_input_embeddings().weight.numel()
    per_layer = max(body_params - embed, 1) / where.n_layers
    head = lm.model.get_output_embeddings()
    head_layers = head.weight.numel() / per_layer if lm.kind == "decoder" and head is not None else 0.0
    full = where.n_layers + head_layers
    if not expand:
        return float(len(layers))
    return sum((where.n_layers - layer + head_layers) / full for layer in layers)


def direct_logit_attribution(lm: LoadedModel, where: Sites, clean: Pass, target: Target) -> torch.Tensor:
    """[layer, head, target position]: each head's output at the read position p - 1 through its slice of
    W_O and the final norm (scale frozen from the clean run), dotted with the target token's unembedding."""
    if clean.residual is None or where.final_norm is None:
        raise AttnlabError(f"{lm.name}: no final norm found before the unembedding (looked for "
                           "norm, ln_f, final_layernorm on the body): direct logit attribution needs it")
    read = torch.tensor(target.positions, device=clean.hidden.device) - 1  # [T]
    scale, centred = frozen_norm(where.final_norm, clean.residual, clean.hidden, lm.name)  # [pos]
    w_u = lm.model.get_output_embeddings().weight  # [vocab, d_model]
    a = where.final_norm.weight * w_u[torch.tensor(target.token_ids, device=w_u.device)]  # [T, d_model]
    if centred:
        a = a - a.mean(-1, keepdim=True)  # LayerNorm subtracts the mean of what the head adds
    u = a * scale[read, None]  # [T, d_model]
    out = []
    with torch.no_grad():
        for layer in range(where.n_layers):
            w_o = _w_o(where.out_modules[layer])  # [d_model, head * d_head]
            v = (u @ w_o).view(len(read), where.n_heads, where.d_head)  # [T, head, d_head]
            out.append((clean.z[layer][read] * v).sum(-1).T)  # [head, T]
    return torch.stack(out).cpu()  # [layer, head, T]


def _w_o(module: torch.nn.Module) -> torch.Tensor:
    w = module.weight
    return w if isinstance(module, torch.nn.Linear) else w.t()  # Conv1D stores [in, out]


def frozen_norm(norm: torch.nn.Module, x: torch.Tensor, normed: torch.Tensor, model: str) -> tuple[torch.Tensor, bool]:
    """(scale [pos], centred) such that norm(x) = weight * (x - centred * mean(x)) * scale (+ bias),
    checked against the model's own output `normed`; an AttnlabError when neither RMSNorm's nor
    LayerNorm's form reproduces it (a norm attnlab cannot freeze, e.g. Gemma's 1 + weight)."""
    eps = float(getattr(norm, "variance_epsilon", getattr(norm, "eps", 1e-6)))
    weight = getattr(norm, "weight", None)
    bias = getattr(norm, "bias", None)
    if not isinstance(weight, torch.Tensor):
        raise AttnlabError(f"{model}: its final norm {type(norm).__name__} has no weight to freeze")
    with torch.no_grad():
        for centred in (False, True):
            xc = x - x.mean(-1, keepdim=True) if centred else x
            scale = torch.rsqrt(xc.pow(2).mean(-1) + eps)  # [pos]
            again = weight * xc * scale[:, None] + (bias if isinstance(bias, torch.Tensor) else 0.0)
            if torch.allclose(again, normed, rtol=1e-4, atol=1e-4 * float(normed.abs().max())):
                return scale, centred
    raise AttnlabError(f"{model}: its final norm {type(norm).__name__} is neither RMSNorm nor LayerNorm as "
                       "attnlab writes them, so its scale cannot be frozen for direct logit attribution")
