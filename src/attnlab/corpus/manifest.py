"""The output folder: its manifest, its lock, and the check that a resumed run is the same run.

`_manifest.json` (a leading underscore: pyarrow, pandas and polars skip it when they read the
folder) records what decides the numbers: the input (path, format, field, size, sha256, documents,
parts), the model (name, kind, layers, heads, where it loaded from), the options (max_tokens,
truncate, batch_tokens, part_docs, part_bytes) and the versions of attnlab, torch, transformers and
pyarrow. A run into a folder that holds a manifest resumes it only when all of that is equal;
otherwise it stops before any work and names what differs. The engine is not part of it: both
engines write the same rows. At the end the manifest is rewritten with `complete: true` and totals.

One run at a time per folder: `_lock` is held with `fcntl.flock` (released by the OS when the
process dies, so a killed run leaves no stale lock). Where `fcntl` does not exist (Windows) no
lock is taken.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import AttnlabError

MANIFEST = "_manifest.json"
LOCK = "_lock"
FORMAT = 1  # bump when the part layout changes
IDENTITY = ("format", "model", "options", "input", "versions")  # what a resumed run must match, in this order


class OutputFolderError(AttnlabError):
    """An output folder that cannot be used for this run."""


def versions() -> dict[str, str]:
    import pyarrow
    import torch
    import transformers

    from .._version import __version__

    return {"attnlab": __version__, "torch": torch.__version__, "transformers": transformers.__version__,
            "pyarrow": pyarrow.__version__}


def prepare_folder(out: Path) -> Path:
    """Create the output folder if needed; refuse a file, a symlink in its place, or no permission."""
    out = Path(out).expanduser()
    if out.is_symlink() and not out.is_dir():
        raise OutputFolderError(f"--out {out} is a link to something that is not a folder")
    if out.exists() and not out.is_dir():
        raise OutputFolderError(f"--out {out} exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputFolderError(f"cannot create --out folder {out}: {e.strerror or e}") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise OutputFolderError(f"cannot write into --out folder {out}: permission denied")
    return out


@contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold the folder's lock for the run; another run on the same folder stops with one line."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory lock
        yield
        return
    fd = os.open(out / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputFolderError(f"another attnlab corpus run is writing into {out}; wait for it or "
                                    "choose another --out") from None
        yield
    finally:
        os.close(fd)


def read_manifest(out: Path) -> dict[str, Any] | None:
    path = out / MANIFEST
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise OutputFolderError(f"{path} cannot be read ({e}); it is not an attnlab corpus folder, or it was "
                                "damaged: choose another --out") from None


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
