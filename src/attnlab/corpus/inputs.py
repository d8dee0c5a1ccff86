"""Reading a corpus: .txt (one document per line), .jsonl (a string field per line), Parquet (a string column).

The input is read twice, by the same code: once by `scan` before any model work (it checks every
line or row, so a malformed line 81,233 fails in seconds with its number, not after hours; it
hashes the whole file, which names the input in the manifest; and it cuts the documents into
parts), then part by part by `read_part`, in whichever process computes that part (the local
engine's, or a Ray actor's, which reads the file itself: the driver never ships the texts).

A part is a run of consecutive documents, at most `part_docs` of them and about `part_bytes` of
text, decided from the file alone (no tokenizer), so every engine cuts the same parts. Positions
are 0-based: the line number minus 1 (.txt, .jsonl; blank lines count), the row index (Parquet).
Lines end at b"\\n" (a trailing "\\r" is removed), not at the other characters `str.splitlines` takes
for line breaks, so line numbers match `wc -l` and editors.

Bad lines. A line (or row) longer than `max_line_bytes` is never parsed or even held: it is read in
chunks only to hash it and find its end, so a 15 MB line costs no more memory than a short one
(before: +3 GB, the tokenizer's). That, bytes that are not UTF-8, JSON that is not an object, a
text field that is not a string or holds a lone surrogate ("\\udcff" escaped in the file) make a
bad line. `on_bad_line="error"` (the default) refuses the first during the scan, naming file and
line, before any part is written; "skip" leaves them out: `read_part` gives None for them, the part
records them as skipped ("bad_line"), and the scan counts them.
"""

from __future__ import annotations

import codecs
import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .. import jsonfile
from ..checks import first_line, size_text
from ..errors import AttnlabError
from ..fileio import user_path
from ..i18n import Msg, tr_error

FORMATS = {".txt": "txt", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet"}
MAX_LINE_BYTES = 2**20  # the default longest line or row: 1 MiB holds any document a bundled model takes whole
ON_BAD_LINE = ("error", "skip")
_CHUNK = 1 << 20  # bytes read at a time when hashing or skipping


class CorpusInputError(AttnlabError):
    """An input file that cannot be read, or a line / row that is not a document."""


@dataclass(frozen=True)
class Part:
    """A run of consecutive documents, the unit of work and of one output file."""

    index: int  # 0, 1, ...: the part file part-{index:06d}.parquet
    start: int  # position of its first document
    stop: int  # one past its last document's position
    byte_start: int  # .txt / .jsonl: offset of its first line in the file (Parquet: 0)
    byte_stop: int  # .txt / .jsonl: offset just past its last line (Parquet: 0)
    digest: str  # .txt / .jsonl: sha256 of those bytes, checked when the part is read ("": Parquet)


@dataclass(frozen=True)
class InputPlan:
    """What `scan` found: the file, how to read it, and its parts."""

    path: str  # absolute path of the input file
    format: str  # "txt" | "jsonl" | "parquet"
    field: str | None  # the JSON field or Parquet column holding the text (None: .txt)
    size: int  # bytes
    sha256: str  # of the whole file
    documents: int  # lines or rows, empty and bad ones included
    parts: tuple[Part, ...]  # in order, covering positions 0 .. documents-1
    max_line_bytes: int = MAX_LINE_BYTES  # a longer line or row is a bad line (never parsed)
    skip_bad: bool = False  # True: bad lines are left out (read_part gives None); False: the scan refused them
    bad_lines: int = 0  # bad lines or rows found by the scan (0 unless skip_bad)


def input_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise CorpusInputError(f"{path}: unknown input type {path.suffix or '(no suffix)'!r}: give a .txt (one "
                               "document per line), .jsonl (one JSON object per line) or .parquet file")
    return fmt


def check_input(path: str | os.PathLike) -> Path:
    """The input path when it is an existing file of a known type (a quick check before loading a model)."""
    p = user_path(path, error=CorpusInputError)
    input_format(p)
    if not p.is_file():
        raise CorpusInputError(f"{p}: no such file" if not p.exists() else f"{p} is not a file")
    return p


OnBad = Callable[[CorpusInputError], None]  # told of each bad line the scan leaves out


def scan(path: str | os.PathLike, *, field: str | None = None, part_docs: int = 256, part_bytes: int = 256 * 1024,
         max_line_bytes: int = MAX_LINE_BYTES, on_bad_line: str = "error", on_bad: OnBad | None = None) -> InputPlan:
    """Check every document of the input and cut it into parts (see the module docstring).

    on_bad_line: "error" raises CorpusInputError at the first bad line; "skip" counts them and tells
    `on_bad` of each. Nothing is held beyond one line (or one batch of Parquet rows) at a time.
    """
    p = user_path(path, error=CorpusInputError)
    fmt = input_format(p)
    if fmt != "txt":
        field = field or "text"
    elif field is not None:
        raise CorpusInputError(f"{p}: a .txt file has one document per line and no fields; drop --field {field}")
    if part_docs < 1 or part_bytes < 1 or max_line_bytes < 1:
        raise CorpusInputError(f"parts need at least 1 document and 1 byte, and lines 1 byte, got {part_docs}, "
                               f"{part_bytes} and {max_line_bytes}")
    if on_bad_line not in ON_BAD_LINE:
        raise CorpusInputError(f"on_bad_line {on_bad_line!r}: choose error or skip")
    skip = on_bad_line == "skip"
    plan = InputPlan(str(p), fmt, field, 0, "", 0, (), max_line_bytes, skip)
    bad: list[CorpusInputError] = []

    def refused(e: CorpusInputError) -> None:
        if not skip:
            raise tr_error(CorpusInputError, "err_bad_line_skip", problem=getattr(e, "i18n", None) or str(e)) from None
        bad.append(e)
        if on_bad is not None:
            on_bad(e)

    try:
        if not p.is_file():
            raise CorpusInputError(f"{p}: no such file" if not p.exists() else f"{p} is not a file")
        size = p.stat().st_size
        scanner = _scan_parquet if fmt == "parquet" else _scan_lines
        parts, documents = scanner(plan, part_docs, part_bytes, refused)
        digest = _file_sha256(p)
    except OSError as e:
        raise CorpusInputError(f"cannot read {p}: {e.strerror or e}") from None
    return InputPlan(str(p.resolve()), fmt, field, size, digest, documents, tuple(parts), max_line_bytes, skip,
                     len(bad))


def _file_sha256(p: Path) -> str:
    h = hashlib.sha256()
    with open(p, "rb") as f:
        while block := f.read(_CHUNK):
            h.update(block)
    return h.hexdigest()


Line = tuple[bytes | None, int, int]  # the text (None: longer than the cap), bytes with its end, bytes without


def _lines(f: BinaryIO, cap: int, sink: Callable[[bytes], object]) -> Iterator[Line]:
    """(the line without its end, or None when longer than `cap` bytes; its length with its end; without)
    for every line from f's position on. Every byte goes to `sink` (a hash); a long line is read in
    chunks and dropped, never held whole."""
    while raw := f.readline(cap + 2):  # + 2: room for the "\r\n" that is not part of the text
        sink(raw)
        n = len(raw)
        if n == cap + 2 and not raw.endswith(b"\n"):  # longer than the cap: on to its end
            while not raw.endswith(b"\n") and (raw := f.readline(_CHUNK)):
                sink(raw)
                n += len(raw)
            yield None, n, n - _ending(raw)
            continue
        body = raw[: len(raw) - _ending(raw)]
        yield (body if len(body) <= cap else None), n, len(body)


def _ending(raw: bytes) -> int:
    """Bytes of the line end that `raw` (a line, or its last chunk) finishes with: "\r\n" 2, "\n" 1, none 0."""
    return 2 if raw.endswith(b"\r\n") else 1 if raw.endswith(b"\n") else 0


def _scan_lines(plan: InputPlan, part_docs: int, part_bytes: int,
                refused: Callable[[CorpusInputError], None]) -> tuple[list[Part], int]:
    parts: list[Part] = []
    start = byte_start = end = 0
    hashes = [hashlib.sha256()]  # the current part's, last
    n = 0
    with open(plan.path, "rb") as f:
        for body, length, size in _lines(f, plan.max_line_bytes, lambda raw: hashes[-1].update(raw)):
            try:
                _document(body, size, n + 1, plan)
            except CorpusInputError as e:
                refused(e)  # raises unless bad lines are skipped
            n += 1
            end += length
            if n - start >= part_docs or end - byte_start >= part_bytes:
                parts.append(Part(len(parts), start, n, byte_start, end, hashes[-1].hexdigest()))
                start, byte_start = n, end
                hashes.append(hashlib.sha256())
        if n > start:
            parts.append(Part(len(parts), start, n, byte_start, end, hashes[-1].hexdigest()))
    return parts, n


def _bad(plan: InputPlan, line: int, key: str, **fields: object) -> CorpusInputError:
    """The error of one bad line (Parquet: row): file, line, the problem (STRINGS[key]) and what to do."""
    return _bad_line(plan, line, Msg(key, fields))


def _bad_line(plan: InputPlan, line: int, problem: Msg | str) -> CorpusInputError:
    where = "err_corpus_row" if plan.format == "parquet" else "err_corpus_line"
    return tr_error(CorpusInputError, where, path=plan.path, line=line, problem=problem)


def _document(body: bytes | None, size: int, line: int, plan: InputPlan) -> str:
    """The text of one line (a blank line: ""; `size`: its bytes), or CorpusInputError naming the line."""
    if body is None:
        raise _bad(plan, line, "bad_line_long", size=size_text(size), limit=size_text(plan.max_line_bytes))
    if line == 1 and plan.format != "parquet":
        body = body.removeprefix(codecs.BOM_UTF8)  # a file saved "with BOM" (Windows editors): no part of the text
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _bad(plan, line, "bad_line_utf8", at=e.start + 1, byte=f"{body[e.start]:02x}") from None
    if plan.format != "jsonl" or not text.strip():  # .txt lines and Parquet values are the text itself
        return text
    field = plan.field
    try:
        obj = jsonfile.loads(text, Msg("what_line", {}), error=CorpusInputError)
    except CorpusInputError as e:
        raise _bad_line(plan, line, getattr(e, "i18n", None) or str(e)) from None
    if not isinstance(obj, dict):
        raise _bad(plan, line, "bad_line_not_object", got=type(obj).__name__, field=field)
    if field not in obj:
        keys = ", ".join(list(obj)[:5]) or "none"
        raise _bad(plan, line, "bad_line_no_field", field=field, keys=keys)
    value = obj[field]
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _bad(plan, line, "bad_line_not_text", field=field, got=type(value).__name__)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as e:  # "\udcff" escaped in the file: JSON takes it, UTF-8 cannot hold it
        raise _bad(plan, line, "bad_line_surrogate", field=field, code=f"{ord(value[e.start]):04X}",
                   at=e.start) from None
    return value


def _parquet(p: Path, field: str):
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(p)
    except (pa.ArrowException, OSError) as e:
        raise CorpusInputError(f"{p}: not a readable Parquet file ({first_line(e)})") from None
    schema = pf.schema_arrow
    if field not in schema.names:
        raise CorpusInputError(f"{p}: no column {field!r} (columns: {', '.join(schema.names[:8])}); name the "
                               "text's column with --field")
    kind = schema.field(field).type
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        raise CorpusInputError(f"{p}: column {field!r} holds {kind}, expected strings")
    return pf


def _row_bytes(column) -> list[bytes | None]:
    """A string column's values as bytes, not yet decoded: Parquet does not promise UTF-8, and Arrow
    decodes only when asked (a UnicodeDecodeError from to_pylist, no row number)."""
    import pyarrow as pa

    return column.cast(pa.large_binary()).to_pylist()


def _row_text(value: bytes | None, row: int, plan: InputPlan) -> str:
    """The text of one row (null: ""), or CorpusInputError naming the row."""
    if value is None:
        return ""
    return _document(value if len(value) <= plan.max_line_bytes else None, len(value), row, plan)


def _scan_parquet(plan: InputPlan, part_docs: int, part_bytes: int,
                  refused: Callable[[CorpusInputError], None]) -> tuple[list[Part], int]:
    import pyarrow as pa

    pf = _parquet(Path(plan.path), plan.field or "text")
    parts: list[Part] = []
    start = n = size = 0
    try:
        for batch in pf.iter_batches(columns=[plan.field], batch_size=32):  # 32 rows: huge values stay few
            for value in _row_bytes(batch.column(0)):
                try:
                    _row_text(value, n + 1, plan)
                except CorpusInputError as e:
                    refused(e)
                size += len(value) if value else 0
                n += 1
                if n - start >= part_docs or size >= part_bytes:
                    parts.append(Part(len(parts), start, n, 0, 0, ""))
                    start, size = n, 0
    except (pa.ArrowException, OSError) as e:
        raise tr_error(CorpusInputError, "err_parquet_rows", path=plan.path, first=n + 1,
                       problem=first_line(e)) from None
    if n > start:
        parts.append(Part(len(parts), start, n, 0, 0, ""))
    return parts, n


def read_part(plan: InputPlan, part: Part) -> list[str | None]:
    """The texts of the part's documents, in order (blank or null ones as "", bad ones skipped as None)."""
    p = Path(plan.path)
    if plan.format == "parquet":
        try:
            changed = p.stat().st_size != plan.size
        except OSError as e:
            raise CorpusInputError(f"cannot read {p}: {e.strerror or e}") from None
        if changed:
            raise CorpusInputError(f"{p} changed since the run began (its size differs); start again with the new file")
        values = _read_parquet_rows(p, plan.field or "text", part.start, part.stop)
        return [_or_skipped(plan, _row_text, v, part.start + i + 1, plan) for i, v in enumerate(values)]
    h = hashlib.sha256()
    lines: list[tuple[bytes | None, int]] = []
    try:
        with open(p, "rb") as f:
            f.seek(part.byte_start)
            for body, _, size in _lines(f, plan.max_line_bytes, h.update):
                lines.append((body, size))
                if len(lines) == part.stop - part.start:
                    break
    except OSError as e:
        raise CorpusInputError(f"cannot read {p}: {e.strerror or e}") from None
    if h.hexdigest() != part.digest:
        raise CorpusInputError(f"{p} changed since the run began (lines {part.start + 1}-{part.stop} differ); "
                               "start again with the new file")
    return [_or_skipped(plan, _document, body, size, part.start + i + 1, plan) for i, (body, size) in enumerate(lines)]


def _or_skipped(plan: InputPlan, parse: Callable[..., str], *args: object) -> str | None:
    """parse(*args): one document's text; None for a bad line when the plan skips them."""
    try:
        return parse(*args)
    except CorpusInputError:
        if plan.skip_bad:
            return None
        raise


def _read_parquet_rows(p: Path, field: str, start: int, stop: int) -> list[bytes | None]:
    """Rows start .. stop-1 of the column, as bytes, reading only the row groups that hold them."""
    import pyarrow as pa

    pf = _parquet(p, field)
    meta = pf.metadata
    groups, first, row = [], None, 0
    for g in range(meta.num_row_groups):
        n = meta.row_group(g).num_rows
        if row + n > start and row < stop:
            groups.append(g)
            first = row if first is None else first
        row += n
    if not groups:
        raise CorpusInputError(f"{p} changed since the run began (rows {start + 1}-{stop} are gone)")
    try:
        column = pf.read_row_groups(groups, columns=[field]).column(0)
    except (pa.ArrowException, OSError) as e:
        raise tr_error(CorpusInputError, "err_parquet_rows", path=str(p), first=start + 1,
                       problem=first_line(e)) from None
    return _row_bytes(column.slice(start - first, stop - start))
