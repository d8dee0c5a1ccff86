"""Encoder-decoder attention: three parts, two of them traces, and cross-attention beside them.

An encoder-decoder model (BART, T5, Marian) attends three ways: the encoder's self-attention over the
source tokens, the decoder's causal self-attention over the target tokens, and in every decoder layer
the cross-attention of target queries over the encoder's source keys. The first two are ordinary
square maps and each is an `AttentionTrace`, so every view, page and analysis reads them unchanged.

Cross-attention is a [q_pos, k_pos] map whose rows are target tokens and whose columns are source
tokens: not square. The trace contract assumes one token sequence for both axes (`tokens` labels
rows and columns; `tile`, `pooled` and `score_tiles` range both axes over `n_tokens`; `causal` and
`visible_keys` compare a key's position with a query's). A cross-attention "trace" would mislabel
every column, so `CrossAttention` is not an `AttentionTrace`: it gives the numbers (`head_weights`,
`pattern`, with `q_tokens` and `k_tokens`) and the container `EncoderDecoderTraces` holds the three
parts. Its page (html/parts.py) shows all three behind a part switch: the two traces as every trace's
page, cross-attention as a page whose maps' columns are the source tokens (paired axes: the page data's
`k_tokens`), drawn by the views that take a second token list; its printout, figure and JSON are
`reporting.cross_report`, `plot.cross.plot_cross` and `export.cross_to_dict`.
"""

from __future__ import annotations

import importlib
import numbers
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from ..errors import LayerHeadError, NonFiniteError
from ..trace import AttentionTrace, LayerQKV, Token
from ..trace.base import non_finite_message


class CrossAttention(ABC):
    """Decoder queries over encoder keys, per decoder layer: [head, q_pos (target), k_pos (source)] weights.

    Its weight access mirrors the trace contract's (`head_weights`, `pattern`, `check_layer_head`,
    `check_finite`) for a map whose two axes are different token lists (see the module docstring).
    """

    q_tokens: tuple[Token, ...]  # the decoder's tokens (rows)
    k_tokens: tuple[Token, ...]  # the encoder's tokens (columns)
    model: str  # the model's name
    n_layers: int  # decoder layers (one cross-attention each)
    n_heads: int  # query heads per layer

    @abstractmethod
    def _weights(self, layer: int, heads: list[int]) -> torch.Tensor:
        """[len(heads), q_pos, k_pos] fp32 weights of these heads (indices already checked)."""

    def head_weights(self, layer: int, heads: Sequence[int] | None = None) -> torch.Tensor:
        """[head, q_pos, k_pos] fp32: each target token's weights over the source tokens (rows sum to 1)."""
        chosen = list(range(self.n_heads)) if heads is None else [int(h) for h in heads]
        for h in chosen or [None]:
            self.check_layer_head(layer, h)
        return self._weights(layer, chosen)

    def pattern(self, layer: int = 0, head: int | None = 0) -> torch.Tensor:
        """[q_pos, k_pos] fp32 weights of one head; head=None: the mean over heads."""
        self.check_layer_head(layer, head)
        if head is not None:
            return self._weights(layer, [head])[0]
        return self._weights(layer, list(range(self.n_heads))).mean(0)

    def check_layer_head(self, layer: int, head: int | None) -> None:
        """LayerHeadError naming the valid range when layer or head is out of range."""
        if not _index_in(layer, self.n_layers):
            raise LayerHeadError(f"layer {layer!r} is out of range: the cross-attention has layers "
                                 f"0..{self.n_layers - 1}")
        if head is not None and not _index_in(head, self.n_heads):
            raise LayerHeadError(f"head {head!r} is out of range: the cross-attention has heads 0..{self.n_heads - 1}")

    def check_finite(self) -> None:
        """NonFiniteError naming the first layer and head whose weights hold NaN or inf."""
        for layer in range(self.n_layers):
            bad = ~torch.isfinite(self.head_weights(layer))
            if bool(bad.any()):
                head = int(bad.flatten(1).any(1).nonzero()[0])
                raise NonFiniteError(non_finite_message(self.model, layer, head, "cross-attention weights"))

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(model={self.model!r}, q_tokens={len(self.q_tokens)}, "
                f"k_tokens={len(self.k_tokens)}, layers={self.n_layers}, heads={self.n_heads})")


def _index_in(i: object, n: int) -> bool:
    """i is an integer (not a bool) in 0..n-1."""
    return isinstance(i, numbers.Integral) and not isinstance(i, bool) and 0 <= int(i) < n


class CapturedCross(CrossAttention):
    """Cross-attention from captured q, k and each layer's LayerMask (the trace's one masked-score routine,
    `LayerMask.apply`, on a [head, q_pos, k_pos] block whose first cell is (0, 0))."""

    def __init__(self, *, layers: list[LayerQKV], q_tokens: tuple[Token, ...], k_tokens: tuple[Token, ...],
                 model: str) -> None:
        self.layers_qkv = layers  # one per decoder layer: q [head, q_pos, d], k, v [kv_head, k_pos, d]
        self.q_tokens, self.k_tokens, self.model = q_tokens, k_tokens, model
        self.n_layers = len(layers)
        self.n_heads = layers[0].q.shape[0]

    def _weights(self, layer: int, heads: list[int]) -> torch.Tensor:
        lq = self.layers_qkv[layer]
        idx = torch.tensor(heads, dtype=torch.long, device=lq.q.device)
        group = lq.q.shape[0] // lq.k.shape[0]
        q, k = lq.q[idx].float(), lq.k[idx // group].float()  # [h, q_pos, d], [h, k_pos, d]
        s = torch.bmm(q, k.transpose(1, 2)).mul_(lq.scale)  # [h, q_pos, k_pos]
        return lq.mask.apply(s, 0, 0, idx).softmax(dim=-1)


class GivenCross(CrossAttention):
    """Cross-attention weights as some other code computed them (`attnlab.from_attentions`)."""

    def __init__(self, *, weights: list[torch.Tensor], q_tokens: tuple[Token, ...], k_tokens: tuple[Token, ...],
                 model: str) -> None:
        self.weights = weights  # one [head, q_pos, k_pos] fp32 tensor per decoder layer
        self.q_tokens, self.k_tokens, self.model = q_tokens, k_tokens, model
        self.n_layers = len(weights)
        self.n_heads = weights[0].shape[0]

    def _weights(self, layer: int, heads: list[int]) -> torch.Tensor:
        return self.weights[layer][torch.tensor(heads, dtype=torch.long)]


@dataclass(frozen=True)
class EncoderDecoderTraces:
    """An encoder-decoder model's attention on a source and a target text, part by part.

    Display it in a notebook (or `to_html()`) for its page of all three parts; `cross` holds the numbers
    of cross-attention (see the module docstring for why it is not a trace).
    """

    model: str  # the model's name (each part's trace names its part after it: "t5-small (encoder)")
    encoder: AttentionTrace  # self-attention over the source tokens (every key visible)
    decoder: AttentionTrace  # causal self-attention over the target tokens
    cross: CrossAttention  # target queries over source keys, per decoder layer

    def __post_init__(self) -> None:
        if self.cross.q_tokens != self.decoder.tokens or self.cross.k_tokens != self.encoder.tokens:
            raise ValueError("the cross-attention's tokens must be the decoder's (rows) and the encoder's (columns)")

    def check_finite(self) -> None:
        """NonFiniteError for the first part whose weights hold NaN or inf."""
        self.encoder.check_finite()
        self.decoder.check_finite()
        self.cross.check_finite()

    def __repr__(self) -> str:
        return (f"EncoderDecoderTraces(model={self.model!r}, source={self.encoder.n_tokens} tokens, "
                f"target={self.decoder.n_tokens} tokens, encoder layers={self.encoder.n_layers}, "
                f"decoder layers={self.decoder.n_layers})")

    def cross_labels(self) -> tuple[list[str], list[str]]:
        """The cross-attention's row and column labels ('3 is'): the decoder's and the encoder's own, as
        their parts label them (generated target tokens marked '*')."""
        return self.decoder.position_labels(), self.encoder.position_labels()

    def to_html(self, **kw: Any) -> str:
        """The page of all three parts (`attnlab.html.render_page`; part="cross" opens on cross-attention)."""
        return _surface("attnlab.html:render_page")(self, **kw)

    def _ipython_display_(self) -> None:
        """The page of all three parts, with its preview (as a trace displays: `attnlab.show`)."""
        _surface("attnlab.notebook:ipython_display")(self)

    def _repr_html_(self) -> Any:
        return _surface("attnlab.notebook:display_html")(self)


def _surface(path: str) -> Any:
    """A page or notebook function by import path, imported when used: sources import no view or surface
    (as `trace.base.present` does for a trace)."""
    module, _, function = path.partition(":")
    return getattr(importlib.import_module(module), function)
