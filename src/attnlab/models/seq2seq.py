"""Encoder-decoder models (BART, T5, Marian): a source text, a target, and the three parts of attention.

The input. The source is the text given (`run_text(text, ...)`), tokenized as the model's encoder
reads it. The target is what the decoder reads:

- `target_text` given: the decoder start token followed by the target tokenized as a target
  (`tokenizer(text_target=...)`, its end token included), so every target token is a query row;
  this is the teacher-forced pass a model is trained with, one position further;
- otherwise: generated greedily from the source (`generate` new tokens, default DEFAULT_TARGET,
  fewer when the model ends the target), the start token followed by what was generated
  (`prompt_len` = 1 marks the generated tokens).

Then one forward pass through the model with the capture recording (`models.capture`): the calls
are filed under "encoder", "decoder" and "cross", and become `EncoderDecoderTraces` (`models.parts`).
A model whose attention does not all go through the attention interface gets the same container
from eager `output_attentions` (encoder_attentions, decoder_attentions, cross_attentions).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from ..errors import AttnlabError
from ..progress import notice
from ..trace import Token
from .capture import recording
from .eager import eager_outputs, warn_fallback
from .encode import LONG_FORWARD_TOKENS, LONG_GENERATION, Encoded, encode, encode_target, tokens_of
from .loading import LoadedModel
from .parts import CapturedCross, EncoderDecoderTraces, GivenCross
from .trace import EagerTrace, MaskError, ModelTrace, layer_qkv

DEFAULT_TARGET = 20  # new target tokens generated when no target text is given


@dataclass(frozen=True)
class Seq2SeqInput:
    """What the encoder and the decoder read, as ids and readable tokens."""

    source_ids: list[int]  # the encoder's ids, special tokens included
    target_ids: list[int]  # the decoder's ids: the start token, then the target
    source_tokens: tuple[Token, ...]  # one per source id
    target_tokens: tuple[Token, ...]  # one per target id
    generated: bool  # True: target_ids[1:] were generated from the source
    truncated: int  # source tokens cut from the end (0: none)


def start_token(lm: LoadedModel) -> int:
    """The id the decoder starts from (the generation config's, else the model config's, else padding)."""
    for owner in (getattr(lm.model, "generation_config", None), lm.model.config):
        start = getattr(owner, "decoder_start_token_id", None)
        if isinstance(start, int):
            return start
    pad = getattr(lm.model.config, "pad_token_id", None)
    if isinstance(pad, int):
        return pad
    raise AttnlabError(f"{lm.name}: its config names no decoder start token (decoder_start_token_id or "
                       "pad_token_id), so attnlab cannot tell what its decoder reads first")


def generate_target(lm: LoadedModel, source_ids: list[int], n_new: int) -> list[int]:
    """The start token and up to n_new greedily generated target ids (fewer if the model ends the target)."""
    if not hasattr(lm.model, "generate") or lm.model.get_output_embeddings() is None:
        raise AttnlabError(f"{lm.name}: this model object has no language-model head to generate a target with; "
                           "give the target (--target-text, target_text=)")
    src = torch.tensor([source_ids], device=lm.model.device)  # [batch=1, pos]
    with torch.no_grad():
        out = lm.model.generate(src, attention_mask=torch.ones_like(src), max_new_tokens=n_new, do_sample=False,
                                decoder_start_token_id=start_token(lm), temperature=None, top_p=None, top_k=None)
    return out[0].tolist()


def trace_pair(lm: LoadedModel, given: Seq2SeqInput) -> EncoderDecoderTraces:
    """One forward pass over the source and the target: the three parts of attention."""
    body = lm.model.base_model
    device = lm.model.device
    src = torch.tensor([given.source_ids], device=device)  # [batch=1, source pos]
    dec = torch.tensor([given.target_ids], device=device)  # [batch=1, target pos]
    inputs = {"input_ids": src, "attention_mask": torch.ones_like(src), "decoder_input_ids": dec}
    with torch.no_grad(), recording(body) as rec:
        body(**inputs, use_cache=False)
    parts = {part: rec.ordered(part) for part in ("encoder", "decoder", "cross")}
    expected = _layer_counts(lm.model.config)
    if all(len(parts[p]) == n for p, n in expected.items()):
        try:
            return _captured(lm, given, parts)
        except MaskError as e:
            return _eager(lm, given, inputs, why=f"its attention mask is {e}")
    return _eager(lm, given, inputs, why="attention does not go through transformers' attention interface")


def run_pair(lm: LoadedModel, text: str, *, truncate: bool, generate: int,
              target_text: str | None) -> EncoderDecoderTraces:
    """An encoder-decoder's three parts on `text` and a given or generated target (`models.seq2seq`)."""
    src = encode(lm, text, truncate=truncate)
    start = start_token(lm)
    if target_text is not None:
        tgt = encode_target(lm, target_text)
        target_ids, generated = [start, *tgt.ids], False
        target_tokens = tokens_of(lm, target_ids, Encoded(tgt.text, target_ids, [(0, 0), *tgt.offsets], 0)
                                if tgt.offsets is not None else None)
    else:
        n_new = generate or min(DEFAULT_TARGET, lm.max_tokens - 1)
        with notice(f"generating {n_new} target tokens with {lm.name}", when=n_new >= LONG_GENERATION):
            target_ids, generated = generate_target(lm, src.ids, n_new), True
        target_tokens = tokens_of(lm, target_ids, None, prompt_len=1)
    given = Seq2SeqInput(src.ids, target_ids, tokens_of(lm, src.ids, src), target_tokens, generated, src.cut)
    with notice(f"running {lm.name} on {len(src.ids)} + {len(target_ids)} tokens",
                when=len(src.ids) + len(target_ids) >= LONG_FORWARD_TOKENS):
        pair = trace_pair(lm, given)
    pair.check_finite()
    return pair


def _layer_counts(config: Any) -> dict[str, int]:
    """Layers of each part, from the config (BART: encoder_layers / decoder_layers; T5: num_layers /
    num_decoder_layers)."""
    enc = getattr(config, "encoder_layers", None) or getattr(config, "num_layers", None) or config.num_hidden_layers
    dec = getattr(config, "decoder_layers", None) or getattr(config, "num_decoder_layers", None) or enc
    return {"encoder": int(enc), "decoder": int(dec), "cross": int(dec)}


def _part_fields(lm: LoadedModel, given: Seq2SeqInput, part: str) -> dict[str, Any]:
    """The ModelTrace / EagerTrace fields of the encoder or the decoder part."""
    encoder = part == "encoder"
    tokens = given.source_tokens if encoder else given.target_tokens
    return {"tokens": tokens, "model": f"{lm.name} ({part})", "kind": part, "span": (0, len(tokens)),
            "batch_index": 0, "prompt_len": 1 if given.generated and not encoder else None,
            "truncated": given.truncated if encoder else 0}


def _captured(lm: LoadedModel, given: Seq2SeqInput, parts: dict[str, list]) -> EncoderDecoderTraces:
    traces = {}
    for part in ("encoder", "decoder"):
        layers = parts[part]
        shape = {"n_layers": len(layers), "n_heads": layers[0].q.shape[1], "n_kv_heads": layers[0].k.shape[1]}
        traces[part] = ModelTrace(layers=layers, **shape, **_part_fields(lm, given, part))
    cross = CapturedCross(layers=[layer_qkv(cap, 0, slice(None)) for cap in parts["cross"]],
                          q_tokens=given.target_tokens, k_tokens=given.source_tokens, model=f"{lm.name} (cross)")
    return EncoderDecoderTraces(model=lm.name, encoder=traces["encoder"], decoder=traces["decoder"], cross=cross)


def _eager(lm: LoadedModel, given: Seq2SeqInput, inputs: dict[str, torch.Tensor], *, why: str) -> EncoderDecoderTraces:
    """The fallback: eager output_attentions of all three parts (see models.api for the switch)."""
    warn_fallback(lm, why, stacklevel=4)
    out = eager_outputs(lm, inputs)
    traces = {}
    for part, att in (("encoder", out.encoder_attentions), ("decoder", out.decoder_attentions)):
        shape = {"n_layers": len(att), "n_heads": att[0].shape[1], "n_kv_heads": att[0].shape[1]}
        traces[part] = EagerTrace(attentions=att, **shape, **_part_fields(lm, given, part))
    cross = GivenCross(weights=[a[0].float() for a in out.cross_attentions], q_tokens=given.target_tokens,
                       k_tokens=given.source_tokens, model=f"{lm.name} (cross)")
    return EncoderDecoderTraces(model=lm.name, encoder=traces["encoder"], decoder=traces["decoder"], cross=cross)
