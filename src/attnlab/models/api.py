"""Real text through a real model: tokenize, (generate), forward with capture, return a trace.

`run_text` is what `attnlab text` and notebooks call. Loaded models are kept in a small
process-wide cache, so a notebook that calls `run_text` many times loads each model once.

Threads may call `run_text` / `run_batch` at the same time, on the same model or not: each capture
records into its own context-local recorder (`models.capture`). What is shared is guarded here:
- loading: one at a time (`_loading`), so a model is loaded once and no thread sees half of it (and
  transformers' process-wide logging settings, which a load changes for its duration, come back);
- the tokenizer: one call at a time (`_tokenizing`): a fast tokenizer's truncation setting is state
  of the tokenizer object, and Rust refuses ("Already borrowed") a call while another changes it;
- the eager fallback, which switches the shared model's attention implementation and back, and
  passes through models whose forward rewrites the model (dynamic RoPE): one at a time (`_exclusive`).
"""

from __future__ import annotations

import contextlib
import numbers
import threading
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

import torch

from ..checks import check_text, describe
from ..errors import AttnlabError
from ..progress import notice
from ..trace import Token
from .capture import recording
from .extras import collecting, install
from .generate import greedy_continue
from .loading import LoadedModel, load_model
from .registry import DEFAULT_MODEL, bundled_names
from .steps import MAX_CANDIDATES, Generation, Sampling, check_sampling, decode, resolve_seed
from .tokens import display_tokens
from .trace import EagerTrace, ModelTrace

# From these sizes the work takes seconds on a CPU: say what is running (see attnlab.progress).
LONG_FORWARD_TOKENS = 2048
LONG_GENERATION = 16


class EmptyTextError(AttnlabError):
    """Empty or whitespace-only text."""


class TooLongError(AttnlabError):
    """More tokens than the model accepts, and truncation was not asked for."""


class CaptureFallbackWarning(UserWarning):
    """The model's attention bypassed the attention interface; eager output_attentions was used."""


_loaded: dict[str, LoadedModel] = {}  # name -> loaded model, shared by every call in this process
_loading = threading.Lock()  # held while a model loads (see the module docstring)
_tokenizing = threading.RLock()  # held while a tokenizer runs
_exclusive = threading.Lock()  # held by an eager fallback, and by passes through a self-changing model


def load(model: str) -> LoadedModel:
    """The loaded model (from the process cache when already loaded; loaded once however many ask)."""
    lm = _loaded.get(model)
    if lm is None:
        with _loading:
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
        with _exclusive:
            yield
    else:
        yield


@dataclass(frozen=True)
class Encoded:
    """A text as the model reads it."""

    text: str  # the text given
    ids: list[int]  # token ids, with the model's special tokens
    offsets: list[tuple[int, int]] | None  # character span of each token in `text` (fast tokenizers)
    cut: int  # tokens cut from the end (truncate=True); 0: none


def encode(lm: LoadedModel, text: str, *, truncate: bool = False, reserve: int = 0) -> Encoded:
    """`text` tokenized; too long raises TooLongError unless truncate (reserve: room for generated tokens)."""
    check_text_arg(text, "the text")
    if not text.strip():
        raise EmptyTextError("the text is empty: give a sentence with at least one non-space character")
    limit = lm.max_tokens - reserve
    whole = _encoded(lm, text, {})  # with offsets: no second pass when the text fits
    if len(whole.ids) <= limit:
        return whole
    n = len(whole.ids)
    room_for_text = limit >= lm.tokenizer.num_special_tokens_to_add() + 1
    if reserve and not room_for_text:
        raise TooLongError(
            f"the text is {n} tokens and {reserve} are to be generated, but {lm.name} accepts at most "
            f"{lm.max_tokens} in all: generate fewer tokens (truncating cannot help: no room is left for the text)"
        )
    if not truncate:
        room = f" while generating {reserve}" if reserve else ""
        raise TooLongError(
            f"the text is {n} tokens but {lm.name} accepts at most {limit}{room}; "
            "pass --truncate (truncate=True) to cut the rest" + (", or generate fewer" if reserve else "")
        )
    enc = _encoded(lm, text, {"truncation": True, "max_length": limit})
    return Encoded(text, enc.ids, enc.offsets, n - len(enc.ids))


def _encoded(lm: LoadedModel, text: str, options: dict) -> Encoded:
    fast = getattr(lm.tokenizer, "is_fast", False)
    with _tokenizing:  # the truncation options are set on the shared tokenizer for this call
        out = lm.tokenizer(text, verbose=False, return_offsets_mapping=fast, **options)
    offsets = [tuple(o) for o in out["offset_mapping"]] if fast else None
    return Encoded(text, list(out["input_ids"]), offsets, 0)


def check_text_arg(text: object, what: str) -> None:
    """AttnlabError unless `text` is a str that can be written as UTF-8 (see attnlab.checks.check_text)."""
    if not isinstance(text, str):
        raise AttnlabError(f"{what} must be a string, got {describe(text)}")
    check_text(text, what)


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
        _tokens(lm, ids, src, prompt_len) for ids, src in zip(batch, sources or [None] * len(batch), strict=True)
    ]
    if len(layers) == n_layers:
        shape = {"n_heads": layers[0].q.shape[1], "n_kv_heads": layers[0].k.shape[1]}
        traces: list[ModelTrace | EagerTrace] = [
            ModelTrace(layers=layers, extras=extras, tokens=tok, span=span, batch_index=b, **shape, **common)
            for b, (tok, span) in enumerate(zip(tokens, spans, strict=True))
        ]
    else:
        traces = list(_eager_traces(lm, tokens, inputs, spans, common))
    for trace in traces:
        trace.check_finite()  # NaN weights in a model folder, an fp16 overflow: refused here, never shown
    return traces


def _tokens(
    lm: LoadedModel, ids: Sequence[int], src: Encoded | None, prompt_len: int | None = None
) -> tuple[Token, ...]:
    """Readable tokens; the source text's offsets cover its own tokens (not generated ones after it).

    Generated tokens (from prompt_len on) are each a word of their own: they were produced one at a
    time, so none belongs to the prompt's last word or joins its neighbours.
    """
    with _tokenizing:
        if src is None or src.offsets is None or len(src.offsets) != len(ids):
            tokens = display_tokens(lm.tokenizer, ids)
        else:
            tokens = display_tokens(lm.tokenizer, ids, text=src.text, offsets=src.offsets)
    if prompt_len is None or prompt_len >= len(tokens):
        return tokens
    first = tokens[prompt_len - 1].word + 1 if prompt_len else 0
    return tokens[:prompt_len] + tuple(replace(t, word=first + i) for i, t in enumerate(tokens[prompt_len:]))


def _eager_traces(lm, tokens, inputs, spans, common) -> list[EagerTrace]:
    """Fallback for models whose attention bypasses the attention interface."""
    warnings.warn(
        CaptureFallbackWarning(
            f"{lm.name}: attention does not go through transformers' attention interface; "
            "using eager output_attentions (slower, N x N per layer and head in memory)"
        ),
        stacklevel=3,
    )
    model = lm.model
    with _exclusive:  # one switch at a time, so each puts back the implementation it found
        previous = model.config._attn_implementation
        if model._can_set_attn_implementation():
            model.set_attn_implementation("eager")
        try:
            with torch.no_grad():
                out = model.base_model(**inputs, output_attentions=True, use_cache=False)
        finally:
            if model._can_set_attn_implementation():
                model.set_attn_implementation(previous)
    att = out.attentions  # per layer [batch, head, q_pos, k_pos]
    shape = {
        "n_heads": att[0].shape[1],
        "n_kv_heads": getattr(model.config, "num_key_value_heads", None) or att[0].shape[1],
    }
    return [
        EagerTrace(attentions=att, tokens=tok, span=span, batch_index=b, **shape, **common)
        for b, (tok, span) in enumerate(zip(tokens, spans, strict=True))
    ]


def pad_batch(lm: LoadedModel, batch: Sequence[Sequence[int]]) -> tuple[dict[str, torch.Tensor], list]:
    """Model inputs for a batch of id lists, padded on the tokenizer's side, and each item's (start, stop).

    input_ids, attention_mask, position_ids: [batch, pos]. Position ids count real tokens only, so a
    left-padded text gets the same positions (and RoPE rotations) as when it runs alone.
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
    position_ids = (attention_mask.cumsum(-1) - 1).clamp(min=0)
    inputs = {"input_ids": input_ids, "attention_mask": attention_mask, "position_ids": position_ids}
    return inputs, spans


def run_text(text: str, model: str = DEFAULT_MODEL, *, truncate: bool = False, generate: int = 0,
             streams: bool = False) -> ModelTrace:
    """The attention of `model` on `text`: a trace whose `pattern(layer, head)` gives a head's weights.

    Args:
        text: the sentence (any language the tokenizer knows).
        model: a bundled model's name (`attnlab models`), a local model folder or a hub id.
        truncate: cut text longer than the model accepts instead of raising TooLongError.
        generate: decoders only: continue the text greedily by this many tokens first; the trace
            covers prompt and generated tokens (`trace.prompt_len` marks where generation began),
            each generated row captured while decoding (`generate` gives the steps too).
        streams: also keep the residual stream around each block (`trace.streams`, for `attnlab.flow`).
    """
    check_text_arg(text, "the text")
    _check_flag(truncate, "truncate")
    _check_flag(streams, "streams")
    if isinstance(generate, bool) or not isinstance(generate, numbers.Integral):
        raise AttnlabError(f"generate must be a whole number of new tokens, got {describe(generate)}")
    lm = load(model)
    _check_generate(lm, int(generate))
    enc = encode(lm, text, truncate=truncate, reserve=max(generate, 0))
    ids, prompt_len = enc.ids, None
    if generate and not streams:  # rows captured while decoding (`models.steps`): no second pass
        return _generation(lm, enc, int(generate), Sampling()).trace
    if generate:
        prompt_len = len(ids)
        with notice(f"generating {generate} tokens with {lm.name}", when=generate >= LONG_GENERATION):
            with _pass_of(lm):
                ids = greedy_continue(lm, ids, int(generate))
    with notice(f"running {lm.name} on {len(ids)} tokens", when=len(ids) >= LONG_FORWARD_TOKENS):
        return trace_ids(lm, [ids], prompt_len=prompt_len, truncated=enc.cut, sources=[enc], streams=streams)[0]


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
            names[i] = _tokens(lm, [i], None)[0].text
        return names[i]

    with notice(f"generating {n} tokens with {lm.name}", when=n >= LONG_GENERATION), _pass_of(lm):
        ids, steps, rec, extras = decode(lm, enc.ids, n, sampling, name, top=top, lens=lens)
    layers = rec.assembled()
    n_layers = lm.model.config.num_hidden_layers
    if len(layers) != n_layers:
        raise AttnlabError(f"{lm.name}: its attention does not go through transformers' attention interface, "
                           "so decoding steps cannot be captured; run it without --generate")
    prompt_len = len(enc.ids)
    trace = ModelTrace(layers=layers, extras=replace(extras, streams=False, parts={}),
                       tokens=_tokens(lm, ids, enc, prompt_len), model=lm.name, kind=lm.kind, n_layers=n_layers,
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
    with notice(f"running {lm.name} on {len(encoded)} texts, {n} tokens", when=n >= LONG_FORWARD_TOKENS):
        return trace_ids(lm, [e.ids for e in encoded], sources=encoded)


def _check_flag(value: object, name: str) -> None:
    if not isinstance(value, bool):
        raise AttnlabError(f"{name} must be True or False, got {describe(value)}")


def _check_generate(lm: LoadedModel, generate: int) -> None:
    """Refuse a generation the model cannot take, before any tokenizing (the limit is the model's)."""
    if generate < 0:
        raise AttnlabError(f"--generate {generate}: the number of new tokens must be 0 or more")
    if generate and lm.kind != "decoder":
        decoders = " or ".join(bundled_names("decoder")) or "a decoder"
        raise AttnlabError(f"--generate needs a decoder model; {lm.name} is an encoder (try --model {decoders})")
    if generate >= lm.max_tokens:
        raise TooLongError(
            f"--generate {generate} is more than {lm.name} accepts: at most {lm.max_tokens} tokens in all, "
            f"the text's included, so at most {lm.max_tokens - 1} new ones"
        )
