"""Checks on the toy's input and output: types and ranges of a spec's fields, and a finite trace.

`spec_fields` checks a spec's fields before anything is computed (wrong types such as `seed=1.5` or
`tokens="a b"` get a message naming the argument, not an error from inside torch) and returns them
as plain Python values, which `ToySpec` stores; `refuse_non_finite` checks the computed stages
after: x near float32's limit, or a tiny temperature, can overflow on the way, and the message then
names the stage and the cause (see `attnlab.checks`). Everything here takes values, not a spec.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np
import torch

from ..attention import causal_mask
from ..checks import FLOAT32_MAX, FLOAT32_MIN_SUBNORMAL, check_finite, check_text, describe
from ..errors import AttnlabError

# torch's CPU generator (mt19937) keeps only the low 32 bits of a seed: seeds 0 and 2**32 draw alike.
MAX_SEED = 2**32 - 1


class ToyInputError(AttnlabError):
    """A toy spec that cannot be computed; the message names the value and what was expected."""


def _is_int(v: object) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _is_real(v: object) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def spec_fields(*, tokens: object, d_model: object, heads: object, seed: object, temperature: object,
                causal: object, x: object) -> dict[str, Any]:
    """The fields of a toy spec as plain Python values (tuples, int, float, bool), checked for type and
    range and against each other; ToyInputError naming the first that is wrong."""
    out: dict[str, Any] = {"tokens": _tokens_tuple(tokens)}
    for name, value in (("d_model", d_model), ("heads", heads)):
        if not _is_int(value):
            raise ToyInputError(f"{name} must be a positive integer, got {describe(value)}")
        out[name] = int(value)  # type: ignore[call-overload]
    if seed is not None and not _is_int(seed):
        raise ToyInputError(f"seed must be an integer or None, got {describe(seed)}")
    out["seed"] = None if seed is None else int(seed)  # type: ignore[call-overload]
    if not _is_real(temperature):
        raise ToyInputError(f"temperature must be a number > 0, got {describe(temperature)}")
    out["temperature"] = float(temperature)  # type: ignore[arg-type]
    if not isinstance(causal, (bool, np.bool_)):
        raise ToyInputError(f"causal must be True or False, got {describe(causal)}")
    out["causal"] = bool(causal)
    out["x"] = None if x is None else _x_rows(x)
    _validate(**out)
    return out


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


def _validate(*, tokens: tuple[str, ...], d_model: int, heads: int, seed: int | None, temperature: float,
              causal: bool, x: tuple[tuple[float, ...], ...] | None) -> None:
    if len(tokens) == 0:
        raise ToyInputError("no tokens: give at least one token")
    if any(t == "" for t in tokens):
        raise ToyInputError("empty token: every token needs some text")
    if d_model < 1:
        raise ToyInputError(f"d_model must be a positive integer, got {d_model!r}")
    if heads < 1:
        raise ToyInputError(f"heads must be a positive integer, got {heads!r}")
    if d_model % heads:
        raise ToyInputError(
            f"d_model {d_model} is not divisible by heads {heads}: "
            f"each head takes d_model / heads columns"
        )
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise ToyInputError(
            f"seed {seed} is outside 0..{MAX_SEED}: torch's generator keeps only the low 32 bits "
            "of a seed, so a seed outside this range would draw the same weights as another one"
        )
    _validate_temperature(temperature)
    if x is not None:
        _validate_x(x, len(tokens), d_model)


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


def _validate_x(x: tuple[tuple[float, ...], ...], n_tokens: int, d_model: int) -> None:
    if len(x) != n_tokens:
        raise ToyInputError(f"x has {len(x)} rows but there are {n_tokens} tokens")
    for i, row in enumerate(x):
        if len(row) != d_model:
            raise ToyInputError(f"x row {i} has {len(row)} columns but d_model is {d_model}")
        for j, v in enumerate(row):
            if not math.isfinite(v):
                raise ToyInputError(f"x[{i}][{j}] is {v}: x must hold finite numbers")
            if abs(v) > FLOAT32_MAX:
                raise ToyInputError(
                    f"x[{i}][{j}] is {v:g}, which does not fit in float32 (magnitudes up to "
                    f"{FLOAT32_MAX:.4g}), the type the toy computes in"
                )


def refuse_non_finite(*, causal: bool, temperature: float, x: torch.Tensor, stages: dict[str, torch.Tensor]) -> None:
    """ToyInputError naming the first stage (in computation order) with a NaN or inf, and why."""
    visible = causal_mask(x.shape[0]) if causal else None  # [q_pos, k_pos]
    big_x = f"x holds values up to {float(x.abs().max()):.3g}"
    for name, t in stages.items():
        if name in ("Q", "K", "V"):
            cause = f"x @ W_{name} goes beyond float32's range ({FLOAT32_MAX:.3g}): {big_x}; scale x down"
        elif name == "scores":
            cause = (f"the dot products of Q and K go beyond float32's range ({FLOAT32_MAX:.3g}): {big_x}; "
                     "scale x down")
        elif name == "weights":
            cause = _temperature_cause(temperature, stages["scores"])
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
