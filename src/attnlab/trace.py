"""AttentionTrace: what every source produces and every view reads.

A trace knows its tokens, its model, its shape (n_layers, n_heads, n_kv_heads), whether it is
causal, and gives a head's weights on demand through `pattern(layer, head)`. Axis names follow
design.md: layer, head, q_pos (the attending token), k_pos (the attended token), d_model, d_head.

Sources: `attnlab.toy` makes a `ToyTrace` (one layer, every stage kept); `attnlab.models` makes a
trace of a real model whose patterns are recomputed from the captured queries and keys.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import torch

from .errors import AttnlabError


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


class AttentionTrace(ABC):
    """The common face of toy and model traces (read by analysis and views)."""

    tokens: tuple[Token, ...]  # one per position
    model: str  # "toy" or the model's name
    n_layers: int
    n_heads: int
    n_kv_heads: int
    causal: bool  # True: position q attends only to k <= q
    temperature: float  # softmax temperature (1 for real models)

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

    @abstractmethod
    def pattern(self, layer: int = 0, head: int | None = 0) -> torch.Tensor:
        """Weights [q_pos, k_pos] in fp32, each row summing to 1; head=None gives the mean over heads."""

    def to_html(self, **kw) -> str:
        """The interactive page as one self-contained HTML string (see attnlab.html.render_page)."""
        from .html import render_page

        return render_page(self, **kw)

    def _repr_html_(self) -> str:
        """Notebook display: the page in an <iframe srcdoc>, isolated from the notebook's own page.
        A trace too large for a page shows the reason (escaped) instead of a traceback."""
        import html

        from .html import notebook_html

        try:
            return notebook_html(self.to_html())
        except AttnlabError as e:
            return f"<pre>attnlab: {html.escape(str(e))}</pre>"

    def check_layer_head(self, layer: int, head: int | None) -> None:
        """Raise AttnlabError naming the valid range when layer or head is out of range."""
        if not 0 <= layer < self.n_layers:
            raise AttnlabError(f"layer {layer} is out of range: this trace has layers 0..{self.n_layers - 1}")
        if head is not None and not 0 <= head < self.n_heads:
            raise AttnlabError(f"head {head} is out of range: this trace has heads 0..{self.n_heads - 1}")
