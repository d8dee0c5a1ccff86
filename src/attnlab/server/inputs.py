"""Request bodies: JSON types checked before the library sees them, named as the CLI's options.

The library checks meanings (d_model divisible by heads, a layer out of range, text too long) and
its messages are the CLI's; this module only refuses what JSON can send but argparse never would
(a string for a number, true for an integer, an unknown field), in the library's own wording
("heads must be an integer, got 'two'"), as `ServerError`s (in the request's language). What JSON
itself may hold (integer digits, nesting, lone surrogates) `jsonbody.parse_body` checks first. The
JSON schemas here are what /openapi.json documents.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from typing import Any

from ..analysis.effects_names import METHODS
from ..models.registry import BUNDLED, DEFAULT_MODEL, JAPANESE_MODEL, model_for
from ..toy.options import OPTION_NAMES
from .messages import ServerError, brief

MAX_GENERATE = 256  # tokens a request may ask a decoder to add (the CLI has no cap; a server must)
MAX_TOP_K = 2**20  # top-k a request may name (any vocabulary is smaller: k past it samples from all)
SEED_SPAN = 2**32  # a generation's seeds: 0 .. 2^32 - 1 (models.steps.SEED_RANGE, as `attnlab text --seed`)
SEED_RANGE = (-(2**63), 2**64 - 1)  # what torch.Generator.manual_seed accepts

TOY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "tokens": {"description": "a list of strings, or one string split on whitespace (at most 256)",
                   "anyOf": [{"type": "string"},
                             {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 256}]},
        "d_model": {"type": "integer", "minimum": 1, "maximum": 512, "description": "width of x and Q, K, V"},
        "heads": {"type": "integer", "minimum": 1, "maximum": 16, "description": "must divide d_model"},
        "seed": {"type": ["integer", "null"], "description": "seed of W_Q, W_K, W_V (default 42)"},
        "temperature": {"type": "number", "exclusiveMinimum": 0, "description": "softmax(scores / T)"},
        "causal": {"type": "boolean", "description": "mask future tokens"},
        "x": {"type": "array", "description": "rows of numbers, one per token, d_model wide",
              "minItems": 1, "maxItems": 256,
              "items": {"type": "array", "items": {"type": "number"}, "minItems": 1, "maxItems": 512}},
    },
}
TEXT_FIELDS = ("text", "model", "layer", "head", "generate", "words", "truncate", "temperature", "top_k", "seed")
TEXT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["text"],
    "properties": {
        "text": {"type": "string", "description": "the sentence"},
        "model": {"type": "string", "description": f"a name from /api/models (default: {JAPANESE_MODEL} for text "
                                                  f"with Japanese, else {DEFAULT_MODEL})"},
        "layer": {"type": "integer", "minimum": 0, "description": "layer whose head is returned (default 0)"},
        "head": {"type": "integer", "minimum": 0, "description": "head returned (default 0)"},
        "generate": {"type": "integer", "minimum": 0, "maximum": MAX_GENERATE,
                     "description": "decoders: greedily add this many tokens"},
        "words": {"type": "boolean", "description": "aggregate to words"},
        "truncate": {"type": "boolean", "description": "cut text longer than the model accepts"},
        "temperature": {"type": "number", "minimum": 0, "description": "with generate: 0 greedy (default); above 0 "
                        "sample from softmax(logits / T) (as `attnlab text --temperature`)"},
        "top_k": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_TOP_K,
                  "description": "sampling: among the k most probable tokens"},
        "seed": {"type": ["integer", "null"], "minimum": 0, "maximum": SEED_SPAN - 1,
                 "description": "sampling: the seed (none: the server chooses one and keeps it in the trace's inputs)"},
    },
}


def _unknown(body: dict, names: tuple[str, ...], what: str) -> None:
    unknown = sorted(set(body) - set(names))
    if unknown:
        raise ServerError("srv_unknown_option", what=what, name=brief(unknown[0]), names=", ".join(names))


def _int(name: str, v: Any, lo: int | None = None, hi: int | None = None) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise ServerError("srv_int", name=name, given=brief(v))
    if lo is not None and hi is None and v < lo:
        raise ServerError("srv_int_min", name=name, lo=lo, given=v)
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise ServerError("srv_int_range", name=name, lo=lo, hi=hi, given=v)
    return v


def _bool(name: str, v: Any) -> bool:
    if not isinstance(v, bool):
        raise ServerError("srv_bool", name=name, given=brief(v))
    return v


def _number(name: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(float(v)):
        raise ServerError("srv_number", name=name, given=brief(v))
    return float(v)


def toy_options(body: dict[str, Any]) -> dict[str, Any]:
    """Options for `toy.options.toy_spec`, with JSON types checked."""
    _unknown(body, OPTION_NAMES, "toy")
    out = dict(body)
    for name in ("d_model", "heads"):
        if out.get(name) is not None:
            _int(name, out[name])
    if out.get("seed") is not None:
        _int("seed", out["seed"], *SEED_RANGE)
    if "temperature" in out:
        out["temperature"] = _number("temperature", out["temperature"])
    if "causal" in out:
        _bool("causal", out["causal"])
    x = out.get("x")
    if isinstance(x, list):
        for i, row in enumerate(x):
            for j, v in enumerate(row if isinstance(row, list) else []):
                _number(f"x[{i}][{j}]", v)
    return out


@dataclass(frozen=True)
class TextRequest:
    """A text to capture and the head to answer with (the CLI's `attnlab text` options)."""

    text: str  # the sentence
    model: str  # a name the server offers
    layer: int = 0  # the layer whose head is answered
    head: int = 0  # the head answered
    generate: int = 0  # decoders: tokens to add first (greedily, or sampled as below)
    words: bool = False  # aggregate the answer to words
    truncate: bool = False  # cut text longer than the model accepts
    temperature: float = 0.0  # generation: 0 greedy; above 0 sampled from softmax(logits / T)
    top_k: int | None = None  # sampling: among the k most probable tokens (None: all)
    seed: int | None = None  # sampling: the seed (always set when sampling: chosen by the server when not given)

    @property
    def capture_inputs(self) -> dict[str, Any]:
        """What determines the trace (the layer, head and words only choose what is shown); a sampled
        generation's settings with its seed, so its link makes the same tokens again."""
        out = {"text": self.text, "model": self.model, "generate": self.generate, "truncate": self.truncate}
        if self.temperature:
            out.update(temperature=self.temperature, top_k=self.top_k, seed=self.seed)
        return out


def text_request(body: dict[str, Any], models: list[str]) -> TextRequest:
    """A TextRequest with types checked and the model one of `models` (never an arbitrary path)."""
    _unknown(body, TEXT_FIELDS, "text")
    if "text" not in body:
        raise ServerError("srv_text_missing")
    if not isinstance(body["text"], str):
        raise ServerError("srv_text_type", kind=type(body["text"]).__name__)
    model = body["model"] if "model" in body else model_for(body["text"])  # none named: the CLI's choice
    if model not in models:
        raise ServerError("srv_model", model=brief(model), models=", ".join(models))
    generate = _int("generate", body.get("generate", 0), 0, MAX_GENERATE)
    return TextRequest(
        text=body["text"], model=model,
        layer=_int("layer", body.get("layer", 0), 0), head=_int("head", body.get("head", 0), 0), generate=generate,
        words=_bool("words", body.get("words", False)), truncate=_bool("truncate", body.get("truncate", False)),
        **_sampling(body, model, generate),
    )


def _sampling(body: dict[str, Any], model: str, generate: int) -> dict[str, Any]:
    """{temperature, top_k, seed} of a generation (as `attnlab text --generate N`'s options), the seed chosen
    here when sampling without one (so the trace's inputs, and its link, hold it); refused: these without
    generate, top_k or seed when greedy, and generate for a bundled encoder (it has no next token)."""
    if generate and model in BUNDLED and BUNDLED[model].kind == "encoder":
        raise ServerError("srv_gen_encoder", model=model)
    temperature = _number("temperature", body.get("temperature", 0))
    top_k, seed = body.get("top_k"), body.get("seed")
    top_k = None if top_k is None else _int("top_k", top_k, 1, MAX_TOP_K)
    seed = None if seed is None else _int("seed", seed, 0, SEED_SPAN - 1)
    if temperature < 0:
        raise ServerError("srv_gen_temperature", given=temperature)
    given = [n for n, v in (("temperature", temperature or None), ("top_k", top_k), ("seed", seed)) if v is not None]
    if given and not generate:
        raise ServerError("srv_gen_needs_generate", name=given[0])
    if temperature == 0 and given:
        raise ServerError("srv_gen_greedy", name=given[0])
    if temperature == 0:
        return {}
    return {"temperature": temperature, "top_k": top_k,
            "seed": secrets.randbelow(SEED_SPAN) if seed is None else seed}


EFFECTS_FIELDS = ("methods", "target", "corrupt")
EFFECTS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "methods": {"type": "array", "items": {"enum": list(METHODS)}, "minItems": 1, "uniqueItems": True,
                    "description": "as `attnlab effects --method` (default: every method cheap enough)"},
        "target": {"type": "string", "minLength": 1, "description": "decoders: one token whose log p is measured "
                                                                     "(as --target, e.g. \" Mary\")"},
        "corrupt": {"type": "string", "minLength": 1, "description": "a text of the same token length: activation "
                                                                      "patching (as --corrupt)"},
    },
}


@dataclass(frozen=True)
class EffectsRequest:
    """What `attnlab effects` is asked besides the trace's own text and model (its --method, --target, --corrupt)."""

    methods: tuple[str, ...] | None  # the methods; None: every method cheap enough
    target: str | None  # decoders: the one token measured; None: the text's own continuation
    corrupt: str | None  # the corrupted text (patching); None: none

    @property
    def key(self) -> str:
        """The same request, the same key (what the computed effects are kept under)."""
        import json

        return json.dumps([self.methods, self.target, self.corrupt], ensure_ascii=False)


def effects_request(body: dict[str, Any]) -> EffectsRequest:
    """An EffectsRequest with JSON types checked (the library checks the meanings, in the request's language)."""
    _unknown(body, EFFECTS_FIELDS, "effects")
    methods = body.get("methods")
    listed = isinstance(methods, list) and len(methods) > 0
    if methods is not None and (not listed or any(m not in METHODS for m in methods)
                                or len(set(methods)) < len(methods)):
        raise ServerError("srv_effects_methods", methods=", ".join(METHODS), given=brief(methods))
    for name in ("target", "corrupt"):
        value = body.get(name)
        if value is not None and (not isinstance(value, str) or value == ""):
            raise ServerError("srv_effects_string", name=name, given=brief(value))
    ordered = None if methods is None else tuple(m for m in METHODS if m in methods)
    return EffectsRequest(ordered, body.get("target"), body.get("corrupt"))
