"""Writing files: atomic for regular files (mode kept), into FIFOs and devices, through links; never
replacing what is there. FIFOs in a temporary folder stand in for devices (no real /dev node is used)."""

from __future__ import annotations

import errno
import os
import socket
import stat
import threading

import pytest

from attnlab import fileio
from attnlab.errors import AttnlabError
from attnlab.fileio import check_destination, place_file, write_bytes, write_text


class FifoReader:
    """Reads a FIFO to its end in a thread (the writer's open() waits for it, as with `cat fifo`)."""

    def __init__(self, path):
        self.data = b""
        self.thread = threading.Thread(target=self._read, args=(path,))
        self.thread.start()

    def _read(self, path):
        with open(path, "rb") as f:
            self.data = f.read()

    def result(self) -> bytes:
        self.thread.join(timeout=10)
        assert not self.thread.is_alive()
        return self.data


def test_a_fifo_is_written_into_and_stays_a_fifo(tmp_path):
    fifo = tmp_path / "page.html"
    os.mkfifo(fifo)
    reader = FifoReader(fifo)
    write_text(fifo, "<p>hello</p>" * 10_000)  # more than a pipe buffer: written in several chunks
    assert reader.result() == b"<p>hello</p>" * 10_000
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html"]  # no temporary file either


def test_a_symlink_stays_a_link_and_its_target_gets_the_content(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "page.html"
    target.write_text("old")
    target.chmod(0o640)
    link = tmp_path / "link.html"
    link.symlink_to("real/page.html")  # relative, as `ln -s` makes them
    write_text(link, "new")
    assert link.is_symlink() and os.readlink(link) == "real/page.html"
    assert target.read_text() == "new" and stat.S_IMODE(target.stat().st_mode) == 0o640
    chain = tmp_path / "chain"
    chain.symlink_to(link)  # a link to a link: the final file is written
    write_text(chain, "newer")
    assert chain.is_symlink() and link.is_symlink() and target.read_text() == "newer"


def test_a_dangling_link_gets_its_target_created(tmp_path):
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "made.txt")
    write_text(link, "x")
    assert link.is_symlink() and (tmp_path / "made.txt").read_text() == "x"


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o755])
def test_a_regular_file_is_replaced_atomically_and_keeps_its_mode(tmp_path, mode):
    f = tmp_path / "out.txt"
    f.write_text("old")
    f.chmod(mode)
    inode = f.stat().st_ino
    write_text(f, "new")
    assert f.read_text() == "new" and stat.S_IMODE(f.stat().st_mode) == mode
    assert f.stat().st_ino != inode  # a new file renamed into place, not rewritten in place
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_the_mode_open_would_give(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        write_bytes(tmp_path / "new.bin", b"\0\1")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.bin").stat().st_mode) == mode


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    f = tmp_path / "keep.txt"
    f.write_text("old")

    def full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fileio.os, "replace", full)
    with pytest.raises(AttnlabError, match=r"cannot write the file to '.*keep.txt': No space left on device"):
        write_text(f, "new")
    assert f.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_refusals_name_the_option_and_the_problem(tmp_path):
    sock_path = tmp_path / "sock"
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(sock_path))
        cases = {
            tmp_path: "it is a folder, give a file name",
            tmp_path / "missing" / "p.html": f"folder '{tmp_path / 'missing'}' does not exist",
            sock_path: "it is a socket, not a file",
        }
        afile = tmp_path / "afile"
        afile.write_text("x")
        cases[afile / "p.html"] = f"'{afile}' is not a folder"
        loop_a, loop_b = tmp_path / "a", tmp_path / "b"
        loop_a.symlink_to(loop_b)
        loop_b.symlink_to(loop_a)
        cases[loop_a] = "the symbolic link loops"
        for path, problem in cases.items():
            with pytest.raises(AttnlabError) as e:
                check_destination(path, "the --html page")
            assert str(e.value) == f"cannot write the --html page to {str(path)!r}: {problem}"
            with pytest.raises(AttnlabError, match="cannot write the --html page"):
                write_text(path, "x", what="the --html page")
        assert stat.S_ISSOCK(os.lstat(sock_path).st_mode)  # left as it was
    with pytest.raises(AttnlabError, match="cannot write the --html page: the file name is empty"):
        check_destination("", "the --html page")


def test_place_file_moves_into_new_and_regular_files_and_streams_into_fifos(tmp_path):
    stage = tmp_path / "stage"
    stage.mkdir()
    (stage / "a").write_text("A")
    (stage / "b").write_text("B")
    existing = tmp_path / "b"
    existing.write_text("old")
    existing.chmod(0o600)
    place_file(stage / "a", tmp_path / "a")
    place_file(stage / "b", existing)
    assert (tmp_path / "a").read_text() == "A" and existing.read_text() == "B"
    assert stat.S_IMODE(existing.stat().st_mode) == 0o600
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    (stage / "c").write_text("C")
    reader = FifoReader(fifo)
    place_file(stage / "c", fifo)
    assert reader.result() == b"C" and stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert list(stage.iterdir()) == []


def test_make_folder_makes_or_refuses_in_one_line(tmp_path):
    from attnlab.errors import AttnlabError
    from attnlab.fileio import make_folder

    made = make_folder(tmp_path / "a" / "b", "--out")
    assert made.is_dir()
    assert make_folder(made, "--out") == made  # already there: kept as it is
    (tmp_path / "f").write_text("x")
    with pytest.raises(AttnlabError, match=r"--out .*f exists and is not a folder"):
        make_folder(tmp_path / "f", "--out")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    with pytest.raises(AttnlabError, match=r"cannot create --out folder .*dangling"):
        make_folder(tmp_path / "dangling", "--out")
    with pytest.raises(AttnlabError, match=r"cannot create --html folder .*f/x"):
        make_folder(tmp_path / "f" / "x", "--html")
