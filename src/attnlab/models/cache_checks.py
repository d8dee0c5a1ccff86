"""What is checked about a converted copy (`models.cache`), when, and what each check catches.

The manifest, written last by the conversion, records for every file its size, mtime_ns and sha256,
and for each safetensors file the sha256 of its header (the 8-byte length and the JSON that names
every tensor, its dtype, shape and byte offsets: ~30 KB for SmolLM2-135M); a `seal`, the sha256 of
all that, makes an edited manifest visible. Hashing all 0.5 GB on every load would cost seconds, so:

| check                                  | when        | catches                                          |
|----------------------------------------|-------------|--------------------------------------------------|
| the damaged mark (`DAMAGED`)           | every load  | a copy an earlier check found bad                |
| the manifest: JSON, shape, seal        | every load  | a missing, malformed (`[]`) or edited manifest   |
| every file's size                      | every load  | truncated or grown files, a missing file         |
| each safetensors header's sha256       | every load  | changed tensor names, dtypes, shapes, offsets    |
| sha256 of a file whose mtime changed   | every load  | any change that moved the file's mtime           |
| weights finite (`nonfinite_weights`)   | every load, | NaN or inf written into any weight               |
|                                        | once loaded |                                                  |
| sha256 of every file (`full=True`)     | `--verify`  | anything else: other finite values with the size |
|                                        |             | and mtime kept (bit rot, a deliberate edit)      |

What only `--verify` catches is marked (`DAMAGED`, written by `models.cache.mark_damaged`), so the
next load's first check refuses the copy and the load rebuilds it, or says why it cannot.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import stat
from pathlib import Path
from typing import Any

from ..errors import AttnlabError
from ..fileio import write_text

MANIFEST = "attnlab-manifest.json"
DAMAGED = "attnlab-damaged.json"  # written into a copy found bad: {"problem": ..., "found_by": ...}
CACHE_FORMAT = 3  # 3: safetensors header hashes and a seal (2: no header hashes; 1: sizes of the weights)
OTHER_VERSION = "made by another attnlab version"  # a copy this version neither uses nor judges
MAX_HEADER = 100_000_000  # safetensors' own limit on the header's length
_HEX = frozenset("0123456789abcdef")


class ManifestProblem(Exception):
    """What is wrong with a manifest, in a few words (internal: check_cache returns the words)."""


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def header_sha256(path: Path) -> str:
    """sha256 of a safetensors file's header: its 8-byte little-endian length n, then n bytes of JSON
    (n capped by the file's size and MAX_HEADER, so any file gives a hash, a damaged one too)."""
    with open(path, "rb") as f:
        head = f.read(8)
        n = int.from_bytes(head, "little") if len(head) == 8 else 0
        return hashlib.sha256(head + f.read(min(n, MAX_HEADER))).hexdigest()


def _seal(manifest: dict) -> str:
    body = {k: manifest.get(k) for k in ("format", "source", "files")}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _write(folder: Path, manifest: dict) -> None:
    manifest["seal"] = _seal(manifest)
    write_text(folder / MANIFEST, json.dumps(manifest, indent=1), what="the cache manifest")


def write_manifest(folder: Path, source: Path) -> None:
    """Size, mtime_ns, sha256 (and header sha256) of every file in `folder`, sealed; written last:
    its presence means the copy is complete."""
    files = {}
    for p in sorted(folder.iterdir()):
        if p.name not in (MANIFEST, DAMAGED):
            st = p.stat()
            files[p.name] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha256_file(p)}
            if p.name.endswith(".safetensors"):
                files[p.name]["header_sha256"] = header_sha256(p)
    _write(folder, {"format": CACHE_FORMAT, "source": str(source), "files": files})


def read_manifest(folder: Path) -> dict:
    """The manifest, checked for shape and seal; ManifestProblem says what is wrong, FileNotFoundError
    when there is none."""
    try:
        data = json.loads((folder / MANIFEST).read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ManifestProblem("the manifest is not valid JSON") from None
    if not isinstance(data, dict):
        raise ManifestProblem(f"the manifest is not a JSON object (it is a {type(data).__name__})")
    if data.get("format") != CACHE_FORMAT:
        raise ManifestProblem(f"{OTHER_VERSION} (cache format {repr(data.get('format'))[:40]})")
    files = data.get("files")
    if not isinstance(files, dict) or "model.safetensors" not in files:
        raise ManifestProblem("the manifest lists no model.safetensors")
    for name, meta in files.items():
        if not _entry_ok(name, meta):
            raise ManifestProblem(f"the manifest's entry {name[:80]!r} is malformed")
    if data.get("seal") != _seal(data):
        raise ManifestProblem("the manifest was changed after it was written (its seal does not match)")
    return data


def _entry_ok(name: str, meta: Any) -> bool:
    """A plain file name of the copy, with whole-number size and mtime and hex hashes."""
    if name in ("", ".", "..", MANIFEST, DAMAGED) or any(c in name for c in "/\\\0") or not isinstance(meta, dict):
        return False
    numbers = all(type(meta.get(k)) is int and meta[k] >= 0 for k in ("size", "mtime_ns"))
    keys = ("sha256", "header_sha256") if name.endswith(".safetensors") else ("sha256",)
    hashes = all(isinstance(meta.get(k), str) and len(meta[k]) == 64 and set(meta[k]) <= _HEX for k in keys)
    return numbers and hashes


def damage_mark(folder: Path) -> str | None:
    """The problem recorded by an earlier check that found `folder` bad; None when unmarked."""
    try:
        mark = json.loads((folder / DAMAGED).read_bytes().decode("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        mark = None
    problem = mark.get("problem") if isinstance(mark, dict) else None
    return f"found damaged earlier: {problem}" if isinstance(problem, str) else "found damaged earlier"


def check_cache(folder: Path, *, full: bool = False) -> str | None:
    """None when `folder` holds a complete, undamaged copy; else what is wrong, in a few words.

    full=False, the cheap check on every load: the mark, the manifest, sizes and safetensors headers,
    hashing only files whose mtime changed (then recording the new mtime when the hash matches).
    full=True: every file hashed too. See the module docstring for what each catches.
    """
    if not folder.is_dir():
        return "not converted yet"
    marked = damage_mark(folder)
    if marked is not None:
        return marked
    try:
        manifest = read_manifest(folder)
        touched = False
        for name, meta in manifest["files"].items():
            problem = _file_problem(folder / name, meta, full)
            if problem is not None:
                return problem
            touched |= meta["mtime_ns"] != (mtime := (folder / name).stat().st_mtime_ns)
            meta["mtime_ns"] = mtime
    except ManifestProblem as e:
        return str(e)
    except FileNotFoundError as e:
        return f"{Path(e.filename or MANIFEST).name} is missing (an interrupted conversion?)"
    except OSError as e:
        return f"{Path(e.filename or MANIFEST).name} cannot be read ({e.strerror or type(e).__name__})"
    if touched:  # same content, new mtime (copied, touched): skip the hash next time
        with contextlib.suppress(AttnlabError):
            _write(folder, manifest)
    return None


def _file_problem(path: Path, meta: dict, full: bool) -> str | None:
    st = path.stat()
    if not stat.S_ISREG(st.st_mode):
        return f"{path.name} is not a regular file"
    if st.st_size != meta["size"]:
        return f"{path.name} has {st.st_size} bytes, {meta['size']} were written"
    if "header_sha256" in meta and header_sha256(path) != meta["header_sha256"]:
        return f"{path.name}'s header (tensor names, shapes, offsets) is not the one written"
    if (full or st.st_mtime_ns != meta["mtime_ns"]) and sha256_file(path) != meta["sha256"]:
        return f"{path.name} does not match the sha256 recorded when it was written (damaged or changed)"
    return None


def valid_cache(folder: Path) -> bool:
    """True when `check_cache(folder)` finds nothing wrong (the cheap check)."""
    return check_cache(folder) is None


def nonfinite_weights(model: Any) -> str | None:
    """The first weight of `model` holding NaN or inf, named, with counts; None when all are finite.

    One sum per tensor: a finite sum proves every element finite (NaN and inf propagate through
    additions); only a non-finite sum, which an overflow of huge finite values can also give, is
    confirmed element by element. Measured on SmolLM2-135M (135 M weights, 2 CPU threads) in
    docs/cache.md: a fraction of the element-wise `isfinite().all()`.
    """
    import torch

    with torch.no_grad():
        for name, t in [*model.named_parameters(), *model.named_buffers()]:
            if not t.is_floating_point() or bool(torch.isfinite(t.sum())):
                continue
            bad = ~torch.isfinite(t)
            if bool(bad.any()):
                nan = int(torch.isnan(t).sum())
                return f"{name} holds {nan} NaN and {int(bad.sum()) - nan} infinite values of {t.numel()}"
    return None
