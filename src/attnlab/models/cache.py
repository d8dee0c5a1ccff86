"""The converted-GGUF cache: one verified safetensors copy per GGUF, shared safely by processes.

transformers reads a GGUF by de-quantizing every tensor (~30 s for SmolLM2-135M); the first load
writes the result as a safetensors folder here, later loads read it in under a second.

- Location: `$ATTNLAB_CACHE`, else `$XDG_CACHE_HOME/attnlab`, else `~/.cache/attnlab`; copies live
  in its `models/` folder, one per GGUF file version (name, size, mtime) and CACHE_FORMAT.
- Written atomically: a hidden temporary folder `.<copy>.tmp-*`, renamed into place when complete.
- Verified: the manifest (written last) records every file's size, mtime_ns and sha256, weights
  included. The cheap check on every load compares sizes and mtimes; a file whose mtime changed is
  hashed, and its new mtime recorded only if the hash still matches. `verify_cache(full=True)`
  hashes everything (bit rot keeps mtimes). A damaged copy is rebuilt, or refused with a message
  when the cache cannot be written.
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

from .. import jsonfile
from ..errors import AttnlabError
from ..fileio import write_text
from ..jsonfile import Field
from ..progress import notice

try:
    import fcntl
except ImportError:  # Windows: msvcrt's byte-range lock instead of flock
    fcntl = None  # type: ignore[assignment]
    import msvcrt

MANIFEST = "attnlab-manifest.json"
MANIFEST_FIELDS = {  # what check_cache reads (jsonfile checks it)
    "format": Field("int"),
    "files": Field("map", required=True, items=(Field("object", fields={
        "size": Field("int", required=True, lo=0), "mtime_ns": Field("int", required=True),
        "sha256": Field("str", required=True)}),)),
}
CACHE_FORMAT = 2  # 2: sha256 and mtime of every file (1 had sizes only for the weights)
STALE_AFTER_S = 600  # a temporary this old whose lock is free was left by a killed conversion
OTHER_VERSION = "made by another attnlab version"  # a copy this version neither uses nor judges
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


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def write_manifest(folder: Path, source: Path) -> None:
    """Size, mtime_ns and sha256 of every file in `folder` (written last: its presence means complete)."""
    files = {}
    for p in sorted(folder.iterdir()):
        if p.name != MANIFEST:
            st = p.stat()
            files[p.name] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha256_file(p)}
    manifest = {"format": CACHE_FORMAT, "source": str(source), "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")


def check_cache(folder: Path, *, full: bool = False) -> str | None:
    """None when `folder` holds a complete, undamaged copy; else what is wrong, in a few words.

    full=False: size and mtime per file, hashing only files whose mtime changed (then recording the
    new mtime when the hash matches). full=True: every file hashed.
    """
    if not folder.is_dir():
        return "not converted yet"
    try:
        manifest = jsonfile.check(jsonfile.loads((folder / MANIFEST).read_text(encoding="utf-8"), MANIFEST),
                                  MANIFEST_FIELDS, MANIFEST)  # its shape: `[]` is damaged, not a traceback
        if manifest.get("format") != CACHE_FORMAT:
            return f"{OTHER_VERSION} (cache format {manifest.get('format')!r})"
        files = manifest["files"]
        if "model.safetensors" not in files:
            return "the manifest lists no model.safetensors"
        touched = False
        for name, meta in files.items():
            st = (folder / name).stat()
            if st.st_size != meta["size"]:
                return f"{name} has {st.st_size} bytes, {meta['size']} were written"
            if full or st.st_mtime_ns != meta["mtime_ns"]:
                if sha256_file(folder / name) != meta["sha256"]:
                    return f"{name} does not match the sha256 recorded when it was written (damaged or changed)"
                touched |= st.st_mtime_ns != meta["mtime_ns"]
                meta["mtime_ns"] = st.st_mtime_ns
    except FileNotFoundError as e:
        return f"{Path(e.filename or MANIFEST).name} is missing (an interrupted conversion?)"
    except AttnlabError as e:
        return f"the manifest cannot be read ({e})"
    except (OSError, ValueError, KeyError, TypeError) as e:
        return f"the manifest cannot be read ({type(e).__name__})"
    if touched:  # same content, new mtime (copied, touched): skip the hash next time
        with contextlib.suppress(AttnlabError):
            write_text(folder / MANIFEST, json.dumps(manifest, indent=1))
    return None


def valid_cache(folder: Path) -> bool:
    """True when `check_cache(folder)` finds nothing wrong (the cheap check)."""
    return check_cache(folder) is None


_OPEN_LOCK = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)


def _try_lock(fd: int) -> bool:
    """Take the exclusive lock on `fd` if it is free; False when another process holds it."""
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:  # BlockingIOError (flock), PermissionError (msvcrt)
        return False
    return True


def _wait_lock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX)
        return
    while not _try_lock(fd):
        time.sleep(0.5)


@contextlib.contextmanager
def cache_lock(dest: Path, *, wait_message: str = "") -> Iterator[None]:
    """Hold the copy's lock (flock on `.<copy>.lock`), waiting while another process converts it."""
    fd = os.open(dest.parent / f".{dest.name}.lock", _OPEN_LOCK, 0o666)
    try:
        if not _try_lock(fd):
            with notice(wait_message or f"waiting for another process converting {dest.name}"):
                _wait_lock(fd)
        yield
    finally:
        os.close(fd)  # releases the lock; the lock file stays (deleting it would race with waiters)


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
        lock = os.open(models / f".{copy}.lock", _OPEN_LOCK, 0o666)
    except OSError:  # a read-only cache: leave it
        return False
    try:
        if not _try_lock(lock):
            return False  # a conversion is running
        shutil.rmtree(target) if target.is_dir() and not target.is_symlink() else target.unlink()
        return True
    except OSError:  # cannot remove: leave it
        return False
    finally:
        os.close(lock)  # the lock file stays, as in cache_lock (deleting it would race with waiters)


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


def converted_copy(gguf: Path, convert: Callable[[Path, Path], Path], *, rebuild: bool = False) -> Path:
    """The checked copy of `gguf`, made with `convert(gguf, dest)` when missing, damaged or `rebuild`."""
    dest = gguf_cache_dir(gguf)
    clean_stale(dest.parent)
    problem = "it does not load" if rebuild else check_cache(dest)
    if problem is None:
        return dest
    why = (f"{gguf.name} must be converted once" if problem == "not converted yet"
           else f"the cached copy {str(dest)!r} must be rebuilt: {problem}")
    require_writable(dest.parent, why)
    before = _manifest_stamp(dest)
    with cache_lock(dest, wait_message=f"waiting for another process converting {gguf.name}"):
        if check_cache(dest) is None and (not rebuild or _manifest_stamp(dest) != before):
            return dest  # converted by another process while this one waited
        try:
            return convert(gguf, dest)
        except OSError as e:
            raise CacheError(f"{why}, but writing into {str(dest.parent)!r} failed: {e.strerror or e}") from None


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
    ok: bool  # False: damaged (the next load of its model rebuilds it)
    message: str  # "ok", what is wrong, or what was done


def verify_cache(*, full: bool = True, current: dict[str, Path] | None = None) -> list[CacheCheck]:
    """Check every converted copy in the cache (full: hash every file); also removes stale temporaries.

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
        results.append(CacheCheck(label, folder, ok, problem or "ok"))
    for name, folder in current.items():
        if folder not in found:
            results.append(CacheCheck(f"{name} ({folder.name})", folder, True, "not converted yet"))
    results += [CacheCheck(p.name, p, True, "removed: left by a killed conversion") for p in removed]
    return results
