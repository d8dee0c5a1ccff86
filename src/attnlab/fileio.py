"""Writing files without replacing what we did not create, and without leaving half a file.

What is at the destination decides how it is written:
- nothing, or a regular file: a temporary file in the same folder, then a rename (`os.replace`), so a
  reader sees the old file or the new one, never half of one. A new file gets the mode a plain
  `open()` gives (0o666 minus the umask); an existing file keeps its permission bits (rwx), and its
  owner and group where the process may set them. A read-only file is refused, as `>` would.
- a symbolic link: the same, applied to the file it points to; the link stays a link.
- a FIFO or a character device (a terminal, /dev/null, bash's `>(...)`): written INTO, as the shell's
  `>` does; it is never unlinked or replaced (replacing /dev/null as root breaks the whole machine).
- a folder, a block device (a disk), a socket: refused with a message.

`check_destination` applies the same rules without writing, so a command can refuse a bad
destination before minutes of work; every refusal is an AttnlabError naming `what` and the path.
(A hard-linked file is replaced like any regular file: its other names keep the old content.)

Reading gets the same care (`read_limited`): a regular file is refused by its size before it is
read; anything else that can be read (a FIFO such as bash's `<(...)`, a character device) only up
to the limit, never to its end, so a link to /dev/zero cannot fill memory.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from pathlib import Path

from .errors import AttnlabError
from .i18n import Msg, tr_error

__all__ = ["check_destination", "check_folder", "place_file", "read_limited", "user_path", "write_bytes", "write_text"]

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)  # POSIX only, like O_NOCTTY
_NOCTTY = getattr(os, "O_NOCTTY", 0)


def _fail(what: str, path: os.PathLike | str, problem: str) -> AttnlabError:
    return AttnlabError(f"cannot write {what} to {str(path)!r}: {problem}")


def _resolve(path: str | os.PathLike, what: str) -> tuple[Path, str, os.stat_result | None]:
    """(where to write, how: "new" | "file" | "stream", its stat or None), or an AttnlabError."""
    if str(path) == "":
        raise AttnlabError(f"cannot write {what}: the file name is empty")
    target = Path(path)
    try:
        st = os.lstat(target)
    except (FileNotFoundError, NotADirectoryError):
        st = None  # the folder check below says which part is missing
    except OSError as e:
        raise _fail(what, path, e.strerror or str(e)) from None
    if st is not None and stat.S_ISLNK(st.st_mode):
        target = Path(os.path.realpath(target))  # the link's final target; the link itself stays
        try:
            st = os.lstat(target)
        except FileNotFoundError:
            st = None  # a dangling link: write creates its target, as `>` does
        except OSError as e:
            raise _fail(what, path, e.strerror or str(e)) from None
        if st is not None and stat.S_ISLNK(st.st_mode):
            raise _fail(what, path, "the symbolic link loops")
    if st is None:
        _check_folder(target.parent if str(target.parent) else Path("."), what, path)
        return target, "new", None
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        raise _fail(what, path, "it is a folder, give a file name")
    if stat.S_ISBLK(mode):
        raise _fail(what, path, "it is a block device (a disk), not a file")
    if stat.S_ISSOCK(mode):
        raise _fail(what, path, "it is a socket, not a file")
    if not os.access(target, os.W_OK):
        raise _fail(what, path, "permission denied (the file is read-only)")
    if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode):
        return target, "stream", st
    _check_folder(target.parent, what, path)  # the temporary file goes next to it
    return target, "file", st


def _check_folder(folder: Path, what: str, path: str | os.PathLike) -> None:
    if not folder.exists():
        raise _fail(what, path, f"folder {str(folder)!r} does not exist")
    if not folder.is_dir():
        raise _fail(what, path, f"{str(folder)!r} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise _fail(what, path, f"no permission to create files in folder {str(folder)!r}")


def user_path(path: str | os.PathLike, *, error: type[AttnlabError] = AttnlabError) -> Path:
    """`path` with a leading ~ or ~user expanded; `error` when there is no such user (Python raises
    RuntimeError there) rather than a traceback."""
    try:
        return Path(path).expanduser()
    except RuntimeError:
        user = str(path).split("/", 1)[0]
        raise tr_error(error, "err_no_user", path=str(path), user=user) from None


def check_folder(path: str | os.PathLike, flag: str = "--out", *,
                 error: type[AttnlabError] = AttnlabError) -> Path:
    """`path` when it is a writable folder, or one that can be made (its first existing parent is a
    writable folder); nothing is created. `flag` names it in messages. Call it before long work."""
    out = Path(path)
    probe = out
    while not probe.exists():
        if probe.is_symlink():  # a dangling link where the folder should be
            raise tr_error(error, "err_folder_link", flag=flag, path=str(out), link=str(probe))
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        if probe == out:
            raise tr_error(error, "err_folder_file", flag=flag, path=str(out))
        raise tr_error(error, "err_folder_parent", flag=flag, path=str(out), parent=str(probe))
    if not os.access(probe, os.W_OK | os.X_OK):
        raise tr_error(error, "err_folder_access", flag=flag, path=str(out), parent=str(probe))
    return out


def make_folder(path: str | os.PathLike, flag: str = "--out", *, error: type[AttnlabError] = AttnlabError) -> Path:
    """`path` (~ expanded) as a writable folder, made (with its parents) when missing; `error` naming
    `flag` for a file or a link to one in its place, a folder that cannot be made, or no permission.
    The one place an output folder is made: `check_folder` says beforehand whether this will work."""
    out = user_path(path, error=error)
    if out.exists() and not out.is_dir():
        raise tr_error(error, "err_folder_file", flag=flag, path=str(out))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:  # a broken link in its place
        raise tr_error(error, "err_folder_link", flag=flag, path=str(out), link=str(out)) from None
    except OSError as e:
        raise tr_error(error, "err_folder_make", flag=flag, path=str(out), problem=e.strerror or str(e)) from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise tr_error(error, "err_folder_access", flag=flag, path=str(out), parent=str(out))
    return out


def check_destination(path: str | os.PathLike, what: str = "the file") -> Path:
    """Raise AttnlabError unless `path` can be written by the rules above; returns the path.

    Call it before long work. `what` names the destination in messages ("the --html page").
    """
    _resolve(path, what)
    return Path(path)


def write_bytes(path: str | os.PathLike, data: bytes, *, what: str = "the file", fsync: bool = False) -> Path:
    """Write `data` to `path` by the rules above; returns `path`. fsync: flush to disk before the rename."""
    target, how, st = _resolve(path, what)
    try:
        if how == "stream":
            _write_into(target, data)
        else:
            _replace_atomically(target, data, st, fsync=fsync)
    except OSError as e:
        raise _fail(what, path, e.strerror or str(e)) from None
    return Path(path)


def write_text(
    path: str | os.PathLike, text: str, *, what: str = "the file", encoding: str = "utf-8", fsync: bool = False
) -> Path:
    """write_bytes of `text` encoded (UTF-8 by default)."""
    return write_bytes(path, text.encode(encoding), what=what, fsync=fsync)


def place_file(staged: Path, dest: str | os.PathLike, *, what: str = "the file") -> Path:
    """Move a finished file `staged` to `dest` by the rules above (a rename where that is allowed).

    For a command that writes its files into a staging folder first and moves them when all are done.
    `staged` is removed in every case where it was moved or copied.
    """
    target, how, st = _resolve(dest, what)
    try:
        if how == "stream":
            _write_into(target, staged.read_bytes())
            staged.unlink()
            return Path(dest)
        if st is not None:
            _copy_owner_and_mode(os.open(staged, os.O_RDONLY), st, close=True)
        try:
            os.replace(staged, target)
        except OSError as e:
            if e.errno != errno.EXDEV:  # a link to another file system: copy there instead
                raise
            _replace_atomically(target, staged.read_bytes(), st, fsync=False)
            staged.unlink()
    except OSError as e:
        raise _fail(what, dest, e.strerror or str(e)) from None
    return Path(dest)


def _write_into(target: Path, data: bytes) -> None:
    """Write into a FIFO or character device (no O_CREAT, no O_TRUNC: it stays what it is)."""
    fd = os.open(target, os.O_WRONLY | _NOCTTY | _CLOEXEC)  # a FIFO waits for its reader, as `>` does
    try:
        mode = os.fstat(fd).st_mode
        if not (stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)):  # it changed since it was checked
            raise OSError(errno.EEXIST, "the destination changed while writing")
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def _replace_atomically(target: Path, data: bytes, st: os.stat_result | None, *, fsync: bool) -> None:
    """A temporary file next to `target`, filled, given target's mode, then renamed onto it."""
    tmp = target.with_name(f".{target.name[:200]}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _CLOEXEC, 0o666)  # umask applies, as open()
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if st is not None:
                _copy_owner_and_mode(fd, st)
            if fsync:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _copy_owner_and_mode(fd: int, st: os.stat_result, *, close: bool = False) -> None:
    """Give the open file `st`'s permission bits, and its owner/group where allowed (root, or one's own group)."""
    try:
        if not hasattr(os, "fchmod"):  # Windows: no POSIX modes to keep
            return
        os.fchmod(fd, stat.S_IMODE(st.st_mode) & 0o777)  # rwx for user, group, others; no setuid
        mine = os.fstat(fd)
        if (mine.st_uid, mine.st_gid) != (st.st_uid, st.st_gid):
            try:
                os.fchown(fd, st.st_uid, st.st_gid)
            except PermissionError:
                pass  # not root: the new file is ours, as after any editor's save-by-rename
    finally:
        if close:
            os.close(fd)


def read_limited(path: str | os.PathLike, what: str | Msg, *, max_bytes: int, why: str | Msg = "",
                 error: type[AttnlabError] = AttnlabError) -> bytes:
    """The bytes at `path`, at most `max_bytes` of them; else `error` naming `what` (which says the path).

    why: appended to the messages about the limit (": the toy lab takes at most ...").
    """
    from .checks import size_text  # here: checks imports torch, which writing files never needs
    try:
        fd = os.open(path, os.O_RDONLY | _CLOEXEC)  # a FIFO waits here for its writer, as `cat` would
    except FileNotFoundError:
        raise tr_error(error, "err_read_missing", what=what) from None
    except OSError as e:
        raise tr_error(error, "err_read", what=what, problem=e.strerror or str(e)) from None
    st = os.fstat(fd)
    if stat.S_ISDIR(st.st_mode) or (stat.S_ISREG(st.st_mode) and st.st_size > max_bytes):
        os.close(fd)
        if stat.S_ISDIR(st.st_mode):
            raise tr_error(error, "err_read_folder", what=what)
        raise tr_error(error, "err_read_big", what=what, size=size_text(st.st_size), limit=size_text(max_bytes),
                       why=why)
    with os.fdopen(fd, "rb") as f:
        try:
            data = f.read(max_bytes + 1)
        except OSError as e:
            raise tr_error(error, "err_read", what=what, problem=e.strerror or str(e)) from None
    if len(data) > max_bytes:
        raise tr_error(error, "err_read_endless", what=what, limit=size_text(max_bytes), why=why)
    return data
