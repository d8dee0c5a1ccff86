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
from ..checks import FLOAT32_MAX, FLOAT32_MIN_SUBNORMAL, check_text, describe, first_non_finite
from ..errors import AttnlabError
from ..i18n import Msg, tr_error

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
            raise tr_error(ToyInputError, "err_toy_int", name=name, got=describe(value))
        out[name] = int(value)  # type: ignore[call-overload]
    if seed is not None and not _is_int(seed):
        raise tr_error(ToyInputError, "err_toy_seed_type", got=describe(seed))
    out["seed"] = None if seed is None else int(seed)  # type: ignore[call-overload]
    if not _is_real(temperature):
        raise tr_error(ToyInputError, "err_toy_temperature_type", got=describe(temperature))
    out["temperature"] = float(temperature)  # type: ignore[arg-type]
    if not isinstance(causal, (bool, np.bool_)):
        raise tr_error(ToyInputError, "err_toy_causal_type", got=describe(causal))
    out["causal"] = bool(causal)
    out["x"] = None if x is None else _x_rows(x)
    _validate(**out)
    return out


def _tokens_tuple(tokens: object) -> tuple[str, ...]:
    if isinstance(tokens, (str, bytes)):
        text = tokens if isinstance(tokens, str) else repr(tokens)
        raise tr_error(ToyInputError, "err_toy_tokens_string", text=repr(text[:60]), example=repr(text.split()[:3]),
                       short=repr(text[:30]))
    if not isinstance(tokens, Iterable):
        raise tr_error(ToyInputError, "err_toy_tokens_type", got=describe(tokens))
    out = tuple(tokens)
    for i, t in enumerate(out):
        if not isinstance(t, str):
            raise tr_error(ToyInputError, "err_toy_token_type", i=i, got=describe(t))
        check_text(t, f"tokens[{i}] {t!r}", error=ToyInputError)
    return tuple(str(t) for t in out)


def _x_rows(x: object) -> tuple[tuple[float, ...], ...]:
    """x as a tuple of float rows; a tensor or array [q_pos, d_model] is accepted too."""
    if hasattr(x, "tolist") and not isinstance(x, (list, tuple)):
        x = x.tolist()  # torch.Tensor, numpy.ndarray
    if isinstance(x, (str, bytes)) or not isinstance(x, Iterable):
        raise tr_error(ToyInputError, "err_toy_x_type", got=describe(x))
    rows = []
    for i, row in enumerate(x):
        if isinstance(row, (str, bytes)) or not isinstance(row, Iterable):
            raise tr_error(ToyInputError, "err_toy_x_row_type", i=i, got=describe(row))
        vals = []
        for j, v in enumerate(row):
            if not _is_real(v):
                raise tr_error(ToyInputError, "err_toy_x_cell_type", i=i, j=j, got=describe(v))
            vals.append(float(v))
        rows.append(tuple(vals))
    return tuple(rows)


def _validate(*, tokens: tuple[str, ...], d_model: int, heads: int, seed: int | None, temperature: float,
              causal: bool, x: tuple[tuple[float, ...], ...] | None) -> None:
    if len(tokens) == 0:
        raise tr_error(ToyInputError, "err_toy_no_tokens")
    if any(t == "" for t in tokens):
        raise tr_error(ToyInputError, "err_toy_empty_token")
    if d_model < 1:
        raise tr_error(ToyInputError, "err_toy_int", name="d_model", got=repr(d_model))
    if heads < 1:
        raise tr_error(ToyInputError, "err_toy_int", name="heads", got=repr(heads))
    if d_model % heads:
        raise tr_error(ToyInputError, "err_toy_divisible", d_model=d_model, heads=heads)
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise tr_error(ToyInputError, "err_toy_seed_range", seed=seed, top=MAX_SEED)
    _validate_temperature(temperature)
    if x is not None:
        _validate_x(x, len(tokens), d_model)


def _validate_temperature(t: float) -> None:
    if not math.isfinite(t) or t <= 0:
        raise tr_error(ToyInputError, "err_toy_temperature", got=repr(t))
    if t > FLOAT32_MAX:
        raise tr_error(ToyInputError, "err_toy_temperature_big", got=f"{t:g}", top=f"{FLOAT32_MAX:.4g}")
    if t < FLOAT32_MIN_SUBNORMAL / 2:
        raise tr_error(ToyInputError, "err_toy_temperature_zero", got=f"{t:g}", tiny=f"{FLOAT32_MIN_SUBNORMAL:.2g}")


def _validate_x(x: tuple[tuple[float, ...], ...], n_tokens: int, d_model: int) -> None:
    if len(x) != n_tokens:
        raise tr_error(ToyInputError, "err_toy_x_rows", rows=len(x), n=n_tokens)
    for i, row in enumerate(x):
        if len(row) != d_model:
            raise tr_error(ToyInputError, "err_toy_x_cols", i=i, cols=len(row), d_model=d_model)
        for j, v in enumerate(row):
            if not math.isfinite(v):
                raise tr_error(ToyInputError, "err_toy_x_finite", i=i, j=j, v=str(v))
            if abs(v) > FLOAT32_MAX:
                raise tr_error(ToyInputError, "err_toy_x_big", i=i, j=j, v=f"{v:g}", top=f"{FLOAT32_MAX:.4g}")


def refuse_non_finite(*, causal: bool, temperature: float, x: torch.Tensor, stages: dict[str, torch.Tensor]) -> None:
    """ToyInputError naming the first stage (in computation order) with a NaN or inf, and why."""
    visible = causal_mask(x.shape[0]) if causal else None  # [q_pos, k_pos]
    big = {"top": f"{FLOAT32_MAX:.3g}", "big": f"{float(x.abs().max()):.3g}"}
    for name, tensor in stages.items():
        allow = ~visible if (name == "scores" and visible is not None) else None
        found = first_non_finite(tensor, allow_neg_inf=allow)
        if found is None:
            continue
        if name in ("Q", "K", "V"):
            cause = Msg("cause_toy_projection", {"name": name, **big})
        elif name == "scores":
            cause = Msg("cause_toy_scores", big)
        elif name == "weights":
            cause = _temperature_cause(temperature, stages["scores"])
        else:
            cause = Msg("cause_toy_output", big)
        index, value = found
        where = f"[{', '.join(map(str, index))}]" if index else ""
        raise tr_error(ToyInputError, "err_toy_non_finite", stage=name, where=where, value=str(value), cause=cause)


def _temperature_cause(temperature: float, scores: torch.Tensor) -> Msg:
    """Why the softmax failed on finite scores: scores / temperature overflowed float32."""
    finite = scores[torch.isfinite(scores)]
    top = float(finite.abs().max()) if finite.numel() else 0.0
    need = float(f"{top / FLOAT32_MAX * 1.1:.2g}")  # rounded up, so the suggested value works
    return Msg("cause_toy_temperature", {"T": f"{temperature:g}", "top_score": f"{top:.3g}",
                                         "top": f"{FLOAT32_MAX:.3g}", "need": f"{need:g}"})
