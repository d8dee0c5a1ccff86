"""`attnlab corpus` and `attnlab corpus summarize`: both forms parse, errors are one line, files are written."""

from __future__ import annotations

import json

import pytest

from attnlab.cli import main
from attnlab.cli.corpus import run_parser
from attnlab.corpus import manifest as mf
from attnlab.corpus.parts import schema_columns

from ..corpus.conftest import TEXTS, write_txt
from ..corpus.test_parts import H, L, write_fake


def one_line_error(capsys, argv) -> str:
    """Exit code 2 and one line on stderr (usage errors exit from argparse, the rest return 2)."""
    try:
        code = main(argv)
    except SystemExit as e:
        code = e.code
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("attnlab: error: ") and err.count("\n") == 1, err
    return err


def test_options_before_or_after_the_input():
    a = run_parser().parse_args(["--model", "smollm2", "in.txt", "--out", "d", "--truncate"])
    b = run_parser().parse_args(["in.txt", "--out", "d", "--model", "smollm2", "--truncate"])
    assert vars(a) == vars(b) and a.input == "in.txt" and a.model == "smollm2"


def test_usage_errors_are_one_line(capsys):
    assert "--out" in one_line_error(capsys, ["corpus", "in.txt"])
    assert "DIR" in one_line_error(capsys, ["corpus", "summarize"])
    assert "--batch-tokens" in one_line_error(capsys, ["corpus", "in.txt", "--out", "d", "--batch-tokens", "0"])
    assert "engine" in one_line_error(capsys, ["corpus", "in.txt", "--out", "d", "--engine", "spark"])


@pytest.fixture
def folder(tmp_path):
    for i in range(2):
        write_fake(tmp_path, i, [3 * i + j for j in range(3)])
    mf.write_manifest(tmp_path, {
        "schema": schema_columns(),
        "model": {"name": "tiny", "kind": "encoder", "n_layers": L, "n_heads": H, "max_tokens": 64},
        "input": {"path": "/data/c.txt", "documents": 8, "parts": 2}, "options": {}, "versions": {}})
    return tmp_path


def test_summarize_json_is_pure_and_writes_no_figure_unless_asked(folder, capsys, tmp_path_factory, monkeypatch):
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
    assert main(["corpus", "summarize", str(folder), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["scored"] == 6 and data["complete"] is True and data["model"] == "tiny"
    assert not any(p.name == "attnlab-out" for p in folder.parent.iterdir())


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_summarize_printout_figure_and_page(folder, capsys, tmp_path_factory, lang):
    where = tmp_path_factory.mktemp("figs")
    page = where / "summary.html"
    assert main(["corpus", "summarize", str(folder), "--out", str(where), "--html", str(page), "--lang", lang]) == 0
    out = capsys.readouterr().out
    assert ("corpus head census (6 documents" in out) if lang == "en" else ("コーパスのヘッド調査（6 文書" in out)
    assert (where / "tiny-corpus-means.png").stat().st_size > 0 and (where / "tiny-corpus-means.svg").exists()
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_summarize_refuses_a_page_path_that_is_a_folder_before_reading(folder, capsys, tmp_path):
    assert "is a folder" in one_line_error(capsys, ["corpus", "summarize", str(folder), "--html", str(tmp_path)])


@pytest.mark.model
def test_run_prints_counts_and_names_bad_lines(tmp_path, capsys):
    src = write_txt(tmp_path / "c.txt", TEXTS)
    assert main(["corpus", str(src), "--out", str(tmp_path / "o"), "--part-docs", "4", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "7 documents scored" in out and "3 parts (0 written before)" in out and "skipped: 2 empty" in out
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine"}\n{"text": "broken"\n', encoding="utf-8")
    err = one_line_error(capsys, ["corpus", str(bad), "--out", str(tmp_path / "b"), "--lang", "en"])
    assert "bad.jsonl, line 2: the line is not valid JSON" in err
    err = one_line_error(capsys, ["corpus", str(src), "--out", str(tmp_path / "o"), "--max-tokens", "20"])
    assert "holds a run with other settings (options max_tokens: 512 there, 20 now)" in err


def tree(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.parametrize("address", ["127.0.0.1:1", "ray://127.0.0.1:1", "localhost:1", "nonsense", "127.0.0.1:99999",
                                     "[::1]:1"])
def test_an_unreachable_ray_address_is_refused_in_seconds(address, tmp_path, capsys, monkeypatch):
    """The reviewed case: RAY_ADDRESS=127.0.0.1:1 hung for minutes inside ray.init."""
    import time

    pytest.importorskip("ray")
    src = write_txt(tmp_path / "c.txt", TEXTS)
    monkeypatch.setenv("RAY_ADDRESS", address)
    before = tree(tmp_path)
    started = time.monotonic()
    err = one_line_error(capsys, ["corpus", str(src), "--out", str(tmp_path / "o"), "--engine", "ray", "--lang", "en"])
    assert time.monotonic() - started < 20
    assert f"RAY_ADDRESS={address}" in err and "unset RAY_ADDRESS to start a local" in err
    assert tree(tmp_path) == before


def test_a_port_where_no_ray_cluster_speaks_is_refused_after_the_timeout(monkeypatch):
    """A listening socket that never answers: TCP connects, ray.init would wait for minutes; the child
    process that tries it is killed at the timeout."""
    import socket
    import time

    from attnlab.corpus.ray_engine import check_cluster
    from attnlab.errors import AttnlabError

    pytest.importorskip("ray")
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        monkeypatch.setenv("RAY_ADDRESS", f"127.0.0.1:{server.getsockname()[1]}")
        started = time.monotonic()
        with pytest.raises(AttnlabError, match=r"no Ray cluster answered at RAY_ADDRESS=127\.0\.0\.1:\d+ within 3 s"):
            check_cluster(join_timeout=3)
        assert time.monotonic() - started < 10


def test_an_input_inside_out_under_a_name_the_run_writes_is_refused(tmp_path, capsys):
    out = tmp_path / "o"
    out.mkdir()
    src = write_txt(out / "part-000000.parquet.txt", ["a"])  # not a part name: allowed (checked by the run later)
    bad = out / "part-000001.parquet"
    bad.write_bytes(b"")
    err = one_line_error(capsys, ["corpus", str(bad), "--out", str(out), "--lang", "en"])
    assert "is inside --out" in err and "under a name a run writes there" in err
    assert sorted(p.name for p in out.iterdir()) == sorted([bad.name, src.name])


@pytest.mark.model
def test_bad_lines_stop_the_run_before_any_part_or_are_skipped_and_counted(tmp_path, capsys):
    """The reviewed case: a JSONL line with an escaped lone surrogate was found after 6 parts were written."""
    src = tmp_path / "c.jsonl"
    lines = [json.dumps({"text": t or "x"}) for t in TEXTS]
    lines.insert(6, '{"text": "broken \\udcff here"}')
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = tree(tmp_path)
    for lang, needle in (("en", "c.jsonl, line 7: field 'text' holds a lone surrogate (U+DCFF"),
                         ("ja", "c.jsonl の 7 行目")):
        err = one_line_error(capsys, ["corpus", str(src), "--out", str(tmp_path / "o"), "--part-docs", "1",
                                      "--lang", lang])
        assert needle in err and "--on-bad-line skip" in err
    assert tree(tmp_path) == before  # no folder, no lock, no manifest, no part
    assert main(["corpus", str(src), "--out", str(tmp_path / "o"), "--part-docs", "2", "--on-bad-line", "skip",
                 "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "left out 1 bad lines or rows (--on-bad-line skip); the first: " in out and "line 7" in out
    assert main(["corpus", "summarize", str(tmp_path / "o"), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["bad_line"] == 1 and data["scored"] == len(TEXTS) - 1  # the two blank ones became "x"
    assert main(["corpus", "summarize", str(tmp_path / "o"), "--lang", "en", "--out", str(tmp_path / "f")]) == 0
    assert "1 bad lines or rows left out (--on-bad-line skip)" in capsys.readouterr().out


@pytest.mark.model
def test_a_damaged_part_is_named_before_a_resumed_run_does_any_work(tmp_path, capsys):
    src = write_txt(tmp_path / "c.txt", TEXTS)
    assert main(["corpus", str(src), "--out", str(tmp_path / "o"), "--part-docs", "4"]) == 0
    capsys.readouterr()
    part = tmp_path / "o" / "part-000001.parquet"
    part.write_bytes(part.read_bytes()[:100])
    err = one_line_error(capsys, ["corpus", str(src), "--out", str(tmp_path / "o"), "--part-docs", "4",
                                  "--lang", "en"])
    assert f"part file {part} is damaged" in err and "remove it and rerun" in err
    part.unlink()
    assert main(["corpus", str(src), "--out", str(tmp_path / "o"), "--part-docs", "4", "--lang", "en"]) == 0
    assert "3 parts (2 written before)" in capsys.readouterr().out
