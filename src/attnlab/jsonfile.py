"""Reading the JSON that attnlab is given or keeps, and checking its shape: one place for all of it.

Python's json module takes what is not JSON and turns what it cannot hold into errors of many
types: NaN and Infinity are accepted, 1e400 becomes inf without a word, an integer of 5000 digits
is a ValueError, lists nested 100,000 deep a RecursionError; and a config.json that is `[]` fails
later as an AttributeError, three modules on. Here each of these is an AttnlabError (of the
caller's type) naming the file and the problem, in the user's language (`i18n.tr_error`):

- `loads(text, what)`, `read(path, what)`: JSON to Python with finite numbers only (an integer
  beyond float64's range, about 1.8e308, is refused too: no count, size or value attnlab reads can
  be that large). `read` also refuses a folder, bytes that are not UTF-8, and more than
  `max_bytes` (`fileio.read_limited`: a link to /dev/zero cannot fill memory).
- `check(obj, fields, what)`: an object's fields by `Field` (kind, range, choices, required).
  For optional fields absent and null are alike, as in transformers' configs.

Who reads what: `toy.input` (x), `models.registry` (config.json), `corpus.manifest`
(_manifest.json), `corpus.parts` (each part's footer), `corpus.inputs` (each .jsonl line),
`models.cache` (its manifest).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .checks import short_number
from .errors import AttnlabError
from .fileio import read_limited
from .i18n import Msg, tr_error

MAX_JSON_BYTES = 16 * 2**20  # the largest JSON file read (configs and manifests are kilobytes)
_MAX_INT_DIGITS = 308  # 10**308 < 1.8e308, float64's largest: more digits cannot be any number we use


class _Refused(Exception):
    """Raised inside json's hooks; `loads` turns it into the caller's error type."""

    def __init__(self, key: str, **fields: Any) -> None:
        super().__init__(key)
        self.key, self.fields = key, fields


def _constant(name: str) -> Any:
    raise _Refused("err_json_constant", value=name)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400
        raise _Refused("err_json_huge", value=short_number(text))
    return value


def _int(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        raise _Refused("err_json_huge", value=short_number(text))
    return int(text)


def loads(text: str, what: str | Msg, *, error: type[AttnlabError] = AttnlabError) -> Any:
    """`text` as JSON with finite numbers, or `error` naming `what` (a file, "file, line 3") and the problem."""
    if not text.strip():
        raise tr_error(error, "err_json_empty", what=what)
    try:
        return json.loads(text, parse_constant=_constant, parse_float=_float, parse_int=_int)
    except _Refused as r:
        raise tr_error(error, r.key, what=what, **r.fields) from None
    except json.JSONDecodeError as e:
        raise tr_error(error, "err_json_syntax", what=what, problem=e.msg, line=e.lineno, column=e.colno) from None
    except RecursionError:
        raise tr_error(error, "err_json_deep", what=what) from None


def read(path: str | os.PathLike, what: str | Msg | None = None, *, max_bytes: int = MAX_JSON_BYTES,
         error: type[AttnlabError] = AttnlabError) -> Any:
    """The JSON file at `path` (UTF-8, an optional BOM); `what` names it in messages (default: the path)."""
    name = str(path) if what is None else what
    data = read_limited(path, name, max_bytes=max_bytes, error=error)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise tr_error(error, "err_not_utf8", what=name, byte=f"{data[e.start]:02x}", at=e.start) from None
    return loads(text, name, error=error)


@dataclass(frozen=True)
class Field:
    """What one field of a JSON object must hold."""

    kind: str  # "int" | "str" | "bool" | "strs" (a list of strings) | "object" | "map" | "list" | "row"
    required: bool = False  # absent or null is an error (else both mean "not given")
    lo: int = -(2**63)  # int: the smallest allowed
    hi: int = 2**63 - 1  # int: the largest allowed
    choices: tuple[str, ...] = ()  # str: the values allowed (empty: any text)
    fields: Mapping[str, Field] | None = None  # object: its own fields, checked the same way
    items: tuple[Field, ...] = ()  # row: a list of exactly these, in order (list, map: each value is items[0])


def check(obj: Any, fields: Mapping[str, Field], what: str | Msg, *, error: type[AttnlabError] = AttnlabError,
          where: str = "") -> dict:
    """`obj` itself when it is an object whose fields hold what `fields` says; else `error` naming the field."""
    if not isinstance(obj, dict):
        if not where:
            raise tr_error(error, "err_json_top", what=what, got=_shown(obj))
        raise tr_error(error, "err_json_object", what=what, where=where, got=_shown(obj))
    for key, field in fields.items():
        value = obj.get(key)
        name = f"{where}.{key}" if where else key
        if value is None:
            if field.required:
                raise tr_error(error, "err_json_missing", what=what, where=name)
            continue
        check_value(value, field, what, name, error=error)
    return obj


def check_value(value: Any, field: Field, what: str | Msg, where: str, *,
                error: type[AttnlabError] = AttnlabError) -> Any:
    """`value` itself when it holds what `field` says (`where` names it: "model.n_heads"); else `error`."""
    kind = field.kind
    if kind == "object":
        return check(value, field.fields or {}, what, error=error, where=where)
    if kind == "map":  # an object with names of its own (file names), each value alike
        check(value, {}, what, error=error, where=where)
        for key, item in value.items():
            check_value(item, field.items[0], what, f"{where}[{json.dumps(key)}]", error=error)
        return value
    if kind in ("list", "row", "strs"):
        if not isinstance(value, list) or (kind == "row" and len(value) != len(field.items)):
            raise _wrong(error, field, what, where, value)
        each = Field("str") if kind == "strs" else field.items[0] if field.items else None
        inner = list(field.items) if kind == "row" else [each] * len(value) if each else []
        for i, (item, item_field) in enumerate(zip(value, inner)):
            check_value(item, item_field, what, f"{where}[{i}]", error=error)
        return value
    if kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool) and field.lo <= value <= field.hi
    elif kind == "str":
        ok = isinstance(value, str) and (not field.choices or value in field.choices) and _is_text(value)
    else:
        ok = isinstance(value, bool)
    if not ok:
        raise _wrong(error, field, what, where, value)
    return value


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")  # a lone surrogate ("\\udcff" in the file) is no text
    except UnicodeEncodeError:
        return False
    return True


def _wrong(error: type[AttnlabError], field: Field, what: str | Msg, where: str, value: Any) -> AttnlabError:
    kind = "choice" if field.choices else "object" if field.kind == "map" else field.kind
    return tr_error(error, f"err_json_{kind}", what=what, where=where, got=_shown(value), lo=field.lo, hi=field.hi,
                    choices=", ".join(field.choices), n=len(field.items))


def _shown(value: Any) -> str:
    """The value as JSON, cut to 60 characters (a lone surrogate shown escaped)."""
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."
