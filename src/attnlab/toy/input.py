"""Reading a user's x: a JSON or CSV file, or inline text.

Accepted forms (rows are tokens, columns are dimensions):
- a `.json` file: `[[1.0, 0.5], [0.2, 0.1]]` or `{"x": [[...], ...]}`
- a `.csv` (or any other) file: one row per line, values separated by commas
- inline JSON: `'[[1,0.5],[0.2,0.1]]'`
- inline rows: `'1,0.5; 0.2,0.1'` (rows separated by `;` or newlines)
Every problem raises ToyInputError naming the row, column and value. Files are read as UTF-8 and
at most MAX_X_BYTES (`fileio.read_limited`: a regular file is refused by its size before reading;
a FIFO (bash's `<(...)`) or a device is read up to the limit, so a link to /dev/zero cannot fill
memory); JSON through `jsonfile.loads` (NaN, 1e400 or a 400-digit integer: refused by name).
"""

from __future__ import annotations

import math
from pathlib import Path

from .. import jsonfile
from ..checks import short_number, size_text
from ..fileio import read_limited
from ..i18n import Msg, tr_error
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
        name, what = str(path), Msg("what_x_file", {"path": str(path)})
        is_json = path.suffix.lower() == ".json" or text.lstrip().startswith(("[", "{"))
    else:
        if len(text_or_path) > max_bytes:
            size = size_text(len(text_or_path))
            raise ToyInputError(f"inline x is {size}, more than {size_text(max_bytes)}{_WHY_LIMIT}")
        text, name, what = text_or_path, "inline x", "inline x"
        is_json = text.lstrip().startswith("[")
    rows = _from_json(text, what) if is_json else _from_rows(text, name)
    return _check_rows(rows, name)


def _exists(path: Path) -> bool:
    """Whether something is there (long inline rows are no file name: ENAMETOOLONG means no)."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


_WHY_LIMIT = Msg("why_x_limit", {})


def read_x_file(path: Path, *, max_bytes: int = MAX_X_BYTES) -> str:
    """The file's text (UTF-8, an optional BOM), read up to max_bytes and refused beyond
    (`fileio.read_limited`: by its size for a regular file; a FIFO or device only up to the limit)."""
    what = Msg("what_x_file", {"path": str(path)})
    data = read_limited(path, what, max_bytes=max_bytes, why=_WHY_LIMIT, error=ToyInputError)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise tr_error(ToyInputError, "err_not_utf8", what=what, byte=f"{data[e.start]:02x}", at=e.start) from None


def _from_json(text: str, name: str | Msg) -> list:
    data = jsonfile.loads(text, name, error=ToyInputError)  # finite numbers only
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
                raise ToyInputError(f"{name}: x[{i}][{j}] = {short_number(repr(v), 40)} is not a number")
            try:
                f = float(v)
            except ValueError:
                raise ToyInputError(f"{name}: x[{i}][{j}] = {short_number(repr(v), 40)} is not a number") from None
            except OverflowError:  # an int beyond float64 (400 digits) from a caller other than jsonfile
                f = math.inf
            if not math.isfinite(f):
                raise ToyInputError(f"{name}: x[{i}][{j}] is {short_number(str(v))}: x must hold finite numbers")
            vals.append(f)
        if out and len(vals) != len(out[0]):
            raise ToyInputError(f"{name}: row {i} has {len(vals)} values but row 0 has {len(out[0])}")
        out.append(tuple(vals))
    return tuple(out)
