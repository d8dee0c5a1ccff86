"""Reading x: files and inline text, bounded reads, and messages that name the file and the problem."""

from __future__ import annotations

import os
import threading

import pytest

from attnlab.toy import ToyInputError
from attnlab.toy.input import parse_x


def test_inline_rows_json_and_files(tmp_path):
    assert parse_x("1,0.5; 0.2,0.1") == ((1.0, 0.5), (0.2, 0.1))
    assert parse_x("[[1, 2], [3, 4]]") == ((1.0, 2.0), (3.0, 4.0))
    (tmp_path / "x.csv").write_text("1,2\n3,4\n")
    (tmp_path / "x.json").write_text('{"x": [[1, 2]]}')
    assert parse_x(str(tmp_path / "x.csv")) == ((1.0, 2.0), (3.0, 4.0))
    assert parse_x(str(tmp_path / "x.json")) == ((1.0, 2.0),)
    (tmp_path / "bom.csv").write_bytes("\ufeff1,2".encode())
    assert parse_x(str(tmp_path / "bom.csv")) == ((1.0, 2.0),)


def test_a_folder_is_named_as_a_folder(tmp_path):
    with pytest.raises(ToyInputError, match=rf"x file {tmp_path} is a folder, not a file"):
        parse_x(str(tmp_path))


def test_a_non_utf8_file_names_the_file_and_the_byte(tmp_path):
    f = tmp_path / "latin1.csv"
    f.write_bytes(b"1,2\n3,\xff\n")
    with pytest.raises(ToyInputError, match=rf"x file {f} is not UTF-8 text \(byte 0xff at offset 6\)"):
        parse_x(str(f))


def test_a_large_file_is_refused_by_its_size_before_reading(tmp_path):
    f = tmp_path / "big.csv"
    with open(f, "wb") as out:
        out.truncate(100 * 2**20)  # 100 MB of holes: reading it would take time and memory
    with pytest.raises(ToyInputError, match=r"x file .*big.csv is 100.0 MiB, more than 8.0 MiB: x is read up "
                                            r"to that size"):
        parse_x(str(f))


def test_an_endless_stream_is_read_only_up_to_the_limit(tmp_path):
    """A FIFO stands in for /dev/zero or a pipe that never ends: reading stops after max_bytes + 1."""
    fifo = tmp_path / "endless.csv"
    os.mkfifo(fifo)
    written = []

    def writer():
        try:
            with open(fifo, "wb") as f:
                for _ in range(1000):  # up to 1000 x 1 KiB; the reader stops after 4 KiB + 1
                    f.write(b"1," * 512)
                    f.flush()
                    written.append(1)
        except BrokenPipeError:  # the reader closed its end: what `yes | head` does too
            pass

    t = threading.Thread(target=writer)
    t.start()
    try:
        with pytest.raises(ToyInputError, match=r"x file .*endless.csv goes on beyond 4096 bytes "
                                                r"\(it is not a regular file\)"):
            parse_x(str(fifo), max_bytes=4096)
    finally:
        t.join(timeout=10)
    assert not t.is_alive() and len(written) < 1000  # the writer was cut off by the closed pipe


def test_a_short_fifo_is_read_like_a_file(tmp_path):
    """bash's `--x <(...)` passes a FIFO: it is read to its end when that is within the limit."""
    fifo = tmp_path / "short"
    os.mkfifo(fifo)
    t = threading.Thread(target=lambda: fifo.write_text("1,2; 3,4"))
    t.start()
    try:
        assert parse_x(str(fifo)) == ((1.0, 2.0), (3.0, 4.0))
    finally:
        t.join(timeout=10)


def test_long_inline_rows_are_not_taken_for_a_file_name():
    rows = "; ".join(["1,2"] * 2000)  # longer than a file name may be (ENAMETOOLONG)
    assert len(parse_x(rows)) == 2000
    with pytest.raises(ToyInputError, match=r"inline x is 9998 bytes, more than 100 bytes"):
        parse_x(rows, max_bytes=100)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "inline x nests lists or objects too deeply"),
        ("1,a", r"inline x: x\[0\]\[1\] = 'a' is not a number"),
        ("1,2; 3", "inline x: row 1 has 1 values but row 0 has 2"),
        ("[[1, 1e400]]", r"inline x holds the number 1e400, too large to be any number attnlab reads"),
        ("[[1, NaN]]", r"inline x holds NaN, which JSON does not allow: numbers must be finite"),
        ("[[1, -Infinity]]", r"inline x holds -Infinity, which JSON does not allow"),
        ("[[" + "1" * 400 + "]]", r"inline x holds the number 111111111111\.\.\.1111 \(400 characters\), too large"),
        ("[[" + "9" * 5000 + "]]", r"inline x holds the number 999999999999\.\.\.9999 \(5000 characters\)"),
        ("1," + "1" * 400, r"inline x: x\[0\]\[1\] is 111111111111\.\.\.1111 \(400 characters\): x must hold finite"),
        ("[[1, \"x\"]]", r"inline x: x\[0\]\[1\] = 'x' is not a number"),
        ("[[1, true]]", r"inline x: x\[0\]\[1\] = True is not a number"),
        ("[[1, [2]]]", r"inline x: x\[0\]\[1\] = \[2\] is not a number"),
        ("[]", "inline x has no rows"),
        ("[1, 2]", "inline x must be a list of rows, each a list of numbers"),
        ("   ", "x is empty"),
    ],
)
def test_bad_x_names_the_problem(text, message):
    with pytest.raises(ToyInputError, match=message):
        parse_x(text)


def test_x_must_be_text():
    with pytest.raises(ToyInputError, match="x must be a file path or inline rows \\(a string\\), got int"):
        parse_x(5)
