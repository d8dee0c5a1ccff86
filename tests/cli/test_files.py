"""--out writing: what is already in the folder (a FIFO, a link, a file's mode) is respected."""

from __future__ import annotations

import os
import stat

import pytest

from attnlab.cli._files import write_all
from attnlab.errors import AttnlabError
from tests.test_fileio import FifoReader


def text_writer(text):
    return lambda p: p.write_text(text)


def test_write_all_keeps_fifos_links_and_modes(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    os.mkfifo(out / "fifo.svg")
    elsewhere = tmp_path / "elsewhere.png"
    elsewhere.write_text("old")
    (out / "link.png").symlink_to(elsewhere)
    (out / "private.png").write_text("old")
    (out / "private.png").chmod(0o600)
    reader = FifoReader(out / "fifo.svg")
    written = write_all(out, {n: text_writer(n) for n in ("fifo.svg", "link.png", "private.png", "new.png")})
    assert [p.name for p in written] == ["fifo.svg", "link.png", "private.png", "new.png"]
    assert reader.result() == b"fifo.svg" and stat.S_ISFIFO(os.lstat(out / "fifo.svg").st_mode)
    assert (out / "link.png").is_symlink() and elsewhere.read_text() == "link.png"
    assert stat.S_IMODE((out / "private.png").stat().st_mode) == 0o600
    assert (out / "new.png").read_text() == "new.png"
    assert sorted(p.name for p in out.iterdir()) == ["fifo.svg", "link.png", "new.png", "private.png"]


def test_a_folder_where_a_file_goes_is_refused_before_any_work(tmp_path):
    out = tmp_path / "out"
    (out / "b.png").mkdir(parents=True)
    calls = []
    with pytest.raises(AttnlabError, match=r"cannot write the --out file b.png to '.*b.png': it is a folder"):
        write_all(out, {"a.png": calls.append, "b.png": calls.append})
    assert calls == [] and [p.name for p in out.iterdir()] == ["b.png"]
