"""Tampered corpus folders (no model): a manifest or a part file that is damaged, or not attnlab's, is one
clear line through `attnlab corpus summarize`, exit 2, naming the file and what to do; never a traceback."""

from __future__ import annotations

import json

import pytest

from attnlab.cli import main
from attnlab.corpus import manifest as mf
from attnlab.corpus.parts import PART_KEY, part_name, schema_columns

from .test_parts import H, L, write_fake

MANIFEST = {"schema": schema_columns(),
            "model": {"name": "tiny", "kind": "encoder", "n_layers": L, "n_heads": H, "max_tokens": 64},
            "input": {"path": "/data/c.txt", "documents": 8, "parts": 2}, "options": {}, "versions": {}}


@pytest.fixture
def folder(tmp_path):
    for i in range(2):
        write_fake(tmp_path, i, [3 * i + j for j in range(3)])
    mf.write_manifest(tmp_path, MANIFEST)
    return tmp_path


def refused(folder, capsys, needle: str) -> str:
    before = sorted(p.name for p in folder.iterdir())
    assert main(["corpus", "summarize", str(folder), "--format", "json", "--lang", "en"]) == 2
    out, err = capsys.readouterr()
    assert err.startswith("attnlab: error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    assert needle in err and out == "", err
    assert sorted(p.name for p in folder.iterdir()) == before
    return err


def test_the_untouched_folder_summarises(folder, capsys):
    assert main(["corpus", "summarize", str(folder), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["scored"] == 6


MANIFESTS = {  # a tampered manifest -> what the message names
    "a list": ([], "holds [], expected a JSON object"),
    "no model": ({**MANIFEST, "model": None}, "model is missing"),
    "model a string": ({**MANIFEST, "model": "tiny"}, 'model is "tiny", expected an object'),
    "0 layers": ({**MANIFEST, "model": {**MANIFEST["model"], "n_layers": 0}}, "model.n_layers is 0"),
    "layers as text": ({**MANIFEST, "model": {**MANIFEST["model"], "n_layers": "3"}}, 'model.n_layers is "3"'),
    "unknown kind": ({**MANIFEST, "model": {**MANIFEST["model"], "kind": "rnn"}},
                     'model.kind is "rnn", expected one of encoder, decoder'),
    "name a number": ({**MANIFEST, "model": {**MANIFEST["model"], "name": 5}}, "model.name is 5, expected text"),
    "documents -1": ({**MANIFEST, "input": {**MANIFEST["input"], "documents": -1}}, "input.documents is -1"),
    "parts 2.0": ({**MANIFEST, "input": {**MANIFEST["input"], "parts": 2.0}}, "input.parts is 2.0"),
    "options a list": ({**MANIFEST, "options": []}, "options is [], expected an object"),
}


@pytest.mark.parametrize("kind", list(MANIFESTS))
def test_a_tampered_manifest(kind, folder, capsys):
    data, said = MANIFESTS[kind]
    (folder / mf.MANIFEST).write_text(json.dumps(data))
    err = refused(folder, capsys, said)
    assert "the manifest is damaged, or the folder is not an attnlab corpus folder" in err


@pytest.mark.parametrize(("raw", "said"), [
    (b"", "is empty: expected JSON"),
    (b"{", "is not valid JSON"),
    (b'{"format": NaN}', "holds NaN"),
    (b"\xff\xfe{}", "is not UTF-8 text (byte 0xff at offset 0)"),
])
def test_a_manifest_that_is_not_json(raw, said, folder, capsys):
    (folder / mf.MANIFEST).write_bytes(raw)
    refused(folder, capsys, said)


def test_a_manifest_that_is_a_folder(folder, capsys):
    (folder / mf.MANIFEST).unlink()
    (folder / mf.MANIFEST).mkdir()
    refused(folder, capsys, "_manifest.json is a folder, not a file")


def rewrite_counts(path, counts: bytes) -> None:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    pq.write_table(table.replace_schema_metadata({PART_KEY: counts}), path)


def counts_of(path) -> dict:
    import pyarrow.parquet as pq

    return json.loads(pq.read_schema(path).metadata[PART_KEY])


PART_COUNTS = {  # the footer's counts tampered with -> what the message names
    "a list": (b"[]", "holds [], expected a JSON object"),
    "not JSON": (b"{oops", "is not valid JSON"),
    "not UTF-8": (b"\xff", "its footer holds no attnlab counts"),
    "NaN": (None, "holds NaN"),
    "documents -3": ({"documents": -3}, "documents is -3"),
    "tokens as text": ({"tokens": "12"}, 'tokens is "12"'),
    "skipped not a list": ({"skipped": 5}, "skipped is 5, expected a list"),
    "skipped reason": ({"skipped": [[1, "lost", 0]]}, 'skipped[0][1] is "lost", expected one of empty, too_short'),
    "skipped short": ({"skipped": [[1, "empty"]]}, "skipped[0] is [1, \"empty\"], expected a list of 3 values"),
    "another index": ({"index": 7}, "its counts say part 7"),
}


@pytest.mark.parametrize("kind", list(PART_COUNTS))
def test_a_part_whose_counts_were_tampered_with(kind, folder, capsys):
    path = folder / part_name(1)
    change, said = PART_COUNTS[kind]
    if isinstance(change, dict):
        change = json.dumps({**counts_of(path), **change}).encode()
    elif change is None:
        change = json.dumps(counts_of(path)).replace('"tokens": ', '"tokens": NaN, "x": ').encode()
    rewrite_counts(path, change)
    err = refused(folder, capsys, said)
    assert f"part file {path} is damaged or not attnlab's" in err and "remove it and rerun" in err


def test_part_files_that_are_not_parquet_or_not_ours(folder, capsys):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = folder / part_name(1)
    whole = path.read_bytes()
    for damage in (b"", b"not parquet at all", whole[: len(whole) // 2], whole[:-9] + b"\0" * 9):
        path.write_bytes(damage)
        refused(folder, capsys, f"part file {path} is damaged")
    pq.write_table(pa.table({"position": [1]}), path)  # a Parquet file, but no attnlab counts
    refused(folder, capsys, "its footer holds no attnlab counts")


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_a_part_name_on_something_that_is_no_file(kind, folder, capsys):
    import os

    path = folder / part_name(1)
    path.unlink()
    path.mkdir() if kind == "folder" else os.mkfifo(path)  # a FIFO would block a reader forever
    refused(folder, capsys, f"part file {path} is damaged or not attnlab's (it is not a regular file)")


def test_part_rows_that_do_not_match_the_counts(folder, capsys):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = folder / part_name(1)
    table = pq.read_table(path)
    pq.write_table(table.slice(0, L * H), path)  # one document's rows left of three, counts kept
    refused(folder, capsys, f"it holds {L * H} rows, not its counted documents x {L * H} heads")
    layer = pa.array([str(v) for v in table.column("layer").to_pylist()])
    pq.write_table(table.set_column(table.schema.get_field_index("layer"), "layer", layer), path)
    refused(folder, capsys, "column layer holds string, not numbers")


def test_a_part_beyond_the_runs_parts(folder, capsys):
    write_fake(folder, 5, [20])
    refused(folder, capsys, "the run has only 2 parts")
