"""Bad lines, without a model: found by the scan before any work, named by file and line, or left out
and counted (`on_bad_line="skip"`); a long line is never held (memory measured with tracemalloc)."""

from __future__ import annotations

import json
import tracemalloc

import pytest

from attnlab.corpus.inputs import CorpusInputError, read_part, scan

GOOD = json.dumps({"text": "a fine document", "id": 1})
LIMIT = 299_000  # max_line_bytes of these tests: the deep nesting below fits, 400 kB does not
# one member of each kind of bad .jsonl line (as it stands in the file) -> what the message names
BAD_JSONL = {
    "escaped lone surrogate": (b'{"text": "a \\udcff b"}', "field 'text' holds a lone surrogate (U+DCFF"),
    "escaped high surrogate": (b'{"text": "\\ud800"}', "lone surrogate (U+D800"),
    "escaped low surrogate at the end": (b'{"text": "ok \\udfff"}', "lone surrogate (U+DFFF"),
    "surrogate bytes (CESU-8)": (b'{"text": "\xed\xb3\xbf"}', "not UTF-8 text (byte 11 of the line is 0xed)"),
    "latin-1 byte": (b'{"text": "caf\xe9"}', "not UTF-8 text (byte 14 of the line is 0xe9)"),
    "text is a number": (b'{"text": 5}', "field 'text' is a int, expected a string"),
    "text is true": (b'{"text": true}', "field 'text' is a bool, expected a string"),
    "text is a list": (b'{"text": ["a"]}', "field 'text' is a list, expected a string"),
    "text is an object": (b'{"text": {"a": 1}}', "field 'text' is a dict, expected a string"),
    "no text field": (b'{"body": "x"}', "no field 'text' (fields: body); name the text's field with --field"),
    "a list": (b'["text"]', "a JSON list, expected an object with a 'text' field"),
    "a string": (b'"text"', "a JSON str, expected an object"),
    "a number": (b"5", "a JSON int, expected an object"),
    "null": (b"null", "a JSON NoneType, expected an object"),
    "broken JSON": (b'{"text": "ok"', "the line is not valid JSON"),
    "NaN elsewhere": (b'{"text": "ok", "score": NaN}', "the line holds NaN, which JSON does not allow"),
    "1e400 elsewhere": (b'{"text": "ok", "score": 1e400}', "the line holds the number 1e400, too large"),
    "5000 digits elsewhere": (b'{"text": "ok", "n": ' + b"7" * 5000 + b"}", "(5000 characters), too large"),
    "nested deep": (b'{"text": "ok", "a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nests lists or objects"),
    "too long": (b'{"text": "' + b"x" * 400_000 + b'"}', "it is 400012 bytes, more than --max-line-bytes (299000"),
}


def jsonl_with(tmp_path, bad: bytes, line: int = 3, crlf: bool = False):
    end = b"\r\n" if crlf else b"\n"
    rows = [GOOD.encode()] * 4
    rows.insert(line - 1, bad)
    p = tmp_path / "c.jsonl"
    p.write_bytes(end.join(rows) + end)
    return p


@pytest.mark.parametrize("kind", list(BAD_JSONL))
def test_a_bad_jsonl_line_is_named_by_file_and_line_up_front(kind, tmp_path):
    bad, said = BAD_JSONL[kind]
    p = jsonl_with(tmp_path, bad)
    with pytest.raises(CorpusInputError) as e:
        scan(p, max_line_bytes=LIMIT)
    message = str(e.value)
    assert message.startswith(f"{p}, line 3: ") and said in message, message
    assert "--on-bad-line skip" in message and "\n" not in message


@pytest.mark.parametrize("kind", list(BAD_JSONL))
@pytest.mark.parametrize("crlf", [False, True])
def test_skipped_bad_lines_are_counted_and_read_as_none(kind, crlf, tmp_path):
    p = jsonl_with(tmp_path, BAD_JSONL[kind][0], line=2, crlf=crlf)
    told = []
    plan = scan(p, max_line_bytes=LIMIT, on_bad_line="skip", on_bad=told.append, part_docs=2)
    assert plan.documents == 5 and plan.bad_lines == 1 and len(told) == 1 and "line 2: " in str(told[0])
    texts = [t for part in plan.parts for t in read_part(plan, part)]
    assert texts == ["a fine document", None, "a fine document", "a fine document", "a fine document"]


@pytest.mark.parametrize(("data", "said"), [
    (b"ok\nbad \xff\nok\n", "line 2: not UTF-8 text (byte 5 of the line is 0xff)"),
    (b"ok\n" + b"y" * 10_000 + b"\nok\n", "line 2: it is 10000 bytes, more than --max-line-bytes (4096 bytes)"),
    (b"ok\nok\n" + b"z" * 10_000, "line 3: it is"),  # the last line, without a newline
])
def test_bad_txt_lines(data, said, tmp_path):
    p = tmp_path / "c.txt"
    p.write_bytes(data)
    with pytest.raises(CorpusInputError) as e:
        scan(p, max_line_bytes=4096)
    assert said in str(e.value)
    plan = scan(p, max_line_bytes=4096, on_bad_line="skip")
    assert plan.bad_lines == 1
    assert [t for part in plan.parts for t in read_part(plan, part)].count(None) == 1


def test_the_cap_is_on_the_text_not_its_line_end(tmp_path):
    """A line of exactly max_line_bytes is read, with "\\n" or "\\r\\n"; one byte more is a bad line."""
    p = tmp_path / "c.txt"
    p.write_bytes(b"a" * 100 + b"\r\n" + b"b" * 100 + b"\n" + b"c" * 101 + b"\n" + b"d" * 100)
    plan = scan(p, max_line_bytes=100, on_bad_line="skip", part_docs=1)
    assert [t for part in plan.parts for t in read_part(plan, part)] == ["a" * 100, "b" * 100, None, "d" * 100]


def test_parquet_rows_that_are_not_utf8_or_too_long(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    raw = pa.array([b"fine", b"bad \xff", None, b"x" * 5000, "東京".encode()], pa.binary()).view(pa.string())
    p = tmp_path / "c.parquet"
    pq.write_table(pa.table({"text": raw}), p, row_group_size=2)  # a string column that is not all UTF-8
    with pytest.raises(CorpusInputError, match=r"c\.parquet, row 2: not UTF-8 text \(byte 5 of the line is 0xff\)"):
        scan(p, max_line_bytes=4096)
    plan = scan(p, max_line_bytes=4096, on_bad_line="skip", part_docs=2)
    assert plan.bad_lines == 2
    assert [t for part in plan.parts for t in read_part(plan, part)] == ["fine", None, "", None, "東京"]


def test_a_long_line_is_never_held_in_memory(tmp_path):
    """The reviewed case: one 15 MB line cost 3.3 GB. Scanning and reading it now allocate about one chunk."""
    p = tmp_path / "c.jsonl"
    with open(p, "wb") as f:
        f.write(GOOD.encode() + b"\n")
        f.write(b'{"text": "' + b"w" * 15_000_000 + b'"}\n')
        f.write(GOOD.encode() + b"\n")
    tracemalloc.start()
    try:
        plan = scan(p, on_bad_line="skip")
        texts = [t for part in plan.parts for t in read_part(plan, part)]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert texts == ["a fine document", None, "a fine document"] and plan.bad_lines == 1
    assert peak < 4 * 2**20, peak  # the cap (1 MiB) and a 1 MiB chunk, not 15 MB


@pytest.mark.parametrize("suffix", [".jsonl", ".txt"])
def test_a_utf8_bom_before_the_first_line_is_no_part_of_it(suffix, tmp_path):
    p = tmp_path / f"c{suffix}"
    first = GOOD if suffix == ".jsonl" else "a fine document"
    p.write_bytes(b"\xef\xbb\xbf" + first.encode() + b"\n" + first.encode() + b"\n")
    plan = scan(p)
    assert [t for part in plan.parts for t in read_part(plan, part)] == ["a fine document"] * 2


def test_bad_options(tmp_path):
    p = jsonl_with(tmp_path, GOOD.encode())
    with pytest.raises(CorpusInputError, match="on_bad_line 'drop': choose error or skip"):
        scan(p, on_bad_line="drop")
    with pytest.raises(CorpusInputError, match="lines 1 byte"):
        scan(p, max_line_bytes=0)
