"""Part files and the output folder, without a model: layout, atomic writes, readers, manifest, lock."""

from __future__ import annotations

import json
import multiprocessing
import os

import numpy as np
import pytest
import torch

from attnlab.corpus import manifest as mf
from attnlab.corpus.document import SCORES, Doc, PartResult, plan_batches
from attnlab.corpus.parts import (
    done_parts,
    part_bytes,
    part_info,
    part_table,
    read_info,
    remove_stale_temporaries,
    schema_columns,
    write_part,
)

L, H = 3, 4  # a small "model": 3 layers x 4 heads


def fake_result(positions: list[int], seed: int = 0) -> PartResult:
    g = torch.Generator().manual_seed(seed)
    result = PartResult()
    for p in positions:
        result.docs.append(Doc(p, f"{p:016x}", list(range(5 + p)), cut=p % 2))
        result.scores.append({name: torch.rand(L, H, generator=g) for name in SCORES})
    result.skipped.append((99, "empty", 0))
    return result


def write_fake(folder, index: int, positions: list[int]) -> PartResult:
    result = fake_result(positions, seed=index)
    info = part_info(index, positions[0] if positions else 0, 100, result)
    write_part(folder, index, part_bytes(part_table(result, L, H), info))
    return result


def test_layout_one_row_per_document_layer_head(tmp_path):
    result = write_fake(tmp_path, 0, [3, 7])
    import pyarrow.parquet as pq

    table = pq.read_table(tmp_path / "part-000000.parquet")
    assert table.num_rows == 2 * L * H
    assert table.column("position").to_pylist() == [3] * L * H + [7] * L * H
    assert table.column("layer").to_pylist()[: L * H] == [layer for layer in range(L) for _ in range(H)]
    assert table.column("head").to_pylist()[: L * H] == list(range(H)) * L
    assert table.column("n_tokens").to_pylist()[0] == 8 and table.column("cut_tokens").to_pylist()[-1] == 1
    for name in SCORES:
        got = table.column(name).to_numpy().reshape(2, L, H)
        want = np.stack([s[name].numpy() for s in result.scores])
        assert np.array_equal(got, want.astype(np.float32)), name
    info = read_info(tmp_path / "part-000000.parquet")
    assert info["documents"] == 2 and info["tokens"] == 8 + 12 and info["skipped"] == [[99, "empty", 0]]


def test_a_part_with_every_document_skipped_is_still_written(tmp_path):
    write_fake(tmp_path, 4, [])
    assert set(done_parts(tmp_path)) == {4} and read_info(tmp_path / "part-000004.parquet")["documents"] == 0


def test_readers_read_the_folder_and_skip_what_is_not_a_part(tmp_path):
    """DuckDB, pandas and polars read the part files (not the manifest, lock or a temporary file)
    and agree with numpy on a per-head mean."""
    duckdb = pytest.importorskip("duckdb")
    pl = pytest.importorskip("polars")
    import pandas as pd

    results = [write_fake(tmp_path, i, [10 * i, 10 * i + 1, 10 * i + 2]) for i in range(3)]
    mf.write_manifest(tmp_path, {"schema": schema_columns()})
    (tmp_path / mf.LOCK).touch()
    (tmp_path / ".part-000003.parquet.0a1b2c3d.tmp").write_bytes(b"PAR1 half a file")
    want = np.stack([s["entropy"].numpy() for r in results for s in r.scores]).astype(np.float32).mean(0)

    glob = str(tmp_path / "*.parquet")
    rows = duckdb.sql(f"SELECT layer, head, avg(entropy) AS m FROM read_parquet('{glob}') "
                      "GROUP BY layer, head ORDER BY layer, head").fetchall()
    assert np.allclose(np.array([r[2] for r in rows]).reshape(L, H), want, atol=1e-6)
    df = pd.read_parquet(tmp_path)
    assert len(df) == 9 * L * H
    assert np.allclose(df.groupby(["layer", "head"])["entropy"].mean().to_numpy().reshape(L, H), want, atol=1e-6)
    lf = pl.scan_parquet(glob).group_by(["layer", "head"]).agg(pl.col("entropy").mean()).sort(["layer", "head"])
    assert np.allclose(lf.collect()["entropy"].to_numpy().reshape(L, H), want, atol=1e-6)


def test_temporaries_of_a_killed_run_are_removed_and_nothing_else(tmp_path):
    ours = tmp_path / ".part-000002.parquet.deadbeef.tmp"
    ours.write_bytes(b"half")
    manifest_tmp = tmp_path / "._manifest.json.0123abcd.tmp"
    manifest_tmp.write_text("{")
    keep = [tmp_path / ".part-notes.tmp", tmp_path / "mine.tmp"]
    for p in keep:
        p.write_text("user file")
    link = tmp_path / ".part-000003.parquet.cafe0123.tmp"
    link.symlink_to(keep[1])
    assert remove_stale_temporaries(tmp_path) == 2
    assert not ours.exists() and not manifest_tmp.exists() and all(p.exists() for p in keep) and link.is_symlink()


def test_writing_a_part_leaves_no_temporary_and_replaces_atomically(tmp_path):
    write_fake(tmp_path, 0, [1])
    write_fake(tmp_path, 0, [1, 2])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["part-000000.parquet"]
    assert read_info(tmp_path / "part-000000.parquet")["documents"] == 2


def test_another_run_is_refused_naming_the_difference(tmp_path):
    old = {"schema": schema_columns(), "model": {"name": "minilm"}, "options": {"max_tokens": 512, "truncate": False},
           "input": {"sha256": "aa"}, "versions": {"torch": "2.13.0"}}
    mf.check_same_run(old, json.loads(json.dumps(old)), tmp_path)  # the same run: no error
    new = {**old, "options": {"max_tokens": 128, "truncate": False}}
    with pytest.raises(mf.OutputFolderError, match=r"other settings \(options max_tokens: 512 there, 128 now\)"):
        mf.check_same_run(old, new, tmp_path)
    with pytest.raises(mf.OutputFolderError, match=r"\(input sha256: \"aa\" there, \"bb\" now\)"):
        mf.check_same_run(old, {**old, "input": {"sha256": "bb"}}, tmp_path)
    # a new score column changes the part files' layout: a run written before it is not resumed
    wider = {**old, "schema": [*old["schema"], ["a_new_score", "float"]]}
    with pytest.raises(mf.OutputFolderError, match=r"other settings \(schema: "):
        mf.check_same_run(old, wider, tmp_path)
    before_schemas = {key: value for key, value in old.items() if key != "schema"} | {"format": 1}
    with pytest.raises(mf.OutputFolderError, match=r"other settings \(schema: null there"):
        mf.check_same_run(before_schemas, old, tmp_path)


def test_folders_that_cannot_hold_a_run(tmp_path):
    (tmp_path / "file").write_text("x")
    from attnlab.fileio import make_folder

    with pytest.raises(mf.OutputFolderError, match="exists and is not a folder"):
        make_folder(tmp_path / "file", error=mf.OutputFolderError)
    (tmp_path / mf.MANIFEST).write_text("{not json")
    with pytest.raises(mf.OutputFolderError, match=r"is not valid JSON: .*: the manifest is damaged"):
        mf.read_manifest(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    (other / "part-000000.parquet").write_bytes(b"")
    with pytest.raises(mf.OutputFolderError, match=r"holds part files .* but no _manifest\.json"):
        mf.check_folder_is_ours(other)


def _hold_lock(folder, ready, release):
    with mf.locked(folder):
        ready.set()
        release.wait(30)


@pytest.mark.skipif(os.name == "nt", reason="fcntl locks are POSIX")
def test_one_run_at_a_time_per_folder(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(tmp_path, ready, release))
    holder.start()
    try:
        assert ready.wait(30)
        with pytest.raises(mf.OutputFolderError, match="another attnlab corpus run is writing into"), \
                mf.locked(tmp_path):
            pass
    finally:
        release.set()
        holder.join(30)
    with mf.locked(tmp_path):  # released when its holder ended
        pass


def test_batches_by_length_keep_padding_small():
    docs = [Doc(i, "", [0] * n, 0) for i, n in enumerate([5, 40, 6, 7, 41, 300, 8, 45, 5])]
    batches = plan_batches(docs, batch_tokens=100)
    assert sorted(d.position for b in batches for d in b) == list(range(len(docs)))
    for b in batches:
        lengths = [len(d.ids) for d in b]
        assert lengths == sorted(lengths)
        assert len(b) == 1 or (len(b) * lengths[-1] <= 100 and lengths[-1] <= max(lengths[0] * 1.125, lengths[0] + 8))
    assert [len(b) for b in batches] == [5, 2, 1, 1]  # 5 5 6 7 8 | 40 41 | 45 (3 x 45 > 100) | 300
