"""Reading a user's x: a JSON or CSV file, or inline text.

Accepted forms (rows are tokens, columns are dimensions):
- a `.json` file: `[[1.0, 0.5], [0.2, 0.1]]` or `{"x": [[...], ...]}`
- a `.csv` (or any other) file: one row per line, values separated by commas
- inline JSON: `'[[1,0.5],[0.2,0.1]]'`
- inline rows: `'1,0.5; 0.2,0.1'` (rows separated by `;` or newlines)
Every problem raises ToyInputError naming the row, column and value.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from .toy import ToyInputError


def parse_x(text_or_path: str) -> tuple[tuple[float, ...], ...]:
    """x as rows of floats, from a file path or inline text."""
    if not text_or_path.strip():
        raise ToyInputError("x is empty: give a file or rows such as '1,0.5; 0.2,0.1'")
    path = Path(text_or_path)
    looks_like_file = path.suffix.lower() in (".json", ".csv", ".txt", ".tsv") or path.is_file()
    if looks_like_file:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as e:
            raise ToyInputError(f"cannot read x from {text_or_path!r}: {e.strerror or e}") from None
        name = str(path)
        is_json = path.suffix.lower() == ".json" or text.lstrip().startswith(("[", "{"))
    else:
        text, name = text_or_path, "inline x"
        is_json = text.lstrip().startswith("[")
    rows = _from_json(text, name) if is_json else _from_rows(text, name)
    return _check_rows(rows, name)


def _from_json(text: str, name: str) -> list:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ToyInputError(f"{name} is not valid JSON: {e.msg} (line {e.lineno}, column {e.colno})") from None
    if isinstance(data, dict):
        if "x" not in data:
            raise ToyInputError(f"{name} is a JSON object without an \"x\" key")
        data = data["x"]
    if not isinstance(data, list) or not all(isinstance(r, list) for r in data):
        raise ToyInputError(f"{name} must be a list of rows, each a list of numbers")
    return data


def _from_rows(text: str, name: str) -> list:
    lines = [ln for chunk in text.replace(";", "\n").splitlines() if (ln := chunk.strip())]
    return [[c.strip() for c in ln.replace("\t", ",").split(",")] for ln in lines]


def _check_rows(rows: list, name: str) -> tuple[tuple[float, ...], ...]:
    if not rows:
        raise ToyInputError(f"{name} has no rows")
    out = []
    for i, row in enumerate(rows):
        vals = []
        for j, v in enumerate(row):
            if isinstance(v, bool) or not isinstance(v, (int, float, str)):
                raise ToyInputError(f"{name}: x[{i}][{j}] = {v!r} is not a number")
            try:
                f = float(v)
            except ValueError:
                raise ToyInputError(f"{name}: x[{i}][{j}] = {v!r} is not a number") from None
            if not math.isfinite(f):
                raise ToyInputError(f"{name}: x[{i}][{j}] is {v}: x must hold finite numbers")
            vals.append(f)
        if out and len(vals) != len(out[0]):
            raise ToyInputError(f"{name}: row {i} has {len(vals)} values but row 0 has {len(out[0])}")
        out.append(tuple(vals))
    return tuple(out)
