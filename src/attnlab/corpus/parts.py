"""Part files: one Parquet file per part, one row per (document, layer, head), written atomically.

Layout (docs/scaling.md says why a long table rather than list columns): rows sorted by
(position, layer, head), every scored document complete with n_layers x n_heads rows, columns

    position int64, doc_hash string, n_tokens int32, cut_tokens int32,     the document
    layer int16, head int16,                                               the head
    prev_token, self, first_token, entropy, mean_distance,                 census scores, float32
    rows_max_weight, rows_entropy, rows_first_weight, rows_mean_distance   row-statistic means, float32

and, in the file's key-value metadata under "attnlab.part", the part's counts as JSON: its index,
first and stop position, documents scored, tokens, and each skipped document (position, reason:
empty | too_short | too_long | bad_line, tokens). A part whose documents were all skipped is still written
(no rows), so that a resumed run knows it is done.

A part is serialised to bytes in the process that computed it (`part_bytes`), then written by the
driver under a hidden temporary name (`.part-000012.parquet.<random>.tmp`, `fileio`'s, which no Parquet reader
globs or lists: pyarrow, pandas and polars skip names starting with "." and DuckDB's `*.parquet`
does not match `.tmp`), flushed to disk and renamed: a reader sees a whole part or none.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .. import jsonfile
from ..checks import first_line
from ..errors import AttnlabError
from ..i18n import Msg, tr_error
from ..jsonfile import Field
from .document import SCORES, PartResult

SKIP_REASONS = ("empty", "too_short", "too_long", "bad_line")  # why a document of a part was not scored

PART_KEY = b"attnlab.part"
_PART_NAME = re.compile(r"^part-(\d{6,})\.parquet$")
_TMP_NAME = re.compile(r"^\.(part-\d{6,}\.parquet|_manifest\.json)\.[0-9a-f]+\.tmp$")  # fileio's temporaries


def part_name(index: int) -> str:
    return f"part-{index:06d}.parquet"


def schema() -> Any:
    import pyarrow as pa

    fields = [
        pa.field("position", pa.int64()),
        pa.field("doc_hash", pa.string()),
        pa.field("n_tokens", pa.int32()),
        pa.field("cut_tokens", pa.int32()),
        pa.field("layer", pa.int16()),
        pa.field("head", pa.int16()),
    ]
    return pa.schema(fields + [pa.field(name, pa.float32()) for name in SCORES])


def schema_columns() -> list[list[str]]:
    """[[column, Arrow type], ...] of the part files: what a run's manifest records as its layout."""
    return [[field.name, str(field.type)] for field in schema()]


def part_table(result: PartResult, n_layers: int, n_heads: int) -> Any:
    """The part's rows as an Arrow table (see the module docstring for the layout)."""
    import numpy as np
    import pyarrow as pa

    per_doc = n_layers * n_heads
    n_docs = len(result.docs)
    cols: dict[str, Any] = {
        "position": np.repeat(np.array([d.position for d in result.docs], dtype=np.int64), per_doc),
        "doc_hash": pa.DictionaryArray.from_arrays(
            np.repeat(np.arange(n_docs, dtype=np.int32), per_doc), pa.array([d.digest for d in result.docs])
        ).cast(pa.string()),
        "n_tokens": np.repeat(np.array([len(d.ids) for d in result.docs], dtype=np.int32), per_doc),
        "cut_tokens": np.repeat(np.array([d.cut for d in result.docs], dtype=np.int32), per_doc),
        "layer": np.tile(np.repeat(np.arange(n_layers, dtype=np.int16), n_heads), n_docs),
        "head": np.tile(np.arange(n_heads, dtype=np.int16), n_layers * n_docs),
    }
    for name in SCORES:
        if n_docs:
            cols[name] = np.concatenate([s[name].numpy().astype(np.float32).reshape(-1) for s in result.scores])
        else:
            cols[name] = np.zeros(0, dtype=np.float32)
    return pa.table(cols, schema=schema())


def part_info(index: int, start: int, stop: int, result: PartResult) -> dict[str, Any]:
    return {
        "index": index,
        "start": start,
        "stop": stop,
        "documents": len(result.docs),
        "tokens": sum(len(d.ids) for d in result.docs),
        "truncated": sum(1 for d in result.docs if d.cut),
        "cut_tokens": sum(d.cut for d in result.docs),
        "skipped": [list(s) for s in sorted(result.skipped)],
    }


def part_bytes(table: Any, info: dict[str, Any]) -> bytes:
    """The whole Parquet file as bytes (zstd), the part's counts in its metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = table.replace_schema_metadata({PART_KEY: json.dumps(info, separators=(",", ":")).encode()})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd", use_dictionary=["doc_hash"], write_statistics=True)
    return sink.getvalue().to_pybytes()


def write_part(folder: Path, index: int, data: bytes) -> Path:
    """Write the part's bytes under a temporary name, flush them to disk, then rename into place
    (`fileio.write_bytes`, whose temporary name `_TMP_NAME` matches)."""
    from ..fileio import write_bytes

    return write_bytes(folder / part_name(index), data, what="a part file", fsync=True)


def done_parts(folder: Path) -> dict[int, Path]:
    """{index: path} of the part files present (complete by construction: written by rename)."""
    found = {}
    for p in folder.iterdir():
        m = _PART_NAME.match(p.name)
        if m:
            found[int(m.group(1))] = p
    return found


def remove_stale_temporaries(folder: Path) -> int:
    """Remove the temporary files (parts, manifest) an interrupted run left: only the names fileio gives
    them, and only regular files."""
    n = 0
    for p in folder.iterdir():
        if _TMP_NAME.match(p.name) and p.is_file() and not p.is_symlink():
            p.unlink(missing_ok=True)
            n += 1
    return n


_COUNT = Field("int", required=True, lo=0)
INFO_FIELDS = {  # the part's counts in its footer (see part_info)
    **{k: _COUNT for k in ("index", "start", "stop", "documents", "tokens", "truncated", "cut_tokens")},
    "skipped": Field("list", required=True, items=(Field("row", items=(
        Field("int", lo=0), Field("str", choices=SKIP_REASONS), Field("int", lo=0))),)),
}


class PartFileError(AttnlabError):
    """A part file that cannot be read back: damaged, or not written by attnlab."""


def read_info(path: Path) -> dict[str, Any]:
    """The part's counts from its metadata (reads the footer only), their shape checked (`jsonfile`);
    PartFileError when the file is damaged or its counts are not attnlab's."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not path.is_file():  # a folder, or a FIFO that reading would wait on forever
        raise damaged(path, Msg("part_not_file", {}))
    try:
        meta = pq.read_schema(path).metadata or {}
    except (pa.ArrowException, OSError) as e:
        raise damaged(path, first_line(e)) from None
    if PART_KEY not in meta:
        raise damaged(path, Msg("part_no_counts", {}))
    what = Msg("what_part_counts", {})
    try:
        text = meta[PART_KEY].decode("utf-8")
    except UnicodeDecodeError:
        raise damaged(path, Msg("part_no_counts", {})) from None
    try:
        info = jsonfile.check(jsonfile.loads(text, what, error=PartFileError), INFO_FIELDS, what, error=PartFileError)
    except PartFileError as e:
        raise damaged(path, e.i18n) from None  # type: ignore[attr-defined]
    if info["index"] != part_index(path):
        raise damaged(path, Msg("part_wrong_index", {"index": info["index"]}))
    return info


def damaged(path: Path, problem: str | Msg) -> PartFileError:
    """The error for a damaged part file: which, what is wrong, and how to recompute it."""
    return tr_error(PartFileError, "err_part_damaged", path=str(path), problem=problem)


def part_index(path: Path) -> int | None:
    m = _PART_NAME.match(path.name)
    return int(m.group(1)) if m else None
