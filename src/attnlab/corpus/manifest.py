"""The output folder: its manifest, its lock, and the check that a resumed run is the same run.

`_manifest.json` (a leading underscore: pyarrow, pandas and polars skip it when they read the
folder) records what decides the rows: the Parquet schema of the part files (every column's name and
type, from `parts.schema`: a new score column changes it, so no version number is bumped by hand),
the input (path, format, field, size, sha256, documents, parts), the model (name, kind, layers,
heads, where it loaded from), the options (max_tokens, truncate, batch_tokens, part_docs, part_bytes)
and the versions of attnlab, torch, transformers and pyarrow. A run into a folder that holds a
manifest resumes it only when all of that is equal; otherwise it stops before any work and names
what differs. The engine is not part of it: both engines write the same rows. At the end the
manifest is rewritten with `complete: true` and totals.

One run at a time per folder: `_lock` is held with `locks.held` (released by the OS when the
process dies, so a killed run leaves no stale lock).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .. import jsonfile
from ..errors import AttnlabError
from ..i18n import Msg, tr_error
from ..jsonfile import Field
from ..locks import held

MANIFEST = "_manifest.json"
LOCK = "_lock"
IDENTITY = ("schema", "model", "options", "input", "versions")  # what a resumed run must match, in this order


class OutputFolderError(AttnlabError):
    """An output folder that cannot be used for this run."""


def versions() -> dict[str, str]:
    import pyarrow
    import torch
    import transformers

    from .._version import __version__

    return {"attnlab": __version__, "torch": torch.__version__, "transformers": transformers.__version__,
            "pyarrow": pyarrow.__version__}


def check_folder(out: str | os.PathLike, source: Path | None = None) -> Path:
    """The output folder (~ expanded) when it is, or can be made as, a writable folder; nothing is made.
    Refused besides: the input `source` inside it under a name a run writes (it would be replaced)."""
    from ..fileio import check_folder as writable_folder
    from ..fileio import user_path

    out = writable_folder(user_path(out, error=OutputFolderError), "--out", error=OutputFolderError)
    if source is not None and source.resolve().parent == out.resolve() and _written_here(source.name):
        raise tr_error(OutputFolderError, "err_input_in_out", input=str(source), out=str(out))
    return out


def _written_here(name: str) -> bool:
    """Whether a run writes a file of this name into its folder (parts, manifest, lock, temporaries)."""
    return name in (MANIFEST, LOCK) or (name.startswith(("part-", ".part-", "._manifest")) and
                                        name.endswith((".parquet", ".tmp")))


@contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold the folder's lock for the run; another run on the same folder stops with one line."""
    with held(out / LOCK) as free:
        if not free:
            raise OutputFolderError(f"another attnlab corpus run is writing into {out}; wait for it or "
                                    "choose another --out")
        yield


_COUNT = Field("int", required=True, lo=0)
MANIFEST_FIELDS = {  # what a run and the summary read from a manifest; the rest is compared as written
    "schema": Field("list", required=True, items=(Field("row", items=(Field("str"), Field("str"))),)),
    "model": Field("object", required=True, fields={
        "name": Field("str", required=True), "kind": Field("str", required=True, choices=("encoder", "decoder")),
        "n_layers": Field("int", required=True, lo=1, hi=4096), "n_heads": Field("int", required=True, lo=1, hi=4096),
    }),
    "input": Field("object", required=True, fields={"path": Field("str", required=True), "documents": _COUNT,
                                                    "parts": _COUNT}),
    "options": Field("object", required=True),
    "versions": Field("object", required=True),
    "complete": Field("bool"),
    "totals": Field("object"),
}


def read_manifest(out: Path) -> dict[str, Any] | None:
    """The folder's manifest, its shape checked (`jsonfile`); None when there is none. A damaged one
    (not JSON, `[]`, a count that is no count) is one clear line, not a traceback."""
    path = out / MANIFEST
    if not path.exists() and not path.is_symlink():
        return None
    what = Msg("what_manifest", {"path": str(path)})
    try:
        return jsonfile.check(jsonfile.read(path, what, error=OutputFolderError), MANIFEST_FIELDS, what,
                              error=OutputFolderError)
    except OutputFolderError as e:
        raise tr_error(OutputFolderError, "err_manifest_damaged", problem=getattr(e, "i18n", None) or str(e)) from None


def check_same_run(old: dict[str, Any], new: dict[str, Any], out: Path) -> None:
    """Raise OutputFolderError naming the first difference between a folder's run and this one."""
    for section in IDENTITY:
        a, b = old.get(section), new.get(section)
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            key = next(k for k in [*a, *(k for k in b if k not in a)] if a.get(k) != b.get(k))  # first as written
            what, before, now = f"{section} {key}", a.get(key), b.get(key)
        else:
            what, before, now = section, a, b
        raise OutputFolderError(
            f"{out} holds a run with other settings ({what}: {_short(before)} there, {_short(now)} now); "
            "rerun with the same ones to resume, or choose another --out"
        )


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def write_manifest(out: Path, manifest: dict[str, Any]) -> None:
    """Write the manifest atomically (temporary file, fsync, rename: `fileio.write_text`)."""
    from ..fileio import write_text

    write_text(out / MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", what="the manifest",
               fsync=True)


def check_folder_is_ours(out: Path) -> None:
    """A folder without a manifest must hold no part files: refuse to mix with files of unknown origin."""
    stray = sorted(p.name for p in out.iterdir() if p.name.startswith("part-") and p.name.endswith(".parquet"))
    if stray:
        raise OutputFolderError(f"{out} holds part files ({stray[0]}, ...) but no {MANIFEST}: choose another --out")
