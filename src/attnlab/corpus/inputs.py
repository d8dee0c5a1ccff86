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
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import AttnlabError

FORMATS = {".txt": "txt", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet"}
_HASH_CHUNK = 1 << 20


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
    documents: int  # lines or rows, empty ones included
    parts: tuple[Part, ...]  # in order, covering positions 0 .. documents-1


def input_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise CorpusInputError(f"{path}: unknown input type {path.suffix or '(no suffix)'!r}: give a .txt (one "
                               "document per line), .jsonl (one JSON object per line) or .parquet file")
    return fmt


def check_input(path: str | os.PathLike) -> Path:
    """The input path when it is an existing file of a known type (a quick check before loading a model)."""
    p = Path(path).expanduser()
    input_format(p)
    if not p.is_file():
        raise CorpusInputError(f"{p}: no such file" if not p.exists() else f"{p} is not a file")
    return p


def scan(path: str | os.PathLike, *, field: str | None = None, part_docs: int = 256,
         part_bytes: int = 256 * 1024) -> InputPlan:
    """Check every document of the input and cut it into parts (see the module docstring)."""
    p = Path(path).expanduser()
    fmt = input_format(p)
    if fmt != "txt":
        field = field or "text"
    elif field is not None:
        raise CorpusInputError(f"{p}: a .txt file has one document per line and no fields; drop --field {field}")
    if part_docs < 1 or part_bytes < 1:
        raise CorpusInputError(f"parts need at least 1 document and 1 byte, got {part_docs} and {part_bytes}")
    try:
        if not p.is_file():
            raise CorpusInputError(f"{p}: no such file" if not p.exists() else f"{p} is not a file")
        size = p.stat().st_size
        if fmt == "parquet":
            parts, documents = _scan_parquet(p, field, part_docs, part_bytes)
        else:
            parts, documents = _scan_lines(p, fmt, field, part_docs, part_bytes)
        digest = _file_sha256(p)
    except OSError as e:
        raise CorpusInputError(f"cannot read {p}: {e.strerror or e}") from None
    return InputPlan(str(p.resolve()), fmt, field, size, digest, documents, tuple(parts))


def _file_sha256(p: Path) -> str:
    h = hashlib.sha256()
    with open(p, "rb") as f:
        while block := f.read(_HASH_CHUNK):
            h.update(block)
    return h.hexdigest()


def _lines(f, offset: int = 0) -> Iterator[tuple[int, bytes]]:
    """(offset of the line, the line with its end) for every line of a binary file."""
    for raw in f:
        yield offset, raw
        offset += len(raw)


def _scan_lines(p: Path, fmt: str, field: str | None, part_docs: int, part_bytes: int) -> tuple[list[Part], int]:
    parts: list[Part] = []
    start = byte_start = 0
    h = hashlib.sha256()
    n = 0
    with open(p, "rb") as f:
        for offset, raw in _lines(f):
            _document(raw, n + 1, fmt, field, p)  # raises with the line number
            h.update(raw)
            n += 1
            end = offset + len(raw)
            if n - start >= part_docs or end - byte_start >= part_bytes:
                parts.append(Part(len(parts), start, n, byte_start, end, h.hexdigest()))
                start, byte_start, h = n, end, hashlib.sha256()
        if n > start:
            parts.append(Part(len(parts), start, n, byte_start, f.tell(), h.hexdigest()))
    return parts, n


def _document(raw: bytes, line: int, fmt: str, field: str | None, p: Path) -> str:
    """The text of one line (a blank line: ""), or CorpusInputError naming the line."""
    body = raw[:-1] if raw.endswith(b"\n") else raw
    body = body[:-1] if body.endswith(b"\r") else body
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise CorpusInputError(f"{p}, line {line}: not UTF-8 text (byte {e.start + 1} of the line is "
                               f"0x{body[e.start]:02x})") from None
    if fmt == "txt" or not text.strip():
        return text
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        raise CorpusInputError(f"{p}, line {line}: not valid JSON ({e.msg} at column {e.colno})") from None
    if not isinstance(obj, dict):
        raise CorpusInputError(f"{p}, line {line}: a JSON {type(obj).__name__}, expected an object with "
                               f"a {field!r} field")
    if field not in obj:
        keys = ", ".join(list(obj)[:5]) or "none"
        raise CorpusInputError(f"{p}, line {line}: no field {field!r} (fields: {keys}); name the text's field "
                               "with --field")
    value = obj[field]
    if value is None:
        return ""
    if not isinstance(value, str):
        raise CorpusInputError(f"{p}, line {line}: field {field!r} is a {type(value).__name__}, expected a string")
    return value


def _parquet(p: Path, field: str):
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(p)
    except (pa.ArrowException, OSError) as e:
        raise CorpusInputError(f"{p}: not a readable Parquet file ({e})") from None
    schema = pf.schema_arrow
    if field not in schema.names:
        raise CorpusInputError(f"{p}: no column {field!r} (columns: {', '.join(schema.names[:8])}); name the "
                               "text's column with --field")
    kind = schema.field(field).type
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        raise CorpusInputError(f"{p}: column {field!r} holds {kind}, expected strings")
    return pf


def _scan_parquet(p: Path, field: str, part_docs: int, part_bytes: int) -> tuple[list[Part], int]:
    import pyarrow as pa

    pf = _parquet(p, field)
    parts: list[Part] = []
    start = n = 0
    size = 0
    try:
        for batch in pf.iter_batches(columns=[field], batch_size=4096):
            for value in batch.column(0).to_pylist():
                size += len(value.encode("utf-8")) if value else 0
                n += 1
                if n - start >= part_docs or size >= part_bytes:
                    parts.append(Part(len(parts), start, n, 0, 0, ""))
                    start, size = n, 0
    except (pa.ArrowException, OSError) as e:
        raise CorpusInputError(f"{p}: cannot read row {n + 1} on ({e})") from None
    if n > start:
        parts.append(Part(len(parts), start, n, 0, 0, ""))
    return parts, n


def read_part(plan: InputPlan, part: Part) -> list[str]:
    """The texts of the part's documents, in order (blank or null ones as "")."""
    p = Path(plan.path)
    if plan.format == "parquet":
        try:
            changed = p.stat().st_size != plan.size
        except OSError as e:
            raise CorpusInputError(f"cannot read {p}: {e.strerror or e}") from None
        if changed:
            raise CorpusInputError(f"{p} changed since the run began (its size differs); start again with the new file")
        return _read_parquet_rows(p, plan.field or "text", part.start, part.stop)
    try:
        with open(p, "rb") as f:
            f.seek(part.byte_start)
            data = f.read(part.byte_stop - part.byte_start)
    except OSError as e:
        raise CorpusInputError(f"cannot read {p}: {e.strerror or e}") from None
    if hashlib.sha256(data).hexdigest() != part.digest:
        raise CorpusInputError(f"{p} changed since the run began (lines {part.start + 1}-{part.stop} differ); "
                               "start again with the new file")
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [_document(raw, part.start + i + 1, plan.format, plan.field, p) for i, raw in enumerate(lines)]


def _read_parquet_rows(p: Path, field: str, start: int, stop: int) -> list[str]:
    """Rows start .. stop-1 of the column, reading only the row groups that hold them."""
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
    column = pf.read_row_groups(groups, columns=[field]).column(0)
    values = column.slice(start - first, stop - start).to_pylist()
    return [v or "" for v in values]

