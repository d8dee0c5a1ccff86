"""AttentionTrace: the contract every source implements and every view and surface uses.

A trace knows its tokens, its model, its shape (n_layers, n_heads, n_kv_heads), whether it is
causal, and gives attention on demand:

    head_weights(layer, heads=None)  [head, q_pos, k_pos]  every (or the listed) head's weights
    pattern(layer, head)             [q_pos, k_pos]        one head's weights; head=None: their mean
    scores(layer, head)              [q_pos, k_pos] | None pre-softmax scores (hidden cells -inf)
    stages                           ToyStages | None      every stage of the toy computation
    row_stats()                      RowStats              per-row statistics of every layer and head

Weights are fp32 and each row sums to 1 (hidden cells are 0). Every out-of-range layer or head
raises `LayerHeadError`. Axis names follow design.md: layer, head, q_pos (the attending token),
k_pos (the attended token), d_model, d_head.

Sources: `attnlab.toy` makes a `ToyTrace` (one layer, every stage kept); `attnlab.models` makes a
`ModelTrace` whose weights are recomputed from the captured queries and keys.

Presentations (the printout of `print(trace)`, the notebook page, the JSON dict) belong to higher
layers. This module imports none of them: `_PRESENTERS` names them by import path and `present`
imports one only when a trace is asked to print or display itself.
"""

from __future__ import annotations

import importlib
import numbers
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from .errors import LayerHeadError
from .rowstats import RowStats, trace_row_stats


@dataclass(frozen=True)
class Token:
    """One position of the sequence, as a person reads it."""

    text: str  # the display text (a real model's piece decoded to readable characters)
    id: int | None = None  # tokenizer id; None for toy tokens
    special: bool = False  # [CLS], <|im_start|>, ...: drawn with a mark
    word: int | None = None  # index of the word this piece belongs to (None: not part of a word)
    bytes_hex: str | None = None  # exact bytes of a byte piece, hex ('e78c'); None: WordPiece, special, toy


def unique_labels(texts: list[str]) -> list[str]:
    """The texts as they are when all differ; else "pos:text" for every one, so repeats never merge."""
    if len(set(texts)) == len(texts):
        return list(texts)
    return [f"{i}:{t}" for i, t in enumerate(texts)]


def _index_in(i: object, n: int) -> bool:
    """i is an integer (not a bool) in 0..n-1."""
    return isinstance(i, numbers.Integral) and not isinstance(i, bool) and 0 <= int(i) < n


# presentation name -> "module:function" taking the trace; higher layers, imported when used
_PRESENTERS: dict[str, str] = {
    "text": "attnlab.reporting:report",  # print(trace)
    "dict": "attnlab.export:trace_to_dict",  # trace.to_dict()
    "page": "attnlab.html:render_page",  # trace.to_html()
    "notebook": "attnlab.notebook:display_html",  # trace._repr_html_()
    "ipython": "attnlab.notebook:ipython_display",  # Jupyter, Colab, VS Code: the page and its preview
}


def present(trace: AttentionTrace, name: str, *args: Any, **kw: Any) -> Any:
    """Call the presenter registered as `name` on `trace`."""
    module, _, function = _PRESENTERS[name].partition(":")
    return getattr(importlib.import_module(module), function)(trace, *args, **kw)


class AttentionTrace(ABC):
    """The common face of toy and model traces (see the module docstring for the contract)."""

    tokens: tuple[Token, ...]  # one per position
    model: str  # "toy" or the model's name
    n_layers: int  # attention layers
    n_heads: int  # query heads per layer
    n_kv_heads: int  # key/value heads per layer (< n_heads: grouped-query attention)
    causal: bool  # True: position q attends only to k <= q
    temperature: float  # softmax temperature (1 for real models)
    stages: Any = None  # the toy's every stage (`toy.ToyStages`); None for sources without them
    prompt_len: int | None = None  # tokens from here on were generated (decoders); None: none were

    @property
    def n_tokens(self) -> int:
        return len(self.tokens)

    @property
    def token_texts(self) -> list[str]:
        return [t.text for t in self.tokens]

    @property
    def token_labels(self) -> list[str]:
        """Labels for rows and columns: the token text, prefixed by its position when texts repeat."""
        return unique_labels(self.token_texts)

    def position_labels(self) -> list[str]:
        """'position token' per position, as long-input views label rows; generated tokens get a '*'."""
        start = self.prompt_len
        return [f"{i} {t.text}{'*' if start is not None and i >= start else ''}" for i, t in enumerate(self.tokens)]

    # attention ------------------------------------------------------------------------------

    @abstractmethod
    def _weights(self, layer: int, heads: list[int]) -> torch.Tensor:
        """[len(heads), q_pos, k_pos] fp32 weights of these heads (indices already checked)."""

    def head_weights(self, layer: int, heads: Sequence[int] | None = None) -> torch.Tensor:
        """[head, q_pos, k_pos] fp32 weights of every head of `layer` (or of the listed heads)."""
        chosen = list(range(self.n_heads)) if heads is None else [int(h) for h in heads]
        self.check_layer_head(layer, None)
        for h in chosen:
            self.check_layer_head(layer, h)
        return self._weights(layer, chosen)

    def pattern(self, layer: int = 0, head: int | None = 0) -> torch.Tensor:
        """[q_pos, k_pos] fp32 weights of one head, each row summing to 1; head=None: the mean over heads."""
        self.check_layer_head(layer, head)
        if head is not None:
            return self._weights(layer, [head])[0]
        total = self._weights(layer, [0])[0].clone()  # head by head: two maps in memory, not n_heads
        for h in range(1, self.n_heads):
            total += self._weights(layer, [h])[0]
        return total / self.n_heads

    def scores(self, layer: int, head: int) -> torch.Tensor | None:
        """[q_pos, k_pos] fp32 pre-softmax scores (scaled, masked cells -inf); None where a source has none."""
        self.check_layer_head(layer, head)
        return None

    def row_stats(self) -> RowStats:
        """Per-row statistics [layer, head, q_pos] (`rowstats.RowStats`), exact for every mask that
        `pattern` applies. This default reads the full weights; sources with long inputs stream."""
        return trace_row_stats(self)

    def check_layer_head(self, layer: int, head: int | None) -> None:
        """Raise LayerHeadError naming the valid range when layer or head is out of range."""
        if not _index_in(layer, self.n_layers):
            raise LayerHeadError(f"layer {layer!r} is out of range: this trace has layers 0..{self.n_layers - 1}")
        if head is not None and not _index_in(head, self.n_heads):
            raise LayerHeadError(f"head {head!r} is out of range: this trace has heads 0..{self.n_heads - 1}")

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(model={self.model!r}, tokens={self.n_tokens}, layers={self.n_layers}, "
                f"heads={self.n_heads}, kv_heads={self.n_kv_heads}, causal={self.causal})")

    # presentations (registered by the package root; see the module docstring) ----------------

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (`attnlab.export.trace_to_dict`)."""
        return present(self, "dict")

    def to_html(self, **kw: Any) -> str:
        """The interactive page as one self-contained HTML string (`attnlab.html.render_page`)."""
        return present(self, "page", **kw)

    def _repr_html_(self) -> str:
        """The page in an isolated frame, for hosts that ask for HTML (`attnlab.notebook`)."""
        return present(self, "notebook")

    def _ipython_display_(self) -> None:
        """Notebook display (IPython): the page, and a static preview where it cannot run (`attnlab.notebook`)."""
        present(self, "ipython")

    def __str__(self) -> str:
        """print(trace): the printout and what the numbers show (`attnlab.reporting`)."""
        return present(self, "text")
