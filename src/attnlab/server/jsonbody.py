"""A request body as a JSON object, refusing what would break the parser or whatever reads it next.

Python's json module turns a 5,000-digit integer into a ValueError (the int-str conversion limit),
a body nested 100,000 deep into a RecursionError, `1e400` into inf, and "\\udcff" into a str that
cannot be encoded as UTF-8 again (so even the error naming it would fail). Each is refused here,
for every field of every body, before a route reads it: the routes that take JSON all call
`parse_body`. The limits are far beyond what any option needs (a toy's x nests 3 deep; a seed
has at most 20 digits).
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any

from .messages import ServerError, printable

MAX_DEPTH = 32  # nesting of arrays and objects
MAX_INT_DIGITS = 40  # digits of one integer
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)  # a JSON string, escapes included
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # the only way a surrogate gets into valid UTF-8 JSON
_SURROGATE = re.compile("[\ud800-\udfff]")


def parse_body(raw: bytes, content_type: str | None) -> dict[str, Any]:
    """The JSON object of a request body; ServerError (400) for anything else."""
    if (content_type or "").split(";")[0].strip().lower() != "application/json":
        raise ServerError("srv_json_type", given=printable(content_type or "nothing"))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ServerError("srv_not_utf8") from None
    depth = nesting(text)
    if depth > MAX_DEPTH:
        raise ServerError("srv_too_deep", depth=depth, limit=MAX_DEPTH)
    try:
        body = json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except json.JSONDecodeError as e:
        raise ServerError("srv_bad_json", msg=e.msg, line=e.lineno, col=e.colno) from None
    except RecursionError:  # `nesting` undercounted (it cannot: strings are removed first); never a 500
        raise ServerError("srv_too_deep", depth=f"> {MAX_DEPTH}", limit=MAX_DEPTH) from None
    if not isinstance(body, dict):
        raise ServerError("srv_not_object", kind=type(body).__name__)
    if _SURROGATE_ESCAPE.search(text):
        check_text(body, "")
    return body


def nesting(text: str) -> int:
    """How deep arrays and objects nest in JSON `text` (its strings removed first), without parsing it."""
    brackets = re.sub(r"[^\[\]{}]", "", _STRING.sub("", text))
    return max(accumulate(_STEP[c] for c in brackets), default=0)


def check_text(value: Any, where: str) -> None:
    """Refuse a lone surrogate in any key or string of a parsed body, naming where it is."""
    if isinstance(value, str):
        found = _SURROGATE.search(value)
        if found:
            raise ServerError("srv_surrogate", where=where or "the body", code=printable(found.group()),
                              at=found.start())
    elif isinstance(value, dict):
        for k, v in value.items():
            check_text(k, f"a key of {where or 'the body'}")
            check_text(v, f"{where}.{k}" if where else k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            check_text(v, f"{where}[{i}]")


def _int(digits: str) -> int:
    n = len(digits.lstrip("-"))
    if n > MAX_INT_DIGITS:
        raise ServerError("srv_long_int", shown=f"{digits[:12]}...", digits=n, limit=MAX_INT_DIGITS)
    return int(digits)


def _float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        shown = literal if len(literal) <= 24 else f"{literal[:12]}...{literal[-8:]}"
        raise ServerError("srv_float_range", shown=shown)
    return value


def _constant(name: str) -> float:
    raise ServerError("srv_constant", name=name)
