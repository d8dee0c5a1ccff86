"""Corpus runs on the bundled models: rows against each document alone, counts, resume, refusals, a killed run."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from attnlab.corpus.document import ROW_SCORES, SCORES
from attnlab.corpus.manifest import OutputFolderError
from attnlab.corpus.run import run_corpus
from attnlab.errors import AttnlabError

from .conftest import TEXTS, write_txt

pytestmark = pytest.mark.model
TOL = 1e-5  # a document in a padded batch vs alone: same definitions, different kernels' rounding


def read_rows(folder):
    import pyarrow.parquet as pq

    return pq.read_table(folder).sort_by([("position", "ascending"), ("layer", "ascending"), ("head", "ascending")])


def reference_scores(text: str, model: str) -> dict[str, np.ndarray]:
    """The definitions read off full maps of the document run alone (analysis.census.dense_scores and
    rowstats.trace_row_stats): an independent path from the streamed, batched one."""
    from attnlab.analysis.census import dense_scores
    from attnlab.models.api import run_text
    from attnlab.models.chars import continuation_pieces, token_chunks

    trace = run_text(text, model)
    weights = [trace.head_weights(layer) for layer in range(trace.n_layers)]
    skip = frozenset(continuation_pieces(token_chunks(trace.tokens)))  # prev_token leaves these rows out
    out = {k: v.numpy() for k, v in dense_scores(weights, causal=trace.causal, skip_prev=skip).items()}
    rows = trace.dense_row_stats()
    for name in ROW_SCORES:
        out[name] = getattr(rows, name.removeprefix("rows_")).float().nanmean(-1).numpy()
    out["n_tokens"] = trace.n_tokens
    return out


@pytest.mark.parametrize("model", ["minilm", "smollm2"])
def test_rows_are_each_documents_census_alone(tmp_path, corpus_txt, model):
    report = run_corpus(corpus_txt, model, tmp_path / "out", part_docs=4, progress=False)
    table = read_rows(tmp_path / "out")
    n_layers = int(table.column("layer").to_numpy().max()) + 1
    n_heads = int(table.column("head").to_numpy().max()) + 1
    kept = [i for i, t in enumerate(TEXTS) if t.strip()]
    assert report.totals["scored"] == len(kept) and report.totals["empty"] == 2
    assert table.num_rows == len(kept) * n_layers * n_heads
    positions = table.column("position").to_numpy().reshape(len(kept), -1)[:, 0]
    assert positions.tolist() == kept
    hashes = table.column("doc_hash").to_pylist()[:: n_layers * n_heads]
    assert hashes == [hashlib.sha256(TEXTS[i].encode()).hexdigest()[:16] for i in kept]
    for d, i in enumerate(kept):
        want = reference_scores(TEXTS[i], model)
        rows = slice(d * n_layers * n_heads, (d + 1) * n_layers * n_heads)
        assert table.column("n_tokens").to_numpy()[rows][0] == want["n_tokens"]
        for name in SCORES:
            got = table.column(name).to_numpy()[rows].reshape(n_layers, n_heads)
            scale = 1.0 + np.abs(want[name]) if "distance" in name else 1.0  # mean distance: relative
            assert np.all(np.abs(got - want[name]) <= TOL * scale), (model, i, name)


def test_too_long_documents_refused_or_cut(tmp_path, corpus_txt):
    from attnlab.models.api import load

    lm = load("minilm")
    lengths = [len(lm.tokenizer(t)["input_ids"]) for t in TEXTS if t.strip()]
    limit = 14
    over = sum(n > limit for n in lengths)
    assert 0 < over < len(lengths)
    refused = run_corpus(corpus_txt, "minilm", tmp_path / "a", max_tokens=limit, progress=False)
    assert refused.totals["too_long"] == over and refused.totals["scored"] == len(lengths) - over
    cut = run_corpus(corpus_txt, "minilm", tmp_path / "b", max_tokens=limit, truncate=True, progress=False)
    assert cut.totals["scored"] == len(lengths) and cut.totals["truncated"] == over
    assert cut.totals["cut_tokens"] == sum(n - limit for n in lengths if n > limit)
    table = read_rows(tmp_path / "b")
    assert int(table.column("n_tokens").to_numpy().max()) == limit
    with pytest.raises(AttnlabError, match="--max-tokens 600: minilm accepts 2 to 512 tokens"):
        run_corpus(corpus_txt, "minilm", tmp_path / "c", max_tokens=600)


def test_rerun_resumes_and_other_settings_are_refused(tmp_path, corpus_txt):
    out = tmp_path / "out"
    first = run_corpus(corpus_txt, "minilm", out, part_docs=3, progress=False)
    assert (first.parts, first.written, first.resumed) == (3, 3, 0)
    before = {p.name: p.read_bytes() for p in out.glob("part-*.parquet")}
    again = run_corpus(corpus_txt, "minilm", out, part_docs=3, progress=False)
    assert (again.written, again.resumed) == (0, 3) and again.totals == first.totals
    (out / "part-000001.parquet").unlink()
    third = run_corpus(corpus_txt, "minilm", out, part_docs=3, progress=False)
    assert (third.written, third.resumed) == (1, 2)
    assert read_rows(out).equals(read_rows_from(before, tmp_path / "copy"))
    with pytest.raises(OutputFolderError, match=r"other settings \(options part_docs: 3 there, 2 now\)"):
        run_corpus(corpus_txt, "minilm", out, part_docs=2, progress=False)
    with pytest.raises(OutputFolderError, match=r"other settings \(model name: \"minilm\" there, \"smollm2\" now\)"):
        run_corpus(corpus_txt, "smollm2", out, part_docs=3, progress=False)
    write_txt(corpus_txt, [*TEXTS, "one more document"])
    with pytest.raises(OutputFolderError, match=r"other settings \(input size: \d+ there, \d+ now\)"):
        run_corpus(corpus_txt, "minilm", out, part_docs=3, progress=False)
    assert {p.name: p.read_bytes() for p in out.glob("part-*.parquet")}.keys() == before.keys()


def read_rows_from(files: dict[str, bytes], folder):
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return read_rows(folder)


def test_a_model_that_cannot_load_stops_before_any_work(tmp_path, corpus_txt):
    out = tmp_path / "out"
    with pytest.raises(AttnlabError, match=r"no folder at \./no-such-model"):
        run_corpus(corpus_txt, "./no-such-model", out)
    assert not out.exists()  # the folder is made only once every check has passed


def test_a_killed_run_leaves_only_whole_parts_and_resumes_to_the_same_rows(tmp_path):
    """SIGKILL while parts are being written: every part file present is complete (a reader takes
    only those), and rerunning the command finishes with the rows of an uninterrupted run."""
    texts = [f"Document number {i} says that attention heads look at {i % 7} earlier tokens." for i in range(120)]
    src = write_txt(tmp_path / "many.txt", texts)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "attnlab", "corpus", str(src), "--out", str(out), "--part-docs", "2",
           "--no-progress", "--threads", "1", "--lang", "en"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None and len(list(out.glob("part-*.parquet"))) < 3:
        time.sleep(0.05)  # polling for the third part file, not waiting a fixed time
    assert proc.poll() is None, proc.stderr.read().decode()  # still running: killed mid-run
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(30)
    import pyarrow.parquet as pq

    from attnlab.corpus.parts import read_info

    parts = sorted(out.glob("part-*.parquet"))
    assert 3 <= len(parts) < 60
    for p in parts:
        assert pq.read_table(p).num_rows == read_info(p)["documents"] * 6 * 12  # whole, with its footer
    read_rows(out)  # the folder reads as a dataset (a temporary file, if any, is not taken for a part)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert f"60 parts ({len(parts)} written before)" in done.stdout
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    whole = run_corpus(src, "minilm", tmp_path / "whole", part_docs=2, threads=1, progress=False)
    assert whole.totals["scored"] == 120
    assert read_rows(out).equals(read_rows(tmp_path / "whole"))


@pytest.fixture
def ray_session():
    ray = pytest.importorskip("ray")
    yield ray
    if ray.is_initialized():  # run_ray shuts down what it started; this only cleans up after a failure
        ray.shutdown()


def test_ray_and_local_write_identical_rows(tmp_path, corpus_txt, ray_session, monkeypatch):
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    local = run_corpus(corpus_txt, "minilm", tmp_path / "local", part_docs=3, threads=1, progress=False)
    ray = run_corpus(corpus_txt, "minilm", tmp_path / "ray", part_docs=3, engine="ray", ray_cpus=2, workers=2,
                     threads=1, progress=False)
    assert not ray_session.is_initialized()  # the local cluster it started is gone
    assert ray.totals == local.totals and ray.written == local.written == 3
    assert read_rows(tmp_path / "ray").equals(read_rows(tmp_path / "local"))  # bit for bit
    assert torch.get_num_threads() >= 1
