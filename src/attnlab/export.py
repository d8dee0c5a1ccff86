"""Traces to JSON-ready dicts: the one schema of `--format json`, `trace.to_dict()` and the web app.

Every trace shares these keys, with the same names in both forms:

    model        "toy" or the model's name
    tokens       the token texts, one per position (words with `words=True`)
    n_layers, n_heads, n_kv_heads

A toy trace adds its spec and every stage, with design.md's keys (the tutorial's names):

    d_model, heads (= n_heads, the CLI's --heads), d_head, seed, temperature, causal,
    x, W_Q, W_K, W_V, Q, K, V, scores, weights, output   (+ weights_mean with several heads)

With one head the per-head arrays drop their head axis ([q_pos, ...], as in the tutorial); with
several they keep it ([head, q_pos, ...]). A model trace adds the shown head's weights:

    bytes  per token, the exact bytes of a piece that carries part of a character (hex), else null
           (the tokens show such pieces as 猫1/3; see docs/words.md); not with words=True
    layer, head (null: the mean over heads), weights [q_pos][k_pos]   (+ unit: "word" with words=True)

An encoder-decoder's cross-attention head (`cross_to_dict`, `attnlab text --part cross --format json`)
has two token lists, and no `tokens` (which would label only the rows):

    model, part ("cross"), q_tokens (the rows: the decoder's tokens), q_bytes, k_tokens (the columns:
    the encoder's tokens), k_bytes, n_layers (decoder layers), n_heads, layer, head (null: the mean
    over heads), weights [q_pos][k_pos]   (each row sums to 1 over the source tokens)

Masked scores (-inf) are null; floats are the shortest decimals that read back as the same fp32.
"""

from __future__ import annotations

from typing import Any

import torch

from .analysis.words import word_pattern
from .jsonable import tensor_to_list
from .models.parts import EncoderDecoderTraces
from .trace import AttentionTrace


def shape_keys(trace: AttentionTrace) -> dict[str, Any]:
    """The keys every trace's JSON starts with."""
    return {
        "model": trace.model,
        "tokens": trace.token_texts,
        "n_layers": trace.n_layers,
        "n_heads": trace.n_heads,
        "n_kv_heads": trace.n_kv_heads,
    }


def toy_to_dict(trace: AttentionTrace) -> dict[str, Any]:
    """A toy trace's spec and every stage (see the module docstring)."""
    spec, st = trace.spec, trace.stages  # type: ignore[attr-defined]
    squeeze = spec.heads == 1

    def per_head(t: torch.Tensor) -> Any:
        return tensor_to_list(t[0] if squeeze else t)

    out: dict[str, Any] = {
        **shape_keys(trace),
        "d_model": spec.d_model,
        "heads": spec.heads,
        "d_head": spec.d_head,
        "seed": spec.seed,
        "temperature": spec.temperature,
        "causal": spec.causal,
        "x": tensor_to_list(st.x),
        "W_Q": tensor_to_list(st.W_Q),
        "W_K": tensor_to_list(st.W_K),
        "W_V": tensor_to_list(st.W_V),
        "Q": per_head(st.Q),
        "K": per_head(st.K),
        "V": per_head(st.V),
        "scores": per_head(st.scores),
        "weights": per_head(st.weights),
        "output": tensor_to_list(st.output),
    }
    if not squeeze:
        out["weights_mean"] = tensor_to_list(st.weights_mean)
    return out


def head_to_dict(trace: AttentionTrace, layer: int = 0, head: int | None = 0, *, words: bool = False) -> dict[str, Any]:
    """One head's weights [q_pos][k_pos] (or [q_word][k_word]) with the shape keys."""
    out = shape_keys(trace)
    if words:
        w, texts = word_pattern(trace, layer, head)
        out["tokens"] = texts
    else:
        w = trace.pattern(layer, head)
        out = {"model": out.pop("model"), "tokens": out.pop("tokens"),
               "bytes": [t.bytes_hex for t in trace.tokens], **out}
    out.update(layer=layer, head=head, weights=tensor_to_list(w))
    if words:
        out["unit"] = "word"  # tokens are words and weights [q_word][k_word] (see docs/words.md)
    return out


def cross_to_dict(pair: EncoderDecoderTraces, layer: int = 0, head: int | None = 0) -> dict[str, Any]:
    """One cross-attention head's weights [q_pos (target)][k_pos (source)] with both token lists."""
    cross = pair.cross
    w = cross.pattern(layer, head)  # checks layer and head
    return {"model": cross.model, "part": "cross",
            "q_tokens": [tok.text for tok in cross.q_tokens], "q_bytes": [tok.bytes_hex for tok in cross.q_tokens],
            "k_tokens": [tok.text for tok in cross.k_tokens], "k_bytes": [tok.bytes_hex for tok in cross.k_tokens],
            "n_layers": cross.n_layers, "n_heads": cross.n_heads,
            "layer": layer, "head": head, "weights": tensor_to_list(w)}


def trace_to_dict(
    trace: AttentionTrace, layer: int = 0, head: int | None = 0, *, words: bool = False
) -> dict[str, Any]:
    """The JSON form of any trace: a toy's every stage, or a model's chosen head."""
    if trace.stages is not None and not words:
        return toy_to_dict(trace)
    return head_to_dict(trace, layer, head, words=words)
