"""A small fake model trace for page tests: random softmax maps over several layers and heads.

Seeded, so tests can compare what the page shows with `pattern(layer, head)`.
"""

from __future__ import annotations

import torch

from attnlab.trace import AttentionTrace, Token


class FakeTrace(AttentionTrace):
    """Random attention: logits ~ N(0, spread^2), softmax over k_pos; causal cells masked when asked."""

    def __init__(self, texts, *, n_layers=2, n_heads=3, causal=False, seed=0, spread=2.0, scores=False):
        self.tokens = tuple(Token(text=t, id=i, special=(i == 0), word=i) for i, t in enumerate(texts))
        self.model = "fake"
        self.n_layers, self.n_heads, self.n_kv_heads = n_layers, n_heads, n_heads
        self.causal, self.temperature = causal, 1.0
        g = torch.Generator().manual_seed(seed)
        n = len(texts)
        logits = torch.randn(n_layers, n_heads, n, n, generator=g) * spread  # [layer, head, q_pos, k_pos]
        if causal:
            logits = logits.masked_fill(~torch.ones(n, n, dtype=torch.bool).tril(), float("-inf"))
        self._logits = logits
        self._maps = logits.softmax(-1)
        self._with_scores = scores

    def _weights(self, layer: int, heads: list[int]) -> torch.Tensor:
        return self._maps[layer, heads]  # [head, q_pos, k_pos]

    def scores(self, layer: int, head: int) -> torch.Tensor | None:
        """The logits when built with scores=True; None otherwise, as a source without scores answers."""
        self.check_layer_head(layer, head)
        return self._logits[layer, head] if self._with_scores else None


INJECTIONS = ("</script><img/src=x/onerror=alert(1)>", '"><svg/onload=alert(1)>')


def words(n: int) -> list[str]:
    """n token texts: Japanese, English, the injection strings, whitespace and repeats."""
    base = ["[CLS]", "東京", "は", "美しい", *INJECTIONS, "the", "the", " ", "café", "&amp;", "<b>x</b>"]
    return [base[i % len(base)] if i < len(base) else f"{base[i % len(base)]}" for i in range(n)]
