"""Real text through a real model: tokenize, (generate), forward with capture, return a trace.

`run_text` is what `attnlab text` and notebooks call. Loaded models are kept in a small
process-wide cache, so a notebook that calls `run_text` many times loads each model once.

Threads may call `run_text` / `run_batch` at the same time, on the same model or not: each capture
records into its own context-local recorder (`models.capture`). What is shared is guarded here:
- loading: one at a time (`_loading`), so a model is loaded once and no thread sees half of it (and
  transformers' process-wide logging settings, which a load changes for its duration, come back);
- the tokenizer: one call at a time (`models.encode.tokenizing`): a fast tokenizer's truncation setting
  is state of the tokenizer object, and Rust refuses ("Already borrowed") a call while another changes it;
- the eager fallback, which switches the shared model's attention implementation and back, and
  passes through models whose forward rewrites the model (dynamic RoPE): one at a time
  (`models.eager.exclusive`);
- a model object the caller holds (`run_text(text, model=obj, tokenizer=tok)`): switched to the
  capture for the call and back, one at a time (`models.held`).

Encoder-decoder models (BART, T5, Marian) go to `models.seq2seq` and give `EncoderDecoderTraces`.
"""

from __future__ import annotations

import contextlib
import numbers
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any

import torch

from ..checks import describe
from ..errors import AttnlabError
from ..i18n import Msg, tr_error
from ..progress import notice
from .capture import PassWatch, recording, watching
from .eager import BYPASSES, CaptureFallbackWarning, eager_outputs, exclusive, warn_fallback
from .encode import (
    EmptyTextError,
    Encoded,
    TooLongError,
    check_text_arg,
    encode,
    tokens_of,
)
from .extras import collecting, install
from .generate import greedy_continue
from .loading import LoadedModel, load_model
from .notes import warn_not_as_written
from .parts import EncoderDecoderTraces
from .registry import DEFAULT_MODEL, bundled_names, model_for
from .seq2seq import run_pair
from .steps import MAX_CANDIDATES, Generation, Sampling, check_sampling, decode, resolve_seed
from .trace import EagerTrace, MaskError, ModelTrace

__all__ = ["CaptureFallbackWarning", "EmptyTextError", "Encoded", "StepsNotCapturedError", "TooLongError",
           "check_text_arg", "encode",
           "first_position", "generate", "is_loaded", "load", "pad_batch", "run_batch", "run_text", "trace_ids"]



_loaded: dict[str, LoadedModel] = {}  # name -> loaded model, shared by every call in this process
_loading = threading.Lock()  # held while a model loads (see the module docstring)


def load(model: str) -> LoadedModel:
    """The loaded model (from the process cache when already loaded; loaded once however many ask)."""
    lm = _loaded.get(model)
    if lm is None:
        with notice(Msg("progress_loading", {"model": model})), _loading:
            lm = _loaded.get(model)  # another thread may have loaded it while this one waited
            if lm is None:
                lm = load_model(model)
                _loaded[model] = lm  # only once complete: no thread sees half a model
    return lm


def is_loaded(model: str) -> bool:
    """True when `model` (as named to `load`) is in this process's cache: the next load is instant."""
    return model in _loaded


def changes_itself(model: torch.nn.Module) -> bool:
    """True when a forward pass rewrites the model, so two at once could mix: dynamic RoPE scaling
    recomputes `inv_freq` for each input length (transformers' `dynamic_rope_update`)."""
    for m in model.modules():
        rope = getattr(m, "rope_type", None)
        kinds = rope.values() if isinstance(rope, dict) else (rope,)
        if any(isinstance(k, str) and ("dynamic" in k or k == "longrope") for k in kinds):
            return True
    return False


@contextlib.contextmanager
def _pass_of(lm: LoadedModel) -> Iterator[None]:
    """Around a forward pass (or a generation): alone when the model changes itself, else free."""
    if changes_itself(lm.model):
        with exclusive:
            yield
    else:
        yield


def trace_ids(
    lm: LoadedModel,
    batch: Sequence[Sequence[int]],
    *,
    prompt_len: int | None = None,
    truncated: int = 0,
    sources: Sequence[Encoded | None] | None = None,
    streams: bool = False,
) -> list[ModelTrace | EagerTrace]:
    """One forward pass over a (padded) batch of id lists; one trace per list.

    sources: the Encoded each list came from (its text and offsets let WordPiece show spaces exactly).
    streams: also keep the residual stream around each block (`trace.streams`: O(layers x N x d_model)).
    """
    if lm.kind == "encoder-decoder":
        raise AttnlabError(f"{lm.name} is an encoder-decoder: run it with run_text(source, target_text=...) "
                           "(one text at a time; it reads a source and a target)")
    inputs, spans = pad_batch(lm, batch)
    body = lm.model.base_model  # the transformer body: no LM head, whose logits the trace does not need
    device = lm.model.device  # a model moved to a GPU (the corpus's Ray actors) gets its inputs there
    inputs = {name: tensor.to(device) for name, tensor in inputs.items()}  # on the CPU: the same tensors
    n_layers = lm.model.config.num_hidden_layers
    install(lm.model)  # the extras' hooks, once per model, before its first pass (`models.extras`)
    with _pass_of(lm), torch.no_grad(), recording(body) as rec, collecting(streams=streams) as extras:
        body(**inputs, use_cache=False)
    layers = rec.ordered()
    common = {
        "model": lm.name,
        "kind": lm.kind,
        "n_layers": n_layers,
        "prompt_len": prompt_len,
        "truncated": truncated,
    }
    tokens = [
        tokens_of(lm, ids, src, prompt_len) for ids, src in zip(batch, sources or [None] * len(batch), strict=True)
    ]
    traces: list[ModelTrace | EagerTrace] = []
    if len(layers) == n_layers:
        shape = {"n_heads": layers[0].q.shape[1], "n_kv_heads": layers[0].k.shape[1]}
        try:
            traces = [ModelTrace(layers=layers, extras=extras, tokens=tok, span=span, batch_index=b, **shape, **common)
                      for b, (tok, span) in enumerate(zip(tokens, spans, strict=True))]
        except MaskError as e:
            why = f"its attention mask is {e}, which attnlab cannot apply from q and k"
            traces = list(_eager_traces(lm, tokens, inputs, spans, common, why=why))
    else:
        traces = list(_eager_traces(lm, tokens, inputs, spans, common))
    for trace in traces:
        trace.check_finite()  # NaN weights in a model folder, an fp16 overflow: refused here, never shown
    return traces


def _eager_traces(lm, tokens, inputs, spans, common, *, why: str = BYPASSES) -> list[EagerTrace]:
    """Fallback for models whose attention bypasses the attention interface (or that the capture
    cannot read: `why`)."""
    warn_fallback(lm, why)
    out = eager_outputs(lm, inputs)
    att = out.attentions  # per layer [batch, head, q_pos, k_pos]
    shape = {
        "n_heads": att[0].shape[1],
        "n_kv_heads": getattr(lm.model.config, "num_key_value_heads", None) or att[0].shape[1],
    }
    return [
        EagerTrace(attentions=att, tokens=tok, span=span, batch_index=b, **shape, **common)
        for b, (tok, span) in enumerate(zip(tokens, spans, strict=True))
    ]


def pad_batch(lm: LoadedModel, batch: Sequence[Sequence[int]]) -> tuple[dict[str, torch.Tensor], list]:
    """Model inputs for a batch of id lists, padded on the tokenizer's side, and each item's (start, stop).

    input_ids, attention_mask: [batch, pos]; position_ids [batch, pos] only when some item is padded on
    the left: they count real tokens only (from the model's first position, `first_position`), so a
    left-padded text gets the same positions (and RoPE rotations) as when it runs alone. Otherwise the
    model numbers positions itself, exactly as when Hugging Face is called on the tokenizer's output.
    """
    tok = lm.tokenizer
    pad_id = tok.pad_token_id if tok.pad_token_id is not None else (tok.eos_token_id or 0)
    width = max(len(ids) for ids in batch)
    left = tok.padding_side == "left"
    input_ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(batch), width), dtype=torch.long)
    spans = []
    for b, ids in enumerate(batch):
        start = width - len(ids) if left else 0
        input_ids[b, start : start + len(ids)] = torch.tensor(list(ids))
        attention_mask[b, start : start + len(ids)] = 1
        spans.append((start, start + len(ids)))
    inputs = {"input_ids": input_ids, "attention_mask": attention_mask}
    if any(start > 0 for start, _ in spans):
        inputs["position_ids"] = (attention_mask.cumsum(-1) - 1).clamp(min=0) + first_position(lm.model)
    return inputs, spans


def first_position(model: torch.nn.Module) -> int:
    """The position id of a text's first token: 0, except in models whose learned position embeddings
    reserve the padding row (RoBERTa, XLM-RoBERTa: positions count from padding_idx + 1)."""
    embeddings = getattr(getattr(model, "base_model", model), "embeddings", None)
    table = getattr(embeddings, "position_embeddings", None)
    if isinstance(table, torch.nn.Embedding) and table.padding_idx is not None:
        return int(table.padding_idx) + 1
    return 0


def run_text(text: str, model: Any = None, *, tokenizer: Any = None, truncate: bool = False,
             generate: int = 0, target_text: str | None = None,
             streams: bool = False) -> ModelTrace | EagerTrace | EncoderDecoderTraces:
    """The attention of `model` on `text`: a trace whose `pattern(layer, head)` gives a head's weights.
    Warns (models.notes.NotAsWrittenWarning) when the model did not read the text as written.

    Args:
        text: the sentence (any language the tokenizer knows); an encoder-decoder's source text.
        model: a bundled model's name (`attnlab models`), a local model folder or a hub id; None: the
            registry's choice for the text (`registry.model_for`: smollm2 for Japanese, else minilm); or
            a transformers model object you already hold (then give `tokenizer` too): it is used as it
            is (dtype, device) and left as it was found (`models.held`).
        tokenizer: the tokenizer of a model object.
        truncate: cut text longer than the model accepts instead of raising TooLongError.
        generate: decoders: continue the text greedily by this many tokens first; the trace covers
            prompt and generated tokens (`trace.prompt_len` marks where generation began), each
            generated row captured while decoding (`attnlab.generate` gives the steps too).
            Encoder-decoders without `target_text`: the target's length (default 20, `models.seq2seq`).
        target_text: encoder-decoders only: the target the decoder reads.
        streams: also keep the residual stream around each block (`trace.streams`, for `attnlab.flow`).

    Returns:
        A trace; for an encoder-decoder model, `EncoderDecoderTraces` (encoder, decoder, cross).
    """
    check_text_arg(text, "the text")
    _check_flag(truncate, "truncate")
    _check_flag(streams, "streams")
    if isinstance(generate, bool) or not isinstance(generate, numbers.Integral):
        raise AttnlabError(f"generate must be a whole number of new tokens, got {describe(generate)}")
    if target_text is not None:
        check_text_arg(target_text, "the target text")
    with _model(model_for(text) if model is None else model, tokenizer) as lm:
        _check_generate(lm, int(generate))
        if lm.kind == "encoder-decoder":
            return run_pair(lm, text, truncate=truncate, generate=int(generate), target_text=target_text)
        if target_text is not None:
            raise AttnlabError(f"a target text needs an encoder-decoder model (BART, T5, Marian); {lm.name} is an "
                               f"{lm.kind}")
        enc = encode(lm, text, truncate=truncate, reserve=max(generate, 0))
        ids, prompt_len = enc.ids, None
        if generate and not streams:  # rows captured while decoding (`models.steps`): no second pass
            try:
                trace = _generation(lm, enc, int(generate), Sampling()).trace
            except StepsNotCapturedError:
                pass  # a model whose attention bypasses the interface: generate, then one pass (eager fallback)
            else:
                warn_not_as_written(trace, text)
                return trace
        if generate:
            prompt_len = len(ids)
            made = [0]  # tokens generated so far, counted by the generation's streamer
            with notice(Msg("progress_generating", {"model": lm.name, "n": generate}),
                        count=lambda: Msg("progress_tokens", {"done": made[0], "total": generate})):
                with _pass_of(lm):
                    ids = greedy_continue(lm, ids, int(generate), on_tokens=lambda n: made.__setitem__(0, made[0] + n))
        with watching() as watch, notice(Msg("progress_running", {"model": lm.name, "n": len(ids)}),
                                         count=_layers_count(lm, watch)):
            trace = trace_ids(lm, [ids], prompt_len=prompt_len, truncated=enc.cut, sources=[enc], streams=streams)[0]
    warn_not_as_written(trace, text)
    return trace


class StepsNotCapturedError(AttnlabError):
    """A model whose attention does not go through transformers' attention interface while decoding."""


@contextlib.contextmanager
def _model(model: Any, tokenizer: Any) -> Iterator[LoadedModel]:
    """The loaded model a name stands for, or a model object held for the block (`models.held`)."""
    if isinstance(model, str):
        if tokenizer is not None:
            raise AttnlabError(f"tokenizer= goes with a model object; {model!r} is a name, whose own tokenizer is used")
        yield load(model)
        return
    from .held import holding

    with holding(model, tokenizer) as lm:
        yield lm


def generate(prompt: str, model: str | None = None, n: int = 20, *, temperature: float = 0.0,
             top_k: int | None = None, seed: int | None = None, top: int = 5, lens: bool = False,
             truncate: bool = False) -> Generation:
    """`prompt` continued by up to n tokens, one at a time with the KV cache (`models.steps`).

    Every step's attention row, in every layer and head, is captured while decoding (no re-run):
    `result.trace` covers prompt and generated tokens. `result.steps` holds, per new token, the
    model's top-`top` next-token probabilities with the chosen token, and with `lens=True` the top
    tokens of each layer's output (logit lens). Greedy by default; temperature > 0 samples (among the
    top_k most probable when given) with a private generator seeded with `seed` (chosen and reported
    in `result.sampling` when not given), so the same settings give the same tokens.
    """
    model = bundled_names("decoder")[0] if model is None else model
    check_text_arg(prompt, "the prompt")
    sampling = check_sampling(temperature, top_k, seed)
    _check_flag(lens, "lens")
    _check_flag(truncate, "truncate")
    for name, value, most in (("n", n, None), ("top", top, MAX_CANDIDATES)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1 or value > (most or value):
            limit = f"1..{most}" if most else "1 or more"
            raise AttnlabError(f"{name} must be a whole number in {limit}, got {describe(value)}")
    lm = load(model)
    _check_generate(lm, int(n))
    enc = encode(lm, prompt, truncate=truncate, reserve=int(n))
    return _generation(lm, enc, int(n), resolve_seed(sampling), top=int(top), lens=lens)


def _generation(lm: LoadedModel, enc: Encoded, n: int, sampling: Sampling, *, top: int = 5,
                lens: bool = False) -> Generation:
    """Decode n tokens after enc's ids, capturing every row; the trace of the whole sequence and the steps."""
    names: dict[int, str] = {}

    def name(i: int) -> str:
        if i not in names:
            names[i] = tokens_of(lm, [i], None)[0].text
        return names[i]

    with notice(Msg("progress_generating", {"model": lm.name, "n": n})), _pass_of(lm):
        ids, steps, rec, extras = decode(lm, enc.ids, n, sampling, name, top=top, lens=lens)
    layers = rec.assembled()
    n_layers = lm.model.config.num_hidden_layers
    if len(layers) != n_layers:
        raise StepsNotCapturedError(f"{lm.name}: its attention does not go through transformers' attention interface, "
                           "so decoding steps cannot be captured; run it without --generate")
    prompt_len = len(enc.ids)
    trace = ModelTrace(layers=layers, extras=replace(extras, streams=False, parts={}),
                       tokens=tokens_of(lm, ids, enc, prompt_len), model=lm.name, kind=lm.kind, n_layers=n_layers,
                       n_heads=layers[0].q.shape[1], n_kv_heads=layers[0].k.shape[1], span=(0, len(ids)),
                       batch_index=0, prompt_len=prompt_len, truncated=enc.cut)
    trace.check_finite()
    return Generation(trace=trace, steps=tuple(steps), sampling=sampling, prompt_len=prompt_len)


def run_batch(texts: Sequence[str], model: str = DEFAULT_MODEL, *, truncate: bool = False) -> list[ModelTrace]:
    """Several texts in one padded forward pass; one trace per text (padding excluded)."""
    if isinstance(texts, str) or not isinstance(texts, Sequence):
        raise AttnlabError(
            f"texts must be a list of strings, got {describe(texts)}: for one text use run_text(text)"
        )
    for i, t in enumerate(texts):
        check_text_arg(t, f"texts[{i}]")
    _check_flag(truncate, "truncate")
    lm = load(model)
    encoded = [encode(lm, t, truncate=truncate) for t in texts]
    n = sum(len(e.ids) for e in encoded)
    with watching() as watch, notice(Msg("progress_running_batch", {"model": lm.name, "texts": len(encoded), "n": n}),
                                     count=_layers_count(lm, watch)):
        return trace_ids(lm, [e.ids for e in encoded], sources=encoded)


def _layers_count(lm: LoadedModel, watch: PassWatch) -> Callable[[], Msg]:
    """A progress count of the pass `watch` follows: attention layers recorded / the model's layers
    (the most seen: the watch reads 0 again once the pass has ended)."""
    total = lm.model.config.num_hidden_layers
    seen = [0]

    def count() -> Msg:
        seen[0] = max(seen[0], min(watch.layers_done, total))
        return Msg("progress_layers", {"done": seen[0], "total": total})

    return count


def _check_flag(value: object, name: str) -> None:
    if not isinstance(value, bool):
        raise AttnlabError(f"{name} must be True or False, got {describe(value)}")


def _check_generate(lm: LoadedModel, generate: int) -> None:
    """Refuse a generation the model cannot take, before any tokenizing (the limit is the model's)."""
    if generate < 0:
        raise tr_error(AttnlabError, "err_generate_negative", n=generate)
    if generate and lm.kind == "encoder":  # decoders continue the text; encoder-decoders generate a target
        decoders = " or ".join(bundled_names("decoder")) or "a decoder"
        raise tr_error(AttnlabError, "err_generate_encoder", model=lm.name, decoders=decoders)
    if generate >= lm.max_tokens:
        raise tr_error(TooLongError, "err_generate_too_many", n=generate, model=lm.name, limit=lm.max_tokens,
                       most=lm.max_tokens - 1)
