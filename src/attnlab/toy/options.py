"""A toy spec from options named like the CLI's: what the CLI's flags and the web app's JSON share.

    tokens       a list of strings, or one string split on whitespace (default: the tutorial's)
    d_model      width of x and Q, K, V (default: x's width, else 4)
    heads        attention heads; must divide d_model (default 1)
    seed         seeds W_Q, W_K, W_V (default 42, the tutorial's)
    temperature  softmax(scores / T), T > 0 (default 1)
    causal       mask future tokens (default false)
    x            a list of rows (default: the tutorial's x, or one generated from the seed)

When x is given without tokens, the tokens are the tutorial's for 3 rows and "Token 1".."Token n"
otherwise. `toy_spec` checks names and types; the surfaces then apply their size limits
(`cli.limits.check_cli_limits`), so every surface refuses the same input with the same message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..i18n import tr_error
from .checks import ToyInputError
from .spec import TUTORIAL_TOKENS, ToySpec

OPTION_NAMES = ("tokens", "d_model", "heads", "seed", "temperature", "causal", "x")


def _tokens(value: Any, x: Any) -> tuple[str, ...]:
    if value is None:
        return TUTORIAL_TOKENS if x is None or len(x) == 3 else tuple(f"Token {i + 1}" for i in range(len(x)))
    if isinstance(value, str):
        tokens = tuple(value.split())
        if not tokens:
            raise tr_error(ToyInputError, "err_toy_no_words")
        return tokens
    if isinstance(value, (list, tuple)) and all(isinstance(t, str) for t in value):
        return tuple(value)
    raise tr_error(ToyInputError, "err_toy_tokens_option", got=type(value).__name__)


def toy_spec(options: Mapping[str, Any] | None = None) -> ToySpec:
    """A validated ToySpec from `options` (see the module docstring); unknown names are refused."""
    options = dict(options or {})
    unknown = sorted(set(options) - set(OPTION_NAMES))
    if unknown:
        raise tr_error(ToyInputError, "err_toy_option", name=unknown[0], choices=", ".join(OPTION_NAMES))
    x = options.get("x")
    if x is not None and not (isinstance(x, (list, tuple)) and x and all(isinstance(r, (list, tuple)) for r in x)):
        raise tr_error(ToyInputError, "err_toy_x_option")
    d_model = options.get("d_model")
    if d_model is None:
        d_model = len(x[0]) if x else 4
    return ToySpec(
        tokens=_tokens(options.get("tokens"), x),
        d_model=d_model,
        heads=options.get("heads", 1),
        seed=options.get("seed", 42),
        temperature=options.get("temperature", 1.0),
        causal=options.get("causal", False),
        x=None if x is None else tuple(tuple(row) for row in x),
    )
