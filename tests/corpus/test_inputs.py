"""Reading corpora: every format, parts, and bad input named by its line or row (no model needed)."""

from __future__ import annotations

import json

import pytest

from attnlab.corpus.inputs import CorpusInputError, read_part, scan

from .conftest import TEXTS, write_jsonl, write_parquet, write_txt


def all_texts(plan) -> list[str]:
    return [t for part in plan.parts for t in read_part(plan, part)]


@pytest.mark.parametrize("part_docs", [1, 2, 4, 100])
def test_txt_parts_cover_every_line_in_order(tmp_path, part_docs):
    plan = scan(write_txt(tmp_path / "c.txt", TEXTS), part_docs=part_docs)
    assert plan.format == "txt" and plan.documents == len(TEXTS)
    assert all_texts(plan) == TEXTS
    assert [p.start for p in plan.parts] == list(range(0, len(TEXTS), part_docs))
    assert plan.parts[-1].stop == len(TEXTS) and all(p.stop - p.start <= part_docs for p in plan.parts)


def test_parts_also_close_at_part_bytes(tmp_path):
    plan = scan(write_txt(tmp_path / "c.txt", TEXTS), part_docs=1000, part_bytes=100)
    assert len(plan.parts) > 1 and all_texts(plan) == TEXTS
    for part in plan.parts[:-1]:
        assert part.byte_stop - part.byte_start >= 100  # closed on the line that reached the limit
        assert part.byte_stop - part.byte_start - len(TEXTS[part.stop - 1].encode()) - 1 < 100


def test_crlf_and_a_last_line_without_newline(tmp_path):
    p = tmp_path / "c.txt"
    p.write_bytes(b"one\r\ntwo \xe2\x80\xa8 still two\r\nthree")  # U+2028 is not a line break here
    plan = scan(p, part_docs=2)
    assert all_texts(plan) == ["one", "two \u2028 still two", "three"]


def test_jsonl_field_and_nulls(tmp_path):
    p = write_jsonl(tmp_path / "c.jsonl", TEXTS, field="body")
    plan = scan(p, field="body", part_docs=3)
    assert plan.field == "body" and all_texts(plan) == TEXTS
    q = tmp_path / "n.jsonl"
    q.write_text('{"text": null}\n\n{"text": "x"}\n', encoding="utf-8")
    assert all_texts(scan(q)) == ["", "", "x"]  # null and a blank line: empty documents, positions kept


@pytest.mark.parametrize(("line", "message"), [
    ('{"text": "ok"', "line 3: the line is not valid JSON"),
    ('["text"]', "line 3: a JSON list, expected an object with a 'text' field"),
    ('{"body": "x"}', "line 3: no field 'text' (fields: body); name the text's field with --field"),
    ('{"text": 5}', "line 3: field 'text' is a int, expected a string"),
])
def test_malformed_jsonl_names_the_line(tmp_path, line, message):
    p = tmp_path / "bad.jsonl"
    p.write_text(json.dumps({"text": "a"}) + "\n" + json.dumps({"text": "b"}) + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(CorpusInputError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        scan(p)


def test_text_that_is_not_utf8_names_the_line_and_byte(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_bytes(b"fine\nalso fine\nbad \xff here\n")
    with pytest.raises(CorpusInputError, match=r"line 3: not UTF-8 text \(byte 5 of the line is 0xff\)"):
        scan(p)


def test_parquet_rows_across_row_groups(tmp_path):
    texts = [*TEXTS, None]
    plan = scan(write_parquet(tmp_path / "c.parquet", texts, row_group_size=2), part_docs=3)
    assert plan.format == "parquet" and plan.documents == len(texts)
    assert all_texts(plan) == [*TEXTS, ""]


def test_parquet_problems_are_named(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    with pytest.raises(CorpusInputError, match="no column 'text' \\(columns: body\\)"):
        scan(write_parquet(tmp_path / "a.parquet", ["x"], column="body"))
    pq.write_table(pa.table({"text": [1, 2]}), tmp_path / "b.parquet")
    with pytest.raises(CorpusInputError, match="column 'text' holds int64, expected strings"):
        scan(tmp_path / "b.parquet")
    (tmp_path / "c.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(CorpusInputError, match="not a readable Parquet file"):
        scan(tmp_path / "c.parquet")


def test_files_that_are_not_corpora(tmp_path):
    with pytest.raises(CorpusInputError, match="no such file"):
        scan(tmp_path / "missing.txt")
    with pytest.raises(CorpusInputError, match=r"unknown input type '\.csv'"):
        scan(tmp_path / "x.csv")
    with pytest.raises(CorpusInputError, match="is not a file"):
        scan(tmp_path.joinpath("d.txt").mkdir() or tmp_path / "d.txt")
    with pytest.raises(CorpusInputError, match=r"a \.txt file has one document per line and no fields"):
        scan(write_txt(tmp_path / "t.txt", ["a"]), field="body")


def test_an_input_changed_after_the_scan_is_refused(tmp_path):
    p = write_txt(tmp_path / "c.txt", TEXTS)
    plan = scan(p, part_docs=2)
    write_txt(p, ["X" + TEXTS[0][1:], *TEXTS[1:]])  # same length: offsets stay, the first part's bytes differ
    assert read_part(plan, plan.parts[1]) == TEXTS[2:4]  # untouched lines still read
    with pytest.raises(CorpusInputError, match=r"changed since the run began \(lines 1-2 differ\)"):
        read_part(plan, plan.parts[0])
