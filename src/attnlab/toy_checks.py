"""Checks on the toy's input and output: types and ranges of a ToySpec, and a finite trace.

A ToySpec is checked before anything is computed (wrong types such as `seed=1.5` or `tokens="a b"`
get a message naming the argument, not an error from inside torch), and the computed stages are
checked after: x near float32's limit, or a tiny temperature, can overflow on the way, and the
message then names the stage and the cause (see `attnlab.checks`).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Protocol

import numpy as np
import torch

from .attention import causal_mask
from .checks import FLOAT32_MAX, FLOAT32_MIN_SUBNORMAL, check_finite, check_text, describe
from .errors import AttnlabError


class SpecFields(Protocol):
    """What these checks read of `toy.ToySpec` (its fields; kept here so the checks need not import the toy)."""

    tokens: tuple[str, ...]
    d_model: int
    heads: int
    seed: int | None
    temperature: float
    causal: bool
    x: tuple[tuple[float, ...], ...] | None

# torch's CPU generator (mt19937) keeps only the low 32 bits of a seed: seeds 0 and 2**32 draw alike.
MAX_SEED = 2**32 - 1


class ToyInputError(AttnlabError):
    """A toy spec that cannot be computed; the message names the value and what was expected."""


def _is_int(v: object) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _is_real(v: object) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def normalize_spec(spec: SpecFields) -> None:
    """Check the fields' types and store them as plain Python values (tuples, int, float, bool)."""

    def put(name: str, value: object) -> None:
        object.__setattr__(spec, name, value)

    put("tokens", _tokens_tuple(spec.tokens))
    for name in ("d_model", "heads"):
        value = getattr(spec, name)
        if not _is_int(value):
            raise ToyInputError(f"{name} must be a positive integer, got {describe(value)}")
        put(name, int(value))
    if spec.seed is not None:
        if not _is_int(spec.seed):
            raise ToyInputError(f"seed must be an integer or None, got {describe(spec.seed)}")
        put("seed", int(spec.seed))
    if not _is_real(spec.temperature):
        raise ToyInputError(f"temperature must be a number > 0, got {describe(spec.temperature)}")
    put("temperature", float(spec.temperature))
    if not isinstance(spec.causal, (bool, np.bool_)):
        raise ToyInputError(f"causal must be True or False, got {describe(spec.causal)}")
    put("causal", bool(spec.causal))
    if spec.x is not None:
        put("x", _x_rows(spec.x))


def _tokens_tuple(tokens: object) -> tuple[str, ...]:
    if isinstance(tokens, (str, bytes)):
        text = tokens if isinstance(tokens, str) else repr(tokens)
        raise ToyInputError(
            f"tokens must be a list of strings, one per token, got the single string {text[:60]!r}: "
            f"pass a list such as {text.split()[:3]!r}, or {text[:30]!r}.split()"
        )
    if not isinstance(tokens, Iterable):
        raise ToyInputError(f"tokens must be a list of strings, one per token, got {describe(tokens)}")
    out = tuple(tokens)
    for i, t in enumerate(out):
        if not isinstance(t, str):
            raise ToyInputError(f"tokens[{i}] is {describe(t)}: every token must be a string")
        check_text(t, f"tokens[{i}] {t!r}", error=ToyInputError)
    return tuple(str(t) for t in out)


def _x_rows(x: object) -> tuple[tuple[float, ...], ...]:
    """x as a tuple of float rows; a tensor or array [q_pos, d_model] is accepted too."""
    expected = "x must be rows of numbers, one per token (a list of lists, or a 2-d tensor [q_pos, d_model])"
    if hasattr(x, "tolist") and not isinstance(x, (list, tuple)):
        x = x.tolist()  # torch.Tensor, numpy.ndarray
    if isinstance(x, (str, bytes)) or not isinstance(x, Iterable):
        raise ToyInputError(f"{expected}, got {describe(x)}")
    rows = []
    for i, row in enumerate(x):
        if isinstance(row, (str, bytes)) or not isinstance(row, Iterable):
            raise ToyInputError(f"{expected}: row {i} is {describe(row)}")
        vals = []
        for j, v in enumerate(row):
            if not _is_real(v):
                raise ToyInputError(f"x[{i}][{j}] is {describe(v)}: x must hold numbers")
            vals.append(float(v))
        rows.append(tuple(vals))
    return tuple(rows)


def validate_spec(spec: SpecFields) -> None:
    if len(spec.tokens) == 0:
        raise ToyInputError("no tokens: give at least one token")
    if any(t == "" for t in spec.tokens):
        raise ToyInputError("empty token: every token needs some text")
    if spec.d_model < 1:
        raise ToyInputError(f"d_model must be a positive integer, got {spec.d_model!r}")
    if spec.heads < 1:
        raise ToyInputError(f"heads must be a positive integer, got {spec.heads!r}")
    if spec.d_model % spec.heads:
        raise ToyInputError(
            f"d_model {spec.d_model} is not divisible by heads {spec.heads}: "
            f"each head takes d_model / heads columns"
        )
    if spec.seed is not None and not 0 <= spec.seed <= MAX_SEED:
        raise ToyInputError(
            f"seed {spec.seed} is outside 0..{MAX_SEED}: torch's generator keeps only the low 32 bits "
            "of a seed, so a seed outside this range would draw the same weights as another one"
        )
    _validate_temperature(spec.temperature)
    if spec.x is not None:
        _validate_x(spec)


def _validate_temperature(t: float) -> None:
    if not math.isfinite(t) or t <= 0:
        raise ToyInputError(f"temperature must be a finite number > 0, got {t!r}")
    if t > FLOAT32_MAX:
        raise ToyInputError(
            f"temperature {t:g} does not fit in float32 (at most {FLOAT32_MAX:.4g}), the type the toy computes in"
        )
    if t < FLOAT32_MIN_SUBNORMAL / 2:
        raise ToyInputError(
            f"temperature {t:g} is 0 in float32 (its smallest positive value is {FLOAT32_MIN_SUBNORMAL:.2g}): "
            "scores / temperature would divide by zero"
        )


def _validate_x(spec: SpecFields) -> None:
    assert spec.x is not None
    if len(spec.x) != len(spec.tokens):
        raise ToyInputError(f"x has {len(spec.x)} rows but there are {len(spec.tokens)} tokens")
    for i, row in enumerate(spec.x):
        if len(row) != spec.d_model:
            raise ToyInputError(f"x row {i} has {len(row)} columns but d_model is {spec.d_model}")
        for j, v in enumerate(row):
            if not math.isfinite(v):
                raise ToyInputError(f"x[{i}][{j}] is {v}: x must hold finite numbers")
            if abs(v) > FLOAT32_MAX:
                raise ToyInputError(
                    f"x[{i}][{j}] is {v:g}, which does not fit in float32 (magnitudes up to "
                    f"{FLOAT32_MAX:.4g}), the type the toy computes in"
                )


def refuse_non_finite(spec: SpecFields, x: torch.Tensor, stages: dict[str, torch.Tensor]) -> None:
    """ToyInputError naming the first stage (in computation order) with a NaN or inf, and why."""
    visible = causal_mask(len(spec.tokens)) if spec.causal else None  # [q_pos, k_pos]
    big_x = f"x holds values up to {float(x.abs().max()):.3g}"
    for name, t in stages.items():
        if name in ("Q", "K", "V"):
            cause = f"x @ W_{name} goes beyond float32's range ({FLOAT32_MAX:.3g}): {big_x}; scale x down"
        elif name == "scores":
            cause = (f"the dot products of Q and K go beyond float32's range ({FLOAT32_MAX:.3g}): {big_x}; "
                     "scale x down")
        elif name == "weights":
            cause = _temperature_cause(spec.temperature, stages["scores"])
        else:
            cause = f"weights @ V goes beyond float32's range ({FLOAT32_MAX:.3g}): {big_x}; scale x down"
        allow = ~visible if (name == "scores" and visible is not None) else None
        check_finite(name, t, allow_neg_inf=allow, cause=cause, error=ToyInputError)


def _temperature_cause(temperature: float, scores: torch.Tensor) -> str:
    """Why the softmax failed on finite scores: scores / temperature overflowed float32."""
    finite = scores[torch.isfinite(scores)]
    top = float(finite.abs().max()) if finite.numel() else 0.0
    need = float(f"{top / FLOAT32_MAX * 1.1:.2g}")  # rounded up, so the suggested value works
    return (
        f"temperature {temperature:g} is too small for scores up to {top:.3g}: scores / temperature goes "
        f"beyond float32's range ({FLOAT32_MAX:.3g}); use a temperature of at least {need:g}"
    )
