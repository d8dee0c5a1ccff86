"""Reading a user's x: a JSON or CSV file, or inline text.

Accepted forms (rows are tokens, columns are dimensions):
- a `.json` file: `[[1.0, 0.5], [0.2, 0.1]]` or `{"x": [[...], ...]}`
- a `.csv` (or any other) file: one row per line, values separated by commas
- inline JSON: `'[[1,0.5],[0.2,0.1]]'`
- inline rows: `'1,0.5; 0.2,0.1'` (rows separated by `;` or newlines)
Every problem raises ToyInputError naming the row, column and value. Files are read as UTF-8 and
at most MAX_X_BYTES: a regular file is refused by its size before reading; a FIFO (bash's `<(...)`)
or a device is read up to the limit and refused beyond, so a link to /dev/zero cannot fill memory.
"""

from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path

from ..checks import size_text
from .checks import ToyInputError

# Most bytes read for x: the CLI's largest x (256 tokens x 512 dimensions, cli/limits.py) written with
# full float precision ("-1.234567890123456789e-05, ") is about 3.4 MB. Reading stops here, so a huge
# file, or a link to /dev/zero, is refused after reading at most this much.
MAX_X_BYTES = 8 * 2**20


def parse_x(text_or_path: str, *, max_bytes: int = MAX_X_BYTES) -> tuple[tuple[float, ...], ...]:
    """x as rows of floats, from a file path or inline text (at most `max_bytes` of either)."""
    if not isinstance(text_or_path, str):
        raise ToyInputError(f"x must be a file path or inline rows (a string), got {type(text_or_path).__name__}")
    if not text_or_path.strip():
        raise ToyInputError("x is empty: give a file or rows such as '1,0.5; 0.2,0.1'")
    path = Path(text_or_path)
    looks_like_file = "\n" not in text_or_path and (
        path.suffix.lower() in (".json", ".csv", ".txt", ".tsv") or _exists(path)
    )
    if looks_like_file:
        text = read_x_file(path, max_bytes=max_bytes)
        name = str(path)
        is_json = path.suffix.lower() == ".json" or text.lstrip().startswith(("[", "{"))
    else:
        if len(text_or_path) > max_bytes:
            size = size_text(len(text_or_path))
            raise ToyInputError(f"inline x is {size}, more than {size_text(max_bytes)}: {_WHY_LIMIT}")
        text, name = text_or_path, "inline x"
        is_json = text.lstrip().startswith("[")
    rows = _from_json(text, name) if is_json else _from_rows(text, name)
    return _check_rows(rows, name)


def _exists(path: Path) -> bool:
    """Whether something is there (long inline rows are no file name: ENAMETOOLONG means no)."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


_WHY_LIMIT = "x is read up to that size (the largest x the toy lab draws, written out in full, is about 3.4 MB)"


def read_x_file(path: Path, *, max_bytes: int = MAX_X_BYTES) -> str:
    """The file's text (UTF-8, an optional BOM), read up to max_bytes and refused beyond.

    A regular file is checked by its size before reading; anything else that can be read (a FIFO
    such as bash's `<(...)`, a character device) is read only up to the limit, never to its end.
    """
    try:
        fd = os.open(path, os.O_RDONLY)  # a FIFO waits here for its writer, as `cat` would
    except OSError as e:
        raise ToyInputError(f"cannot read x from {str(path)!r}: {e.strerror or e}") from None
    st = os.fstat(fd)
    if stat.S_ISDIR(st.st_mode) or (stat.S_ISREG(st.st_mode) and st.st_size > max_bytes):
        os.close(fd)
        if stat.S_ISDIR(st.st_mode):
            raise ToyInputError(f"x: {path} is a folder: give a .json or .csv file, or rows such as '1,0.5; 0.2,0.1'")
        raise ToyInputError(f"x file {path} is {size_text(st.st_size)}, more than {size_text(max_bytes)}: {_WHY_LIMIT}")
    with os.fdopen(fd, "rb") as f:
        try:
            data = f.read(max_bytes + 1)
        except OSError as e:
            raise ToyInputError(f"cannot read x from {str(path)!r}: {e.strerror or e}") from None
    if len(data) > max_bytes:
        limit = size_text(max_bytes)
        raise ToyInputError(f"x from {path} goes on beyond {limit} (it is not a regular file): {_WHY_LIMIT}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ToyInputError(
            f"x file {path} is not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start}): save it as UTF-8"
        ) from None


def _from_json(text: str, name: str) -> list:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ToyInputError(f"{name} is not valid JSON: {e.msg} (line {e.lineno}, column {e.colno})") from None
    except RecursionError:
        raise ToyInputError(f"{name} nests lists too deeply: x is a list of rows, each a list of numbers") from None
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
