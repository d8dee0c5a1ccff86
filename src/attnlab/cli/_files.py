"""Writing a command's files all or nothing: staged in a temporary folder, then moved into place."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..fileio import check_destination, check_folder, make_folder, place_file
from . import CliError

Writer = Callable[[Path], None]  # writes one file at the given path


def check_out_folder(out: Path) -> None:
    """Before any work: `out` is a writable folder, or one that can be created (nothing is created)."""
    check_folder(out, "--out", error=CliError)


def write_all(out: Path, writers: dict[str, Writer]) -> list[Path]:
    """Run every writer into a staging folder inside `out`, then move the files into `out`.

    If any writer fails, nothing of this call is left in `out` (the staging folder is removed).
    """
    make_folder(out, "--out", error=CliError)
    for name in writers:  # a folder, disk or socket where a file goes: refused before any work
        check_destination(out / name, what=f"the --out file {name}")
    try:
        stage = Path(tempfile.mkdtemp(prefix=".attnlab-", dir=out))
    except OSError as e:
        raise CliError(f"cannot write into --out folder {out}: {e.strerror or e}") from None
    try:
        for name, write in writers.items():
            write(stage / name)
        done = []
        for name in writers:  # never replaces a FIFO, device or link there (see attnlab.fileio)
            place_file(stage / name, out / name, what=f"the --out file {name}")
            done.append(out / name)
        return done
    except OSError as e:
        raise CliError(f"cannot write into --out folder {out}: {e.strerror or e}") from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)
