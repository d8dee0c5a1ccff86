"""The converted-GGUF cache: one verified safetensors copy per GGUF, shared safely by processes.

transformers reads a GGUF by de-quantizing every tensor (~30 s for SmolLM2-135M); the first load
writes the result as a safetensors folder here, later loads read it in under a second.

- Location: `$ATTNLAB_CACHE`, else `$XDG_CACHE_HOME/attnlab`, else `~/.cache/attnlab`; copies live
  in its `models/` folder, one per GGUF file version (name, size, mtime) and CACHE_FORMAT.
- Written atomically: a hidden temporary folder `.<copy>.tmp-*`, renamed into place when complete.
- Verified (`models.cache_checks`, whose docstring says what each check catches): the manifest
  (written last) records every file's size, mtime_ns and sha256, and each safetensors header's
  sha256. The cheap check on every load compares the sizes and the headers and hashes a file whose
  mtime changed; the loaded weights are checked finite. `verify_cache(full=True)` hashes everything
  (bit rot keeps mtimes) and marks a copy it finds bad (`mark_damaged`), so no later load uses it.
  A damaged copy is rebuilt, or refused with a message when the cache cannot be written.
- One converter at a time: a process converting holds `flock` on `.<copy>.lock`; others wait for
  it, then use its result. Temporaries left by a killed conversion (`.<copy>.tmp-*`,
  `.<copy>.stale-*`) older than STALE_AFTER_S whose lock is free are removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import AttnlabError
from ..fileio import write_text
from ..locks import held
from ..progress import notice
from .cache_checks import (  # re-exported: the names loading.py and the tests know this module by
    CACHE_FORMAT,
    DAMAGED,
    MANIFEST,
    OTHER_VERSION,
    check_cache,
    damage_mark,
    sha256_file,
    valid_cache,
    write_manifest,
)

__all__ = [
    "CACHE_FORMAT",
    "MANIFEST",
    "CacheCheck",
    "CacheError",
    "cache_root",
    "check_cache",
    "converted_copy",
    "gguf_cache_dir",
    "mark_damaged",
    "sha256_file",
    "valid_cache",
    "verify_cache",
    "write_manifest",
]

STALE_AFTER_S = 600  # a temporary this old whose lock is free was left by a killed conversion
_TEMPORARY = re.compile(r"^\.(?P<copy>.+)\.(?:tmp|stale)-[^/]*$")


class CacheError(AttnlabError):
    """The cache folder cannot be used (a file, an unknown user's ~, not writable when it must be)."""


def cache_root() -> Path:
    """The cache folder named by the environment (see the module docstring); not created here."""
    for var in ("ATTNLAB_CACHE", "XDG_CACHE_HOME"):
        value = os.environ.get(var)
        if value:
            try:
                path = Path(value).expanduser()
            except RuntimeError:  # "~nouser/x": no such user
                raise CacheError(f"{var}={value!r}: cannot find the home folder of {value.split('/')[0]!r}") from None
            return path if var == "ATTNLAB_CACHE" else path / "attnlab"
    try:
        return Path.home() / ".cache" / "attnlab"
    except RuntimeError:
        raise CacheError("no home folder to keep the model cache in: set ATTNLAB_CACHE to a folder") from None


def models_dir() -> Path:
    """`cache_root()/models`; CacheError when something that is not a folder is in the way."""
    root = cache_root()
    for p in (root, root / "models"):
        if p.exists() and not p.is_dir():
            raise CacheError(f"the model cache {str(p)!r} is a file, not a folder: set ATTNLAB_CACHE to a folder")
    return root / "models"


def gguf_cache_dir(gguf: Path) -> Path:
    """One cached copy per GGUF file version (name, size, mtime) and cache format."""
    st = gguf.stat()
    key = hashlib.sha256(f"{gguf.name}|{st.st_size}|{st.st_mtime_ns}|{CACHE_FORMAT}".encode()).hexdigest()
    return models_dir() / f"{gguf.stem}-{key[:12]}"


@contextlib.contextmanager
def cache_lock(dest: Path, *, wait_message: str = "") -> Iterator[None]:
    """Hold the copy's lock (`.<copy>.lock`), waiting while another process converts it."""
    waiting = lambda: notice(wait_message or f"waiting for another process converting {dest.name}")  # noqa: E731
    with held(dest.parent / f".{dest.name}.lock", wait=True, waiting=waiting):
        yield


def clean_stale(models: Path, *, older_than: float = STALE_AFTER_S) -> list[Path]:
    """Remove temporaries of killed conversions: older than `older_than` s, their copy's lock free."""
    try:
        entries = list(models.iterdir())
    except OSError:
        return []
    now = time.time()
    removed = []
    for entry in entries:
        m = _TEMPORARY.match(entry.name)
        try:
            if not m or now - entry.lstat().st_mtime < older_than:
                continue
        except OSError:  # gone meanwhile
            continue
        if _remove_unlocked(models, m["copy"], entry):
            removed.append(entry)
    return removed


def prune_cache(keep: Iterable[Path]) -> list[tuple[Path, int]]:
    """Remove every converted copy in the cache but those in `keep` (the copies the installed
    packages use): copies of GGUF versions no longer installed here, or installed by another
    environment (which converts again on its next load). Only folders with attnlab's manifest are
    touched, each under its lock (a copy being converted is left); stale temporaries go too.
    Returns (folder, bytes freed) for each copy removed."""
    models = models_dir()
    keep = {Path(k).resolve() for k in keep}
    removed = [(p, 0) for p in clean_stale(models)]
    try:
        entries = sorted(p for p in models.iterdir() if not p.name.startswith("."))
    except OSError:
        return removed
    for folder in entries:
        if folder.is_symlink() or not folder.is_dir() or not (folder / MANIFEST).is_file():
            continue  # not a copy attnlab made: never ours to remove
        if folder.resolve() in keep:
            continue
        size = sum(f.stat().st_size for f in folder.iterdir() if f.is_file())
        if _remove_unlocked(models, folder.name, folder):
            removed.append((folder, size))
    return removed


def _remove_unlocked(models: Path, copy: str, target: Path) -> bool:
    """Remove `target` (copy `copy` or one of its temporaries) unless a conversion holds the copy's
    lock; False when it does, or when the cache cannot be written (then nothing is removed)."""
    try:
        with held(models / f".{copy}.lock") as free:
            if not free:
                return False  # a conversion is running
            shutil.rmtree(target) if target.is_dir() and not target.is_symlink() else target.unlink()
            return True
    except OSError:  # a read-only cache, or it cannot be removed: leave it
        return False


def write_problem(models: Path) -> str | None:
    """Why a conversion could not be written into `models` (None: it could), creating nothing."""
    existing = models
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return f"the cache path {str(models)!r} runs through the file {str(existing)!r}: set ATTNLAB_CACHE to a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"the cache folder {str(existing)!r} is not writable: set ATTNLAB_CACHE to a writable folder"
    return None


def require_writable(models: Path, why: str) -> None:
    """CacheError unless `models` can be created and written (a conversion must happen: `why`)."""
    problem = write_problem(models)
    if problem is None:
        try:
            models.mkdir(parents=True, exist_ok=True)
        except OSError as e:  # a read-only file system, /proc, ...
            problem = (f"the cache folder {str(models)!r} cannot be created ({e.strerror}): "
                       "set ATTNLAB_CACHE to a writable folder")
    if problem is not None:
        raise CacheError(f"{why}, but {problem}")


def converted_copy(gguf: Path, convert: Callable[[Path, Path], Path], *, damaged: str = "") -> Path:
    """The checked copy of `gguf`, made with `convert(gguf, dest)` when missing or damaged.

    damaged: what a load found wrong that the file checks passed (it does not load, a weight is not
    finite): the copy is marked (`mark_damaged`) and rebuilt, or refused when it cannot be.
    """
    dest = gguf_cache_dir(gguf)
    clean_stale(dest.parent)
    if damaged:  # if it cannot be marked, the rebuild below cannot happen either and says why
        mark_damaged(dest, damaged, found_by="a load")
    problem = damaged or check_cache(dest)
    if problem is None:
        return dest
    why = (f"{gguf.name} must be converted once" if problem == "not converted yet"
           else f"the cached copy {str(dest)!r} must be rebuilt: {problem}")
    require_writable(dest.parent, why)
    before = _manifest_stamp(dest)
    with cache_lock(dest, wait_message=f"waiting for another process converting {gguf.name}"):
        if check_cache(dest) is None and (not damaged or _manifest_stamp(dest) != before):
            return dest  # converted by another process while this one waited
        try:
            return convert(gguf, dest)
        except OSError as e:
            raise CacheError(f"{why}, but writing into {str(dest.parent)!r} failed: {e.strerror or e}") from None


def mark_damaged(folder: Path, problem: str, *, found_by: str) -> str | None:
    """Mark the copy `folder` bad (a DAMAGED file in it), so every later check refuses it and the next
    load of its model rebuilds it. None when marked (or already); else why it could not be.

    Only a folder attnlab made (its manifest, not a symbolic link) is marked, under the copy's lock:
    a copy that another process is converting anew is left to that conversion.
    """
    if damage_mark(folder) is not None:
        return None
    if folder.is_symlink() or not (folder / MANIFEST).is_file():
        return "it is not a folder attnlab made"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"the folder {str(folder)!r} is not writable"
    try:
        with held(folder.parent / f".{folder.name}.lock") as free:
            if not free:
                return "another process is converting it anew"
            mark = {"problem": problem, "found_by": found_by, "time": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
            write_text(folder / DAMAGED, json.dumps(mark, ensure_ascii=False), what="the damaged mark")
            return None
    except OSError as e:
        return f"its lock cannot be opened ({e.strerror})"
    except AttnlabError as e:
        return str(e)


def _manifest_stamp(folder: Path) -> tuple[int, int] | None:
    try:
        st = (folder / MANIFEST).stat()
        return st.st_ino, st.st_mtime_ns
    except OSError:
        return None


def new_temporary(dest: Path) -> Path:
    """A hidden temporary folder next to `dest`, for a conversion to fill."""
    return Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))


def move_into_place(tmp: Path, dest: Path) -> None:
    """Rename the finished copy to its final name; a stale or broken copy there is moved aside first."""
    if dest.exists():
        stale = dest.with_name(f".{dest.name}.stale-{os.getpid()}")
        os.replace(dest, stale)
        shutil.rmtree(stale, ignore_errors=True)
    try:
        os.replace(tmp, dest)
    except OSError:
        if not valid_cache(dest):  # another process finished first: keep its copy if it is good
            raise


@dataclass(frozen=True)
class CacheCheck:
    """One converted copy, as `verify_cache` found it."""

    name: str  # the copy's folder name (with the model's name in front when it is a bundled model's)
    folder: Path  # where it is
    ok: bool  # False: damaged (marked so: no load uses it; its model's next load rebuilds it)
    message: str  # "ok", what is wrong, or what was done
    model: str | None = None  # the bundled model whose current copy this is; None: another GGUF version's


def verify_cache(*, full: bool = True, current: dict[str, Path] | None = None) -> list[CacheCheck]:
    """Check every converted copy in the cache (full: hash every file) and mark each one found bad;
    also removes stale temporaries.

    What `attnlab models --verify` shows. current: {model name: its copy's folder}, to label the
    copies the installed packages use (`registry.converted_copies()`; none labelled when omitted).
    """
    current = current or {}
    models = models_dir()
    labels = {folder: name for name, folder in current.items()}
    removed = clean_stale(models)
    found = sorted(p for p in models.iterdir() if p.is_dir() and not p.name.startswith(".")) if models.is_dir() else []
    results = []
    for folder in found:
        problem = check_cache(folder, full=full)
        label = f"{labels[folder]} ({folder.name})" if folder in labels else folder.name
        ok = problem is None or problem.startswith(OTHER_VERSION)  # not damaged, just not ours to check
        message = problem or "ok"
        if not ok and (folder / MANIFEST).is_file():  # (without one, every check refuses it anyway)
            why_not = mark_damaged(folder, message, found_by="attnlab models --verify" if full else "a check")
            message += ("; marked damaged: no load uses it again (its model's next load rebuilds it)"
                        if why_not is None else
                        f"; it could not be marked damaged ({why_not}), so a load may use it again: remove it")
        results.append(CacheCheck(label, folder, ok, message, labels.get(folder)))
    for name, folder in current.items():
        if folder not in found:
            results.append(CacheCheck(f"{name} ({folder.name})", folder, True, "not converted yet", name))
    results += [CacheCheck(p.name, p, True, "removed: left by a killed conversion") for p in removed]
    return results
