"""Editing heads: one head's slice of the output projection's input, for many heads in one forward.

A head's output z^h [pos, d_head] is its slice of the attention output before W_O: the input of the
output projection (`o_proj` in Llama, `attention.output.dense` in BERT; `capture.find_output_module`)
is [batch, pos, head * d_head] with head h in columns h * d_head .. (h + 1) * d_head. Every
intervention is a forward pre-hook on that module, so W_O, the residual stream and everything after
run as the model's own code, on the capture attention function's output.

Many heads per forward ("expand"). An edit of a head of layer L changes nothing below L, so the
items of a batch need not be computed there one by one: the forward starts with one item (the text
as it is, item 0), and at the entrance of layer L's block (the decoder layer, BERT's layer) a second
hook appends one copy of item 0's residual stream per head of L to edit; at L's W_O their slices are
replaced. Every later layer runs on the larger batch (RoPE tables, causal and [1, 1, q, k] masks
broadcast). So a head of layer L costs the layers L .. last once, not the whole model: all 270 heads
of SmolLM2 cost about the layers of 140 forwards instead of 270 (docs/effects.md measures it). Item
i + 1 carries edit i in both modes; item 0 is never edited: it is the base each item is compared
with, computed in the same batch. "replicate" is the plain alternative (every item a full copy of the
input from the start), used for models whose blocks are not found and as a check in tests.

Threads. The hooks are installed once per module and stay; each is a no-op unless the context of the
thread (or asyncio task) running the forward holds a `Plan` (a `ContextVar`, like the capture's
recorder), so forwards in other threads, and ordinary `run_text` passes, are untouched.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import torch

from ..errors import AttnlabError
from .capture import Recorder, find_output_module, recording

FINAL_NORM_NAMES = ("norm", "ln_f", "final_layernorm", "final_layer_norm")  # on the body, before the unembedding


@dataclass(frozen=True)
class Sites:
    """Where a model's heads are edited: found once per model (`sites_of`)."""

    out_modules: tuple[torch.nn.Module, ...]  # per layer, the module applying W_O (its input: the heads' outputs)
    layer_of: dict[int, int]  # id(out module) -> its layer
    blocks: tuple[torch.nn.Module, ...] | None  # per layer, the block the residual stream enters (None: not found)
    block_of: dict[int, int]  # id(block) -> its layer
    n_heads: int  # query heads per layer
    d_head: int  # width of one head's output
    final_norm: torch.nn.Module | None  # the body's last norm (before the unembedding); None: not found

    @property
    def n_layers(self) -> int:
        return len(self.out_modules)


@dataclass(frozen=True)
class HeadEdit:
    """One batch item's edit: head `head` of layer `layer` gets output `value` where the plan edits."""

    layer: int  # the head's layer
    head: int  # the head's index within the layer
    value: torch.Tensor | None = None  # [pos, d_head] or [d_head] (the same at every position); None: zeros


@dataclass
class Plan:
    """What the hooks do during one forward of this context (mutable: the hooks fill `kept`)."""

    sites: Sites  # the model's edit sites
    edits: Sequence[HeadEdit] = ()  # item i + 1 carries edits[i] (sorted by layer); item 0 is left as it is
    at: torch.Tensor | None = None  # [pos] bool: the positions edited (None: every position)
    expand: bool = True  # True: the batch grows at each edited layer's block; False: every item is in the input
    keep: bool = False  # record every layer's W_O input and the final norm's input
    kept: dict[int, torch.Tensor] = field(default_factory=dict)  # layer -> [batch, pos, head * d_head]
    final_input: torch.Tensor | None = None  # [batch, pos, d_model] the final norm's input, when kept
    _by_layer: dict[int, list[int]] = field(default_factory=dict)  # layer -> indices into edits

    def __post_init__(self) -> None:
        layers = [e.layer for e in self.edits]
        if layers != sorted(layers):
            raise ValueError("a Plan's edits must be sorted by layer (items are appended layer by layer)")
        for i, e in enumerate(self.edits):
            self._by_layer.setdefault(e.layer, []).append(i)

    def items_below(self, layer: int) -> int:
        """Edited items whose layer is below `layer` (already in the batch at its block, when expanding)."""
        return sum(len(v) for k, v in self._by_layer.items() if k < layer)

    def grow(self, layer: int, x: torch.Tensor) -> torch.Tensor:
        """The residual stream entering `layer`'s block, x [batch, pos, d_model], with one copy of item 0
        appended per edit of this layer (expand mode; otherwise x itself)."""
        mine = self._by_layer.get(layer)
        if not self.expand or not mine:
            return x
        have = 1 + self.items_below(layer)
        if x.shape[0] != have:
            raise AttnlabError(f"layer {layer}'s block got a batch of {x.shape[0]} items, expected {have}: "
                               "this model's layers do not carry the batch; edit with expand=False")
        return torch.cat([x, x[:1].expand(len(mine), *x.shape[1:])])

    def edit(self, layer: int, x: torch.Tensor) -> torch.Tensor:
        """The W_O input of `layer` after this plan's edits: x [batch, pos, head * d_head], item i + 1
        carrying edits[i] (a copy: the tensor given may be saved for a backward)."""
        mine = self._by_layer.get(layer)
        if not mine:
            return x
        if x.shape[0] < mine[-1] + 2:
            raise AttnlabError(f"layer {layer}'s output projection got {x.shape[0]} items, expected at least "
                               f"{mine[-1] + 2}: this model's layers do not carry the batch")
        out = x.clone().view(x.shape[0], x.shape[1], self.sites.n_heads, self.sites.d_head)
        for i in mine:
            self._apply(out[i + 1], self.edits[i])  # [pos, head, d_head]
        return out.view(x.shape)

    def _apply(self, item: torch.Tensor, e: HeadEdit) -> None:
        """item [pos, head, d_head]: head e.head's output set to e.value at the edited positions."""
        value = torch.zeros((), dtype=item.dtype, device=item.device) if e.value is None else e.value.to(item)
        at = slice(None) if self.at is None else self.at.to(item.device)
        if value.dim() == 2:
            value = value[at]
        item[at, e.head] = value


_plan: ContextVar[Plan | None] = ContextVar("attnlab_edit_plan", default=None)
_sites: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # model -> Sites (hooks installed)
_installing = threading.Lock()


def _out_hook(module: torch.nn.Module, args: tuple) -> tuple | None:
    plan = _plan.get()
    if plan is None:
        return None
    layer = plan.sites.layer_of.get(id(module))
    if layer is None:  # another model's module, run inside this plan's forward
        return None
    x = args[0]  # [batch, pos, head * d_head]
    given = x
    if plan.keep:
        if torch.is_grad_enabled() and not x.requires_grad:  # frozen weights: start the graph here
            x = x.detach().requires_grad_(True)
        plan.kept[layer] = x
    x = plan.edit(layer, x)
    return None if x is given else (x, *args[1:])


def _block_hook(module: torch.nn.Module, args: tuple, kwargs: dict) -> tuple | None:
    plan = _plan.get()
    if plan is None:
        return None
    layer = plan.sites.block_of.get(id(module))
    if layer is None:
        return None
    if args:
        grown = plan.grow(layer, args[0])  # [batch, pos, d_model]
        return None if grown is args[0] else ((grown, *args[1:]), kwargs)
    grown = plan.grow(layer, kwargs["hidden_states"])
    return None if grown is kwargs["hidden_states"] else (args, {**kwargs, "hidden_states": grown})


def _norm_hook(module: torch.nn.Module, args: tuple) -> None:
    plan = _plan.get()
    if plan is not None and plan.keep and plan.sites.final_norm is module:
        plan.final_input = args[0]


@contextlib.contextmanager
def editing(plan: Plan) -> Iterator[Plan]:
    """Within the block, forwards run in this context follow `plan` (other threads are untouched)."""
    token = _plan.set(plan)
    try:
        yield plan
    finally:
        _plan.reset(token)


def sites_of(model: Any, body: torch.nn.Module, sample_ids: Sequence[int]) -> Sites:
    """The model's Sites, found once (a capture of `sample_ids` names each layer's attention module) and
    the hooks installed on them; later calls return the same Sites."""
    with _installing:
        found = _sites.get(model)
        if found is not None:
            return found
        with torch.no_grad(), recording(body) as rec:
            body(input_ids=torch.tensor([list(sample_ids)], device=model.device), use_cache=False)
        layers = rec.ordered()
        n_heads, d_head = layers[0].q.shape[1], layers[0].v.shape[-1]
        modules = []
        for i, cap in enumerate(layers):
            out = find_output_module(cap.module, rec.parent(cap.module), n_heads * d_head)
            if out is None:
                raise AttnlabError(f"layer {i}'s {type(cap.module).__name__} has no output projection attnlab "
                                   "can edit (a Linear with head x d_head inputs): head effects need one")
            modules.append(out)
        norm = next((m for name in FINAL_NORM_NAMES if isinstance(m := getattr(body, name, None), torch.nn.Module)),
                    None)
        blocks = [_block(rec, cap.module) for cap in layers]
        found = Sites(out_modules=tuple(modules), layer_of={id(m): i for i, m in enumerate(modules)},
                      blocks=None if any(b is None for b in blocks) else tuple(blocks),
                      block_of={id(b): i for i, b in enumerate(blocks) if b is not None},
                      n_heads=n_heads, d_head=d_head, final_norm=norm)
        for m in modules:
            m.register_forward_pre_hook(_out_hook)
        for b in found.blocks or ():
            b.register_forward_pre_hook(_block_hook, with_kwargs=True)
        if norm is not None:
            norm.register_forward_pre_hook(_norm_hook)
        _sites[model] = found
        return found


def _block(rec: Recorder, module: torch.nn.Module) -> torch.nn.Module | None:
    """The ancestor of an attention module that is an item of the model's layer list (the block the
    residual stream enters: LlamaDecoderLayer, BertLayer), or None."""
    child = module
    parent = rec.parent(child)
    while parent is not None and not isinstance(parent, torch.nn.ModuleList):
        child, parent = parent, rec.parent(parent)
    return child if parent is not None else None
