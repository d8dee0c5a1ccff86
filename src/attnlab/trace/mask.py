"""LayerMask: which keys each query of one layer sees, and what the model adds to its scores.

Models hand their attention the mask in several forms: none at all (an encoder without padding),
"causal" as a flag (SDPA's `is_causal`), a boolean [q_pos, k_pos] tensor (padding, a sliding window),
an additive float tensor (0 where visible, very negative where hidden, or a real bias such as
ALiBi), a per-head position bias (T5), and a soft cap on the scores (Gemma 2). A `LayerMask` holds
them for one layer of one text and applies them in the order the models do:

    s = scale * q . k                  (computed by the caller, `trace.qk`)
    s = softcap * tanh(s / softcap)    (Gemma 2's attn_logit_softcapping, when set)
    s += bias[head]                    (position bias, per head)
    s += additive                      (a float mask or bias; cells <= float32.min / 2 count as hidden)
    s[hidden] = -inf                   (allowed == False, or k_pos > q_pos when causal)

`apply(s, q0, k0)` does this in place on one tile [head, rows, keys] whose first cell is
(q0, k0): the one place the masked score is written. `effective()` reduces a boolean or additive
mask that is just "everything" or just "causal" to the flag (found block by block, no N x N
temporary), so that tiles a causal mask hides entirely are skipped and no tensor is read per tile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import torch

NEG_LARGE = torch.finfo(torch.float32).min / 2  # an additive value at or below this hides the cell


@dataclass(frozen=True, eq=False)
class LayerMask:
    """One layer's mask and score additions for one text (see the module docstring)."""

    causal: bool = False  # hide k_pos > q_pos (square maps: query i is position i)
    allowed: torch.Tensor | None = None  # [q_pos, k_pos] bool, True = may attend
    additive: torch.Tensor | None = None  # [q_pos, k_pos] float added to the scores
    bias: torch.Tensor | None = None  # [head, q_pos, k_pos] float added per head (T5-style position bias)
    softcap: float | None = None  # scores -> softcap * tanh(scores / softcap) first (Gemma 2)
    _rows: int = field(default=1024, repr=False)  # row block for the classification scan

    # what the mask is ------------------------------------------------------------------------

    @cached_property
    def kind(self) -> str:
        """"none" (every key visible, nothing added), "causal" (k_pos <= q_pos, nothing added) or "other"."""
        if self.bias is not None or self.softcap is not None:
            return "other"
        tensor = self.allowed if self.allowed is not None else self.additive
        if tensor is None:
            return "causal" if self.causal else "none"
        full = plain_causal = True
        for lo in range(0, tensor.shape[0], self._rows):
            block = tensor[lo : lo + self._rows]
            if block.dtype != torch.bool:  # additive: 0 where visible, very negative where hidden
                if bool(((block != 0) & (block > NEG_LARGE)).any()):
                    return "other"  # a real bias, not only a mask
                block = block == 0
            if self.causal:
                block = block & _tril(lo, block.shape[0], block.shape[1], block.device)
            full = full and bool(block.all())
            plain_causal = plain_causal and bool(torch.equal(block, _tril(lo, block.shape[0], block.shape[1],
                                                                           block.device)))
            if not (full or plain_causal):
                return "other"
        return "none" if full else "causal"

    def effective(self) -> LayerMask:
        """The same mask in its cheapest form: the causal flag alone, or nothing, when that is all it is."""
        kind = self.kind
        if kind == "other":
            return self
        return _SIMPLE[kind]

    @property
    def hides(self) -> bool:
        """Whether some cell may be hidden (a tile may hold -inf)."""
        return self.causal or self.allowed is not None or self.additive is not None

    # applying it ----------------------------------------------------------------------------

    def apply(self, s: torch.Tensor, q0: int, k0: int, heads: torch.Tensor | None = None) -> torch.Tensor:
        """Apply the mask to scores s [head, rows, keys] of queries q0.. and keys k0.., in place; returns s.

        heads: which heads s holds (indices into the bias), None = all of them in order.
        """
        rows, keys = s.shape[-2], s.shape[-1]
        q1, k1 = q0 + rows, k0 + keys
        if self.softcap is not None:
            s.div_(self.softcap).tanh_().mul_(self.softcap)
        if self.bias is not None:
            b = self.bias if heads is None else self.bias[heads]
            s += b[:, q0:q1, k0:k1].float()
        if self.additive is not None:
            add = self.additive[q0:q1, k0:k1].float()
            s += add
            s.masked_fill_(add <= NEG_LARGE, float("-inf"))
        if self.allowed is not None:
            s.masked_fill_(~self.allowed[q0:q1, k0:k1], float("-inf"))
        if self.causal and k1 - 1 > q0:
            s.masked_fill_(~_tril(q0 - k0, rows, keys, s.device), float("-inf"))
        return s

    def apply_pairs(self, s: torch.Tensor, q_pos: torch.Tensor, k_pos: torch.Tensor) -> torch.Tensor:
        """The same for scores s [head, pairs] of the pairs (q_pos[i], k_pos[i]), in place; returns s."""
        if self.softcap is not None:
            s.div_(self.softcap).tanh_().mul_(self.softcap)
        if self.bias is not None:
            s += self.bias[:, q_pos, k_pos].float()
        if self.additive is not None:
            add = self.additive[q_pos, k_pos].float()
            s += add
            s.masked_fill_(add <= NEG_LARGE, float("-inf"))
        if self.allowed is not None:
            s.masked_fill_(~self.allowed[q_pos, k_pos], float("-inf"))
        if self.causal:
            s.masked_fill_(k_pos > q_pos, float("-inf"))
        return s

    def key_stop(self, q1: int, n: int) -> int:
        """Keys from here on are hidden from every query before q1 (causal: q1; otherwise n)."""
        return min(q1, n) if self.causal else n

    def visible_counts(self, n: int, device: torch.device) -> torch.Tensor:
        """[q_pos] int64: how many keys each query sees."""
        if self.allowed is not None or self.additive is not None:
            counts = torch.zeros(n, dtype=torch.int64, device=device)
            for lo in range(0, n, self._rows):
                hi = min(lo + self._rows, n)
                vis = torch.ones(hi - lo, n, dtype=torch.bool, device=device)
                if self.allowed is not None:
                    vis &= self.allowed[lo:hi]
                if self.additive is not None:
                    vis &= self.additive[lo:hi] > NEG_LARGE
                if self.causal:
                    vis &= _tril(lo, hi - lo, n, device)
                counts[lo:hi] = vis.sum(-1)
            return counts
        if self.causal:
            return torch.arange(1, n + 1, device=device)
        return torch.full((n,), n, dtype=torch.int64, device=device)

    def tensors(self) -> list[torch.Tensor | None]:
        """The tensors it holds (for counting a trace's bytes)."""
        return [self.allowed, self.additive, self.bias]


def _tril(offset: int, rows: int, keys: int, device: torch.device) -> torch.Tensor:
    """[rows, keys] bool: key j (0-based in the block) <= query i + offset (the causal pattern of a block)."""
    q = torch.arange(offset, offset + rows, device=device).unsqueeze(1)
    return torch.arange(keys, device=device).unsqueeze(0) <= q


_SIMPLE = {"none": LayerMask(), "causal": LayerMask(causal=True)}
