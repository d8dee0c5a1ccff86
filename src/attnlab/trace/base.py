"""AttentionTrace: the contract every source implements and every analysis, view and surface uses.

A trace knows its tokens, its model, its shape (n_layers, n_heads, n_kv_heads), whether it is
causal, and gives attention on demand. For every trace:

    head_weights(layer, heads=None)  [head, q_pos, k_pos]   every (or the listed) head's weights
    pattern(layer, head)             [q_pos, k_pos]         one head's weights; head=None: their mean
    scores(layer, head)              [q_pos, k_pos] | None  pre-softmax scores (hidden cells -inf)
    stages                           ToyStages | None       every stage of the toy computation
    row_stats()                      RowStats               per-row statistics of every layer and head

and the access long inputs need, without any N x N map (a source that keeps q and k streams it,
`trace.qk.QKTrace`; every other trace gets the dense defaults written here, read off its weights):

    lse(layer)                        [head, q_pos]       log-sum-exp of each row's logits
    score_tiles(layer, ...)           ScoreTile...        the logits, a [head, rows, keys] tile at a time
    pair_scores(layer, q_pos, k_pos)  [head, pairs]       the logits of chosen cells (diagonals, a column)
    row_scores(layer, q_pos, keys)    [head, rows, keys]  the logits of chosen whole rows
    visible_keys(layer)               [q_pos]             how many keys each query sees
    tile(layer, head, rows, cols)     (weights, scores)   one head's rectangle, [rows, cols] each
    pooled(layer, head, cell, ...)    [rows / cell, cols / cell]  max or mean weight of cell x cell blocks
    nbytes                            int                 memory the trace keeps alive
    qkv(layer)                        QKV                 q, k, v and the score scale (NotKeptError if not kept)
    output_projection(layer)          [d_model, head * d_head]  W_O (NotKeptError if not kept)
    rotary(layer)                     Rotary | None       RoPE's cos / sin, to un-rotate q and k (None: no RoPE known)
    score_additions(layer)            tuple[str, ...]     what is applied to scale * q . k before the softmax
    streams(layer)                    Streams             the residual stream around the layer's blocks (NotKeptError
                                                          unless the source was asked to keep it; `trace.extras`)

"Logits" are what the softmax takes: the scores after the temperature (a toy's scores / T; a real
model's scores), or, for a source that keeps only weights, their logarithm. So for every trace
weight = exp(logit - lse[q]), hidden cells are -inf, and sums over rows are one pass over the tiles
(`trace.rows`). Derived values (lse, row sums) live in the trace's `memo`.

Weights are fp32 and each row sums to 1 (hidden cells are 0). Every out-of-range layer or head
raises `LayerHeadError`. Axis names follow design.md: layer, head, q_pos (the attending token),
k_pos (the attended token), d_model, d_head.

Presentations (the printout of `print(trace)`, the notebook page, the JSON dict) belong to higher
layers. This module imports none of them: `_PRESENTERS` names them by import path and `present`
imports one only when a trace is asked to print or display itself.
"""

from __future__ import annotations

import importlib
import numbers
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

import torch

from ..errors import AttnlabError, LayerHeadError, NonFiniteError, NotKeptError
from ..i18n import tr_error
from ..rowstats import RowStats, full_row_stats
from .extras import Rotary, Streams
from .memo import Memo, storage_bytes
from .pool import POOL_MODES, cell_counts, pool_block
from .token import Token, unique_labels


class ScoreTile(NamedTuple):
    """One tile of a layer's logits, as `AttentionTrace.score_tiles` yields it."""

    q0: int  # first query row of the tile
    k0: int  # first key column
    scores: torch.Tensor  # [head, rows, keys] fp32 logits (minus the given per-row values); hidden: -inf
    partial: bool  # some cell may be hidden (-inf)


class QKV(NamedTuple):
    """What one layer's attention computed with: weights = softmax(scale * q . k / temperature + mask)."""

    q: torch.Tensor  # [head, q_pos, d_head] queries (post-RoPE for decoders)
    k: torch.Tensor  # [kv_head, k_pos, d_head] keys (query head h reads kv head h // (head / kv_head))
    v: torch.Tensor  # [kv_head, k_pos, d_head] values
    scale: float  # scores = scale * q . k (usually 1 / sqrt(d_head))


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


def non_finite_message(model: str, layer: int, head: int, what: str) -> str:
    """What to say when a trace holds NaN or inf: where, and the two usual causes."""
    return (f"{model}: layer {layer} head {head}: the {what} hold NaN or inf, so no result is shown. "
            "Usual causes: the model's weights contain NaN or inf (check the model folder, or run "
            "`attnlab models --verify` for a bundled model), or its dtype overflowed (fp16 / bf16: load it in "
            "float32)")


_MEMO_LOCK = threading.Lock()  # creates each trace's memo once, whichever thread asks first


class AttentionTrace(ABC):
    """The common face of every source's trace (see the module docstring for the contract)."""

    tokens: tuple[Token, ...]  # one per position
    model: str  # "toy" or the model's name
    n_layers: int  # attention layers
    n_heads: int  # query heads per layer
    n_kv_heads: int  # key/value heads per layer (< n_heads: grouped-query attention)
    causal: bool  # True: position q attends only to k <= q
    temperature: float  # softmax temperature (1 for real models)
    stages: Any = None  # the toy's every stage (`toy.ToyStages`); None for sources without them
    prompt_len: int | None = None  # tokens from here on were generated (decoders); None: none were
    keeps_qkv: bool = False  # qkv(layer) answers (else NotKeptError)
    keeps_values: bool = False  # qkv(layer).v and output_projection(layer) both answer (value-weighted views)
    keeps_streams: bool = False  # streams(layer) answers (information-flow routes)

    @property
    def memo(self) -> Memo:
        """This trace's cache of derived values (`trace.memo`), made on first use."""
        memo = self.__dict__.get("_memo")
        if memo is None:
            with _MEMO_LOCK:
                memo = self.__dict__.setdefault("_memo", Memo())
        return memo

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
        return self.dense_row_stats()

    def dense_row_stats(self) -> RowStats:
        """The row statistics from the full weights, one layer at a time: exact for every mask the weights
        carry, and the reference the streamed statistics are tested against."""
        return RowStats.stack([full_row_stats(self.head_weights(layer)) for layer in range(self.n_layers)])

    def check_layer_head(self, layer: int, head: int | None) -> None:
        """Raise LayerHeadError naming the valid range when layer or head is out of range."""
        if not _index_in(layer, self.n_layers):
            raise tr_error(LayerHeadError, "err_layer_range", fix="fix_layer", layer=repr(layer),
                           last=self.n_layers - 1)
        if head is not None and not _index_in(head, self.n_heads):
            raise tr_error(LayerHeadError, "err_head_range", fix="fix_head", head=repr(head), last=self.n_heads - 1)

    # long inputs: dense defaults, read off the weights (QKTrace streams them from q and k) ------

    def _dense_logits(self, layer: int) -> torch.Tensor:
        """[head, q_pos, k_pos] fp32 logits: the scores / temperature where the trace has scores, else
        log(weights) (hidden cells -inf either way)."""
        scores = [self.scores(layer, h) for h in range(self.n_heads)]
        if all(s is not None for s in scores):
            return torch.stack(scores).float() / self.temperature  # type: ignore[arg-type]
        return self.head_weights(layer).float().log()

    def lse(self, layer: int) -> torch.Tensor:
        """[head, q_pos] fp32 log-sum-exp of each row's logits, so that weight = exp(logit - lse)."""
        self.check_layer_head(layer, None)
        return self.memo.get(("lse", layer), lambda: torch.logsumexp(self._dense_logits(layer), dim=-1))

    def score_tiles(self, layer: int, *, rows: int = 128, keys: int = 256, minus: torch.Tensor | None = None,
                    q_stop: int | None = None) -> Iterator[ScoreTile]:
        """Yield the layer's logits tile by tile over the [q_pos, k_pos] plane, `rows` x `keys` at a time,
        minus `minus[head, q_pos]` per row when given (minus=lse gives log-weights); rows from `q_stop`
        on are left out. Tiles every query of which is hidden from every key may be skipped."""
        self.check_layer_head(layer, None)
        logits = self._dense_logits(layer)
        if minus is not None:
            logits = logits - minus.to(logits.device).unsqueeze(-1)
        n = self.n_tokens
        stop = n if q_stop is None else min(q_stop, n)
        for q0 in range(0, stop, rows):
            q1 = min(q0 + rows, stop)
            for k0 in range(0, n, keys):
                yield ScoreTile(q0, k0, logits[:, q0:q1, k0 : k0 + keys].clone(), True)

    def pair_scores(self, layer: int, q_pos: torch.Tensor, k_pos: torch.Tensor) -> torch.Tensor:
        """[head, pairs] fp32 logits of the cells (q_pos[i], k_pos[i]) (hidden: -inf). With `lse`:
        weight = exp(pair_scores - lse[:, q_pos]): a diagonal or a column without the N x N map."""
        self.check_layer_head(layer, None)
        return self._dense_logits(layer)[:, q_pos, k_pos]

    def row_scores(self, layer: int, q_pos: torch.Tensor, keys: int | None = None) -> torch.Tensor:
        """[head, len(q_pos), keys] fp32 logits of whole rows (of keys 0..keys-1, default all; hidden: -inf),
        for rows scattered over the map (the why view's row, the flow graph's nodes)."""
        self.check_layer_head(layer, None)
        return self._dense_logits(layer)[:, q_pos, : self.n_tokens if keys is None else keys]

    def visible_keys(self, layer: int) -> torch.Tensor:
        """[q_pos] int64: how many keys each query may see (causal: q + 1; otherwise N)."""
        self.check_layer_head(layer, None)
        n = self.n_tokens
        return torch.arange(1, n + 1) if self.causal else torch.full((n,), n, dtype=torch.int64)

    def mask_kind(self, layer: int) -> str:
        """"none" or "causal" when the layer's logits are exactly scale * q . k from `qkv(layer)`, with
        nothing added and at most the causal mask (a kernel may then compute them itself); "other" otherwise,
        and for every source that keeps only weights (masks, biases, soft caps, temperatures)."""
        self.check_layer_head(layer, None)
        return "other"

    def tile(self, layer: int, head: int, rows: tuple[int, int],
             cols: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
        """(weights, scores), each [rows, cols] fp32 on the CPU, of one head's q_pos rows[0]..rows[1]-1 and
        k_pos cols[0]..cols[1]-1. Scores are -inf where hidden and NaN where the trace keeps none."""
        self._check_rect(layer, head, rows, cols)
        (r0, r1), (c0, c1) = rows, cols
        w = self.pattern(layer, head)[r0:r1, c0:c1].float().cpu()
        s = self.scores(layer, head)
        return w, (torch.full_like(w, float("nan")) if s is None else s[r0:r1, c0:c1].float().cpu())

    def _weight_rect(self, layer: int, head: int, rows: tuple[int, int], cols: tuple[int, int]) -> torch.Tensor:
        """[rows, cols] fp32 weights of one head (checked): what `pooled` reduces."""
        (r0, r1), (c0, c1) = rows, cols
        return self.pattern(layer, head)[r0:r1, c0:c1].float()

    def _key_stop(self, layer: int, q1: int) -> int:
        """Keys from here on are hidden from every query before q1 (the causal mask: q1)."""
        return min(q1, self.n_tokens) if self.causal else self.n_tokens

    def pooled(self, layer: int, head: int, cell: int, rows: tuple[int, int] | None = None,
               cols: tuple[int, int] | None = None, mode: str = "max", q_block: int = 512) -> torch.Tensor:
        """[ceil(rows / cell), ceil(cols / cell)] fp32 on the CPU: the max (or mean) weight of each
        cell x cell block of one head over the given q_pos and k_pos ranges (default: all), a block of
        rows at a time. A mean at the edge counts only the cells that exist; hidden cells count as 0.

        Max is the default because a sparse pattern (one key per row: a previous-token diagonal) keeps
        its full value under max and fades to 1 / cell under a mean.
        """
        if mode not in POOL_MODES:
            raise AttnlabError(f"pooling {mode!r} is not available: choose one of {', '.join(POOL_MODES)}")
        if not isinstance(cell, int) or isinstance(cell, bool) or cell < 1:
            raise AttnlabError(f"cell must be a positive integer, got {cell!r}")
        n = self.n_tokens
        (r0, r1), (c0, c1) = rows or (0, n), cols or (0, n)
        self._check_rect(layer, head, (r0, r1), (c0, c1))
        cell = min(cell, max(r1 - r0, c1 - c0))  # a cell larger than the range pools it whole, the same
        out = torch.zeros(-(-(r1 - r0) // cell), -(-(c1 - c0) // cell))
        step = max(cell, (q_block // cell) * cell)  # whole cells per block of rows
        for lo in range(r0, r1, step):
            hi = min(lo + step, r1)
            last = min(c1, self._key_stop(layer, hi))  # later keys: hidden from every row of the block (0)
            if last <= c0:
                continue
            block = pool_block(self._weight_rect(layer, head, (lo, hi), (c0, last)), cell, mode).cpu()
            i = (lo - r0) // cell
            out[i : i + block.shape[0], : block.shape[1]] = block
        if mode == "mean":
            out /= cell_counts(r0, r1, c0, c1, cell)
        return out

    def _check_rect(self, layer: int, head: int, rows: tuple[int, int], cols: tuple[int, int]) -> None:
        self.check_layer_head(layer, head)
        if head is None:
            raise LayerHeadError("a tile shows one head at a time: give a head number")
        n = self.n_tokens
        for name, (lo, hi) in (("q_pos", rows), ("k_pos", cols)):
            if not (_index_in(lo, n) and isinstance(hi, numbers.Integral) and lo < hi <= n):
                raise AttnlabError(f"{name} range {lo}..{hi} is outside 0..{n} (or empty)")

    @property
    def nbytes(self) -> int:
        """Bytes of the tensors this trace keeps alive, its memo's included (each storage counted once)."""
        return storage_bytes([*self._held(), *self.memo.tensors()])

    def _held(self) -> list[torch.Tensor | None]:
        """The tensors the source keeps (stages, weights, q/k/v...), for `nbytes`."""
        if self.stages is None:
            return []
        return [getattr(self.stages, name) for name in self.stages.__dataclass_fields__]

    def qkv(self, layer: int) -> QKV:
        """q, k, v of one layer and the score scale; NotKeptError for a source that keeps none."""
        self.check_layer_head(layer, None)
        raise NotKeptError(f"{self.model}: this {type(self).__name__} keeps no queries, keys or values "
                           "(only weights), so this needs a trace captured from the model")

    def output_projection(self, layer: int) -> torch.Tensor:
        """[d_model, head * d_head] W_O of this layer (head h: columns h*d_head .. (h+1)*d_head)."""
        self.check_layer_head(layer, None)
        raise NotKeptError(f"{self.model}: this {type(self).__name__} keeps no output projection")

    def rotary(self, layer: int) -> Rotary | None:
        """The rotary embedding applied to this layer's q and k; None where none is known (no RoPE, or a
        source that keeps no q and k)."""
        self.check_layer_head(layer, None)
        return None

    def score_additions(self, layer: int) -> tuple[str, ...]:
        """What the source applies to scale * q . k before the softmax, besides hiding cells, in order:
        "softcap", "bias" (a per-head position bias), "additive" (a float mask or bias). () for none."""
        self.check_layer_head(layer, None)
        return ()

    def streams(self, layer: int) -> Streams:
        """The residual stream around this layer's attention and feed-forward blocks (`trace.extras`)."""
        self.check_layer_head(layer, None)
        raise NotKeptError(f"{self.model}: this {type(self).__name__} keeps no residual stream: capture the "
                           "model with streams=True (run_text(..., streams=True))")

    def check_finite(self) -> None:
        """Raise NonFiniteError naming the first layer and head whose weights hold NaN or inf, and the
        likely cause. Sources call it before returning a trace, so nothing downstream shows such a number.
        This default reads every layer's weights (a dense source holds them anyway)."""
        for layer in range(self.n_layers):
            w = self.head_weights(layer)
            bad = ~torch.isfinite(w)
            if bool(bad.any()):
                head = int(bad.flatten(1).any(1).nonzero()[0])
                raise NonFiniteError(non_finite_message(self.model, layer, head, "attention weights"))

    # presentation ---------------------------------------------------------------------------

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(model={self.model!r}, tokens={self.n_tokens}, layers={self.n_layers}, "
                f"heads={self.n_heads}, kv_heads={self.n_kv_heads}, causal={self.causal})")

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
