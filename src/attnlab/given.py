"""Attention computed anywhere else, as a trace: `from_attentions(attentions, tokens)`.

People already hold attention weights: Hugging Face's `output_attentions=True` tuples (per layer
[batch, head, q_pos, k_pos]), arrays saved from another framework, bertviz inputs. `from_attentions`
checks them and makes a `GivenTrace`, a source that keeps only weights: it implements `_weights`,
so the contract's dense defaults give everything else (lse, score tiles, tiles, pooled maps), and
every view, page, notebook display, figure and explanation that needs only weights works on it.
What needs queries, keys or values (the pipeline's bridge, value-weighted attention, the value
readings) raises `NotKeptError` through the contract, saying so.

Accepted: one array per layer (a list or tuple, as Hugging Face returns them) or one array with
layers first; each layer [batch, head, q_pos, k_pos] (`batch_index` picks the item) or
[head, q_pos, k_pos]; numpy arrays, torch tensors (any float dtype, any device) or nested lists.
Refused, each with one line naming the problem: shapes that are not that (or differ between
layers), maps that are not square, token counts that differ from the positions, NaN or infinite
values, negative weights, and rows that do not sum to 1 within `tolerance` (default: 1e-3 for 32-
and 64-bit floats, 1e-2 for 16-bit ones, whose weights are rounded to 8 or 11 bits each).

Encoder-decoder attention (`encoder_attentions`, `decoder_attentions`, `cross_attentions`, as
Hugging Face's seq2seq outputs name them) gives `models.parts.EncoderDecoderTraces`: the encoder
and the decoder as traces, cross-attention beside them (its [target, source] map is not square).
Its page shows all three behind a part switch (html/parts.py), as a model's encoder-decoder does.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from .checks import check_text, describe
from .errors import AttnlabError
from .marks import mark_text
from .models.parts import EncoderDecoderTraces, GivenCross
from .trace import AttentionTrace, Token

WIDE_TOLERANCE = 1e-3  # |row sum - 1| allowed for 32- and 64-bit weights
HALF_TOLERANCE = 1e-2  # ... and for 16-bit ones (bf16 keeps 8 significant bits: each weight within 0.4 %)
_HALF = (torch.float16, torch.bfloat16, np.float16)


class GivenTrace(AttentionTrace):
    """Attention weights computed elsewhere (`from_attentions`); they are all it keeps."""

    def __init__(self, *, weights: list[torch.Tensor], tokens: tuple[Token, ...], model: str, causal: bool) -> None:
        self.weights = weights  # one [head, q_pos, k_pos] fp32 CPU tensor per layer, rows summing to 1
        self.tokens = tokens  # one Token per position
        self.model = model  # what the caller named the source
        self.n_layers, self.n_heads = len(weights), int(weights[0].shape[0])
        self.n_kv_heads = self.n_heads  # weights alone say nothing of shared keys
        self.causal = causal  # every weight above the diagonal is 0 (found, or asserted and checked)
        self.temperature = 1.0

    def _weights(self, layer: int, heads: list[int]) -> torch.Tensor:
        return self.weights[layer][torch.tensor(heads, dtype=torch.long)]

    def _held(self) -> list[torch.Tensor | None]:
        return list(self.weights)


def from_attentions(attentions: Any = None, tokens: Any = None, *, batch_index: int = 0, model: str = "given",
                    causal: bool | None = None, tolerance: float | None = None, encoder_attentions: Any = None,
                    decoder_attentions: Any = None, cross_attentions: Any = None, encoder_tokens: Any = None,
                    decoder_tokens: Any = None) -> GivenTrace | EncoderDecoderTraces:
    """A trace of attention computed elsewhere (see the module docstring for what is accepted).

    Args:
        attentions: self-attention weights, per layer [batch, head, q_pos, k_pos] or [head, q_pos, k_pos].
        tokens: one label per position (strings, or attnlab Tokens).
        batch_index: which item of a batch to read.
        model: a name for the source, shown on pages and in messages.
        causal: whether position q attends only to k <= q; None: found from the weights.
        tolerance: how far from 1 a row may sum (default by dtype, see WIDE_TOLERANCE, HALF_TOLERANCE).
        encoder_attentions, decoder_attentions, cross_attentions, encoder_tokens, decoder_tokens: an
            encoder-decoder's three parts instead of `attentions` and `tokens`.

    >>> trace = from_attentions([[[[1.0, 0.0], [0.5, 0.5]]]], ["a", "b"])
    >>> trace.n_layers, trace.n_heads, trace.causal
    (1, 1, True)
    """
    _check_name(model)
    pair = [encoder_attentions, decoder_attentions, cross_attentions]
    if any(p is not None for p in pair) or encoder_tokens is not None or decoder_tokens is not None:
        if attentions is not None or tokens is not None:
            raise AttnlabError("give either attentions and tokens (self-attention) or the encoder-decoder parts "
                               "(encoder_attentions, decoder_attentions, cross_attentions, encoder_tokens, "
                               "decoder_tokens), not both")
        return _pair(pair, encoder_tokens, decoder_tokens, batch_index, model, tolerance)
    if attentions is None or tokens is None:
        raise AttnlabError("from_attentions needs attentions (per layer [batch, head, q_pos, k_pos]) and tokens")
    labels = token_list(tokens, "tokens")
    weights = layer_weights(attentions, "attentions", batch_index, tolerance, (len(labels), len(labels), "tokens"))
    return GivenTrace(weights=weights, tokens=labels, model=model, causal=_causal(weights, causal, "attentions"))


def _pair(parts: list[Any], encoder_tokens: Any, decoder_tokens: Any, batch_index: int, model: str,
          tolerance: float | None) -> EncoderDecoderTraces:
    names = ("encoder_attentions", "decoder_attentions", "cross_attentions")
    missing = [n for n, p in zip(names, parts, strict=True) if p is None]
    missing += [n for n, t in (("encoder_tokens", encoder_tokens), ("decoder_tokens", decoder_tokens)) if t is None]
    if missing:
        raise AttnlabError(f"an encoder-decoder needs all five parts; missing: {', '.join(missing)}")
    src, tgt = token_list(encoder_tokens, "encoder_tokens"), token_list(decoder_tokens, "decoder_tokens")
    positions = [(len(src), len(src), "encoder_tokens"), (len(tgt), len(tgt), "decoder_tokens"),
                 (len(tgt), len(src), "decoder_tokens and encoder_tokens")]
    enc, dec, cross = (layer_weights(p, n, batch_index, tolerance, pos)
                       for p, n, pos in zip(parts, names, positions, strict=True))
    if len(cross) != len(dec):
        raise AttnlabError(f"cross_attentions has {len(cross)} layers but decoder_attentions {len(dec)}: "
                           "every decoder layer has one cross-attention")
    encoder = GivenTrace(weights=enc, tokens=src, model=f"{model} (encoder)", causal=_causal(enc, False, "encoder"))
    decoder = GivenTrace(weights=dec, tokens=tgt, model=f"{model} (decoder)", causal=_causal(dec, None, "decoder"))
    return EncoderDecoderTraces(model=model, encoder=encoder, decoder=decoder,
                                cross=GivenCross(weights=cross, q_tokens=tgt, k_tokens=src, model=f"{model} (cross)"))


def layer_weights(attentions: Any, what: str, batch_index: int, tolerance: float | None,
                  positions: tuple[int, int, str]) -> list[torch.Tensor]:
    """One checked [head, q_pos, k_pos] fp32 CPU tensor per layer (see the module docstring).

    positions: (rows, columns, the tokens that give them) each layer's map must have.
    """
    layers = _layers(attentions, what)
    shapes = {tuple(a.shape) for a in layers}
    if len(shapes) > 1:
        raise AttnlabError(f"{what}: the layers' shapes differ ({', '.join(str(list(s)) for s in sorted(shapes))}); "
                           "every layer must be [batch, head, q_pos, k_pos] of the same size")
    shape = next(iter(shapes))
    if len(shape) not in (3, 4) or min(shape) < 1:
        raise AttnlabError(f"{what}: each layer must be [batch, head, q_pos, k_pos] or [head, q_pos, k_pos], "
                           f"got {list(shape)}")
    batches = shape[0] if len(shape) == 4 else 1
    if not (_whole(batch_index) and 0 <= batch_index < batches):
        held = f"a batch of {batches} (0..{batches - 1})" if len(shape) == 4 else "one item (no batch axis): 0"
        raise AttnlabError(f"batch_index {batch_index!r} is out of range: {what} holds {held}")
    rows, cols, tokens = positions
    if shape[-2:] != (rows, cols):
        raise AttnlabError(f"{what} is [{shape[-2]} x {shape[-1]}] per head but {tokens} give {rows} x {cols} "
                           "positions: one token per position")
    limit = tolerance if tolerance is not None else (HALF_TOLERANCE if layers[0].dtype in _HALF else WIDE_TOLERANCE)
    out = []
    for i, a in enumerate(layers):
        w = a[batch_index] if len(shape) == 4 else a
        w = torch.as_tensor(np.asarray(w, dtype=np.float32)) if isinstance(w, np.ndarray) else w.detach()
        w = w.to("cpu", torch.float32).contiguous()  # [head, q_pos, k_pos]
        _check_rows(w, f"{what} layer {i}", limit)
        out.append(w)
    return out


def _layers(attentions: Any, what: str) -> list[Any]:
    """The per-layer arrays: a list/tuple of arrays, or one array with layers first."""
    if isinstance(attentions, (torch.Tensor, np.ndarray)):
        if attentions.ndim not in (4, 5):
            raise AttnlabError(f"{what}: one array must be [layer, batch, head, q_pos, k_pos] or "
                               f"[layer, head, q_pos, k_pos], got {list(attentions.shape)}")
        return [attentions[i] for i in range(attentions.shape[0])]
    if isinstance(attentions, (list, tuple)) and attentions:
        layers = [a if isinstance(a, (torch.Tensor, np.ndarray)) else _array(a, what) for a in attentions]
        for a in layers:
            if not (a.dtype.is_floating_point if isinstance(a, torch.Tensor) else np.issubdtype(a.dtype, np.floating)):
                raise AttnlabError(f"{what}: weights must be floating-point numbers, got {a.dtype}")
        return layers
    raise AttnlabError(f"{what} must be a tuple of per-layer arrays (Hugging Face's output_attentions) or one "
                       f"array with layers first, got {describe(attentions)}")


def _array(value: Any, what: str) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise AttnlabError(f"{what}: a layer is neither an array nor nested lists of numbers ({e})") from None
    return array


def _check_rows(w: torch.Tensor, where: str, tolerance: float) -> None:
    """Finite, non-negative weights whose every row sums to 1 within `tolerance`."""
    bad = ~torch.isfinite(w)
    if bool(bad.any()):
        h, q, _ = (int(i) for i in bad.nonzero()[0])
        raise AttnlabError(f"{where} head {h} row {q} holds NaN or inf: attention weights must be finite")
    if bool((w < 0).any()):
        h, q, k = (int(i) for i in (w < 0).nonzero()[0])
        raise AttnlabError(f"{where} head {h} row {q} has a negative weight ({float(w[h, q, k]):.3g} at column {k}): "
                           "give weights after the softmax, not scores")
    off = (w.double().sum(-1) - 1).abs()  # [head, q_pos]
    if bool((off > tolerance).any()):
        h, q = (int(i) for i in (off > tolerance).nonzero()[0])
        raise AttnlabError(f"{where} head {h} row {q} sums to {float(w[h, q].double().sum()):.6g}, not 1 (tolerance "
                           f"{tolerance:g}): give softmax weights, one row per query, or pass tolerance=")


def _causal(weights: list[torch.Tensor], causal: bool | None, what: str) -> bool:
    """Whether every weight above the diagonal is 0; `causal=True` given for weights that are not is refused."""
    n = weights[0].shape[-1]
    above = torch.ones(n, n, dtype=torch.bool).triu(1)
    zero_above = all(not bool(w[:, above].any()) for w in weights)
    if causal is None:
        return zero_above and n > 1
    if causal and not zero_above:
        raise AttnlabError(f"{what}: causal=True, but some query attends to a later position")
    return bool(causal)


def token_list(tokens: Any, what: str) -> tuple[Token, ...]:
    """Tokens from strings (shown as given, spaces marked) or attnlab Tokens."""
    if isinstance(tokens, str) or not isinstance(tokens, Sequence) or not tokens:
        raise AttnlabError(f"{what} must be a list of strings, one per position, got {describe(tokens)}")
    out = []
    for i, t in enumerate(tokens):
        if isinstance(t, Token):
            out.append(t)
        elif isinstance(t, str):
            check_text(t, f"{what}[{i}]")
            out.append(Token(text=mark_text(t)))
        else:
            raise AttnlabError(f"{what}[{i}] must be a string, got {describe(t)}")
    return tuple(out)


def _whole(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _check_name(model: object) -> None:
    if not isinstance(model, str) or not model.strip():
        raise AttnlabError(f"model must be a non-empty name for the source, got {describe(model)}")
