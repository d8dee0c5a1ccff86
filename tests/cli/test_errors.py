"""Every bad input the reliability review tried, through the command line: exit code 2, one line on
stderr that names the problem, no traceback, nothing printed on stdout, and no new file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import attnlab.cli as cli


def make_inputs(root: Path) -> None:
    """The files the cases read, made before the run (so they are not 'new files')."""
    (root / "nonutf8.csv").write_bytes(b"1,2,3\xff,4\n")
    (root / "adir").mkdir()
    with open(root / "huge.csv", "wb") as f:  # 200 MB, sparse: refused by its size, never read
        f.truncate(200_000_000)
    (root / "zero.csv").symlink_to("/dev/zero")
    empty = root / "empty-config"
    empty.mkdir()
    (empty / "config.json").write_text("{}")
    noweights = root / "no-weights"
    noweights.mkdir()
    (noweights / "config.json").write_text(json.dumps({"model_type": "bert", "architectures": ["BertModel"],
                                                        "num_hidden_layers": 1, "num_attention_heads": 2,
                                                        "hidden_size": 8, "intermediate_size": 8}))
    (root / "a-file").write_text("not a folder")


CASES = [
    # (argv, what stderr must name)
    (["toy", "--fmt", "garbage"], "'garbage' is not a number format"),
    (["demo", "--no-model", "--fmt", "d"], "'d' is not a number format"),
    (["toy", "--seed", "18446744073709551616"], "seed 18446744073709551616 is outside 0..4294967295"),
    (["toy", "--seeds", "0,18446744073709551616"], "seed 18446744073709551616 is outside 0..4294967295"),
    (["toy", "--seed", "-1"], "seed -1 is outside 0..4294967295"),
    (["toy", "--x", "nonutf8.csv"], "nonutf8.csv is not UTF-8 text (byte 0xff"),
    (["toy", "--x", "adir"], "adir is a folder"),
    (["toy", "--x", "huge.csv"], "huge.csv is 190.7 MiB, more than 8.0 MiB"),
    (["toy", "--x", "zero.csv"], "goes on beyond 8.0 MiB (it is not a regular file)"),
    (["toy", "--tokens", "abc\udcff d e"], "holds a byte that is not UTF-8 (0xff, character 3)"),
    (["toy", "--tokens", "abc\udcff d e", "--format", "json"], "holds a byte that is not UTF-8"),
    (["toy", "--temperature", "1e-45", "--format", "json"], "temperature 1e-45"),
    (["toy", "--x", "[[1e20,1e20,1e20,1e20],[1,1,1,1],[1,1,1,1]]"], "scale x down"),
    (["toy", "--x", "[[1e308,1,1,1],[1,1,1,1],[1,1,1,1]]"], "does not fit in float32"),
    (["toy", "--html", "nope/x.html"], "cannot write the --html page to 'nope/x.html': folder 'nope' does not exist"),
    (["toy", "--out", "a-file"], "--out a-file exists and is not a folder"),
    (["toy", "--out", "a-file/sub"], "cannot create --out folder a-file/sub: Not a directory"),
    (["toy", "--heads", "two"], "argument --heads: invalid int value: 'two'"),
    (["toy", "--colour", "red"], "unrecognized arguments: --colour red"),
    (["text", "abc\udcff"], "the text holds a byte that is not UTF-8 (0xff, character 3)"),
    (["text", "hi", "--model", ""], "the model name is empty"),
    (["text", "hi", "--model", "bad owner/x y"], "is neither a model here nor a valid hub id"),
    (["text", "hi", "--model", "empty-config"], "config.json does not name a model type"),
    (["text", "hi", "--model", "no-weights"], "it has no weights"),
    (["heads", "--probe-length", "0"], "probe"),
]


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    make_inputs(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(("argv", "needle"), CASES, ids=[" ".join(a)[:60] for a, _ in CASES])
def test_bad_input_is_one_line_exit_2_and_no_new_file(argv, needle, workdir, capsys):
    before = sorted(p.name for p in workdir.iterdir())
    code = call(argv)
    out, err = capsys.readouterr()
    assert code == 2, (code, err)
    assert err.startswith("attnlab: error: ") and err.count("\n") == 1, err
    assert needle in err, err
    assert "Traceback" not in err and out == ""
    assert sorted(p.name for p in workdir.iterdir()) == before  # nothing new: no figures, no attnlab-out


def call(argv: list[str]) -> int:
    """The exit code of `attnlab argv --lang en`, in this process (argparse's own errors exit). The
    needles are English: errors come in --lang, whose default is ja (tests/cli/test_error_language.py)."""
    if argv and argv[0] in ("toy", "text", "demo", "heads"):
        argv = [*argv, "--lang", "en"]
    try:
        return cli.main(argv)
    except SystemExit as e:
        return int(e.code)


def test_model_folder_with_truncated_weights(workdir, capsys):
    import torch
    from safetensors.torch import save_file

    folder = workdir / "truncated"
    folder.mkdir()
    (folder / "config.json").write_text((workdir / "no-weights" / "config.json").read_text())
    save_file({"w": torch.zeros(1000)}, str(folder / "model.safetensors"))
    data = (folder / "model.safetensors").read_bytes()
    (folder / "model.safetensors").write_bytes(data[: len(data) // 2])
    code = cli.main(["text", "hi", "--model", "truncated"])
    out, err = capsys.readouterr()
    assert code == 2 and "damaged or truncated" in err and err.count("\n") == 1 and out == ""


@pytest.mark.parametrize("cache", ["a-file", "~nouser-attnlab-test/x"])
def test_a_bad_cache_location_is_reported_not_a_crash(cache, workdir, capsys, monkeypatch):
    from attnlab.models import api

    monkeypatch.setenv("ATTNLAB_CACHE", cache)
    monkeypatch.setattr(api, "_loaded", {})
    assert cli.main(["models"]) == 0
    out, err = capsys.readouterr()
    assert "smollm2" in out and "no " in out.split("smollm2", 1)[1].splitlines()[0]  # not ready, said why
    code = cli.main(["text", "hi", "--model", "smollm2"])
    out, err = capsys.readouterr()
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err and out == ""


def test_argv_that_is_not_utf8_in_a_real_process(tmp_path):
    """What the shell passes for $'abc\\xff': bytes the locale cannot decode."""
    p = subprocess.run([sys.executable, "-m", "attnlab", "toy", "--tokens", os.fsencode("abc\udcff d e")],
                       capture_output=True, cwd=tmp_path)
    assert p.returncode == 2 and p.stdout == b""
    assert p.stderr.startswith(b"attnlab: error: ") and p.stderr.count(b"\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_a_closed_pipe_ends_quietly(tmp_path):
    p = subprocess.run(f"{sys.executable} -m attnlab toy | head -3", shell=True, capture_output=True, text=True,
                       cwd=tmp_path)
    assert len(p.stdout.splitlines()) == 3 and "Traceback" not in p.stderr and "BrokenPipe" not in p.stderr


def test_no_command_lists_the_commands_and_version(capsys):
    assert cli.main([]) == 2
    out, _ = capsys.readouterr()
    for name in cli.COMMAND_MODULES:
        assert name in out
    with pytest.raises(SystemExit) as e:
        cli.main(["--version"])
    assert e.value.code == 0 and capsys.readouterr().out.startswith("attnlab ")
