"""Every bad input the reliability reviews tried, and the other members of each class, through the command
line: exit code 2, one line on stderr that names the problem, no traceback, nothing printed on stdout,
and no new file. The classes (issue 16): whole numbers in options (every such option of every command,
read from the parsers), JSON files (x, a model's config.json, the corpus manifest), paths whose ~user
cannot be expanded, and outputs that clash with each other or with an input."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import attnlab.cli as cli
from attnlab.cli.corpus import run_parser

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
NO_USER = "~nosuchuser-attnlab-test"
BERT = {"model_type": "bert", "architectures": ["BertModel"], "num_hidden_layers": 1, "num_attention_heads": 2,
        "hidden_size": 8, "intermediate_size": 8}

# a JSON file's bad contents, each a member of a class jsonfile refuses (name -> (bytes, what the message says))
BAD_JSON = {
    "list": (b"[]", "holds [], expected a JSON object"),
    "string": (b'"bert"', 'holds "bert", expected a JSON object'),
    "number": (b"5", "holds 5, expected a JSON object"),
    "null": (b"null", "holds null, expected a JSON object"),
    "empty": (b"", "is empty: expected JSON"),
    "blank": (b" \n", "is empty: expected JSON"),
    "broken": (b'{"model_type": ', "is not valid JSON"),
    "nan": (b'{"model_type": "bert", "num_attention_heads": NaN}', "holds NaN, which JSON does not allow"),
    "inf": (b'{"hidden_size": -Infinity}', "holds -Infinity, which JSON does not allow"),
    "1e400": (b'{"hidden_size": 1e400}', "holds the number 1e400, too large"),
    "400 digits": (b'{"hidden_size": ' + b"1" * 400 + b"}", "holds the number 111111111111...1111 (400 characters)"),
    "5000 digits": (b'{"hidden_size": ' + b"9" * 5000 + b"}", "holds the number 999999999999...9999 (5000 charac"),
    "deep": (b"[" * 100_000 + b"]" * 100_000, "nests lists or objects too deeply"),
    "latin-1": ('{"model_type": "bert", "name": "caf\xe9"}'.encode("latin-1"), "is not UTF-8 text (byte 0xe9"),
    "utf-16": ('{"model_type": "bert"}'.encode("utf-16"), "is not UTF-8 text (byte 0xff at offset 0)"),
}
# config.json members beyond the reader's: right JSON, wrong shape (field -> value, what the message says)
BAD_CONFIG = {
    "architectures int": ({"architectures": 5}, "architectures is 5, expected a list of strings"),
    "architectures [int]": ({"architectures": [5]}, "architectures[0] is 5, expected text"),
    "is_decoder text": ({"is_decoder": "yes"}, 'is_decoder is "yes", expected true or false'),
    "0 heads": ({"num_attention_heads": 0}, "num_attention_heads is 0, expected a whole number from 1 to 4096"),
    "-2 layers": ({"num_hidden_layers": -2}, "num_hidden_layers is -2, expected a whole number"),
    "1.5 heads": ({"num_attention_heads": 1.5}, "num_attention_heads is 1.5, expected a whole number"),
    "heads as text": ({"num_attention_heads": "2"}, 'num_attention_heads is "2", expected a whole number'),
    "heads true": ({"num_attention_heads": True}, "num_attention_heads is true, expected a whole number"),
    "huge width": ({"hidden_size": 10**30}, "hidden_size is 1000000000000000000000000000000, expected"),
    "0 positions": ({"max_position_embeddings": 0}, "max_position_embeddings is 0"),
    "gpt-2 names": ({"n_head": 0}, "n_head is 0"),
    "kv heads": ({"num_attention_heads": 4, "num_key_value_heads": 3}, "num_attention_heads 4 is not a multiple of "
                 "num_key_value_heads 3"),
    "width": ({"hidden_size": 10, "num_attention_heads": 4}, "hidden_size 10 is not a multiple of num_attention_heads"),
    "lone surrogate": ({"model_type": "\udcff"}, 'model_type is "\\udcff", expected text'),
}


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
    (noweights / "config.json").write_text(json.dumps(BERT))
    (root / "a-file").write_text("not a folder")
    (root / "x.json").write_text("[[1, 0], [0, 1], [1, 1]]")
    os.link(root / "x.json", root / "x-hard.json")
    (root / "x-link.html").symlink_to("x.json")
    (root / "c.txt").write_text("one document\n")
    (root / "figs").mkdir()
    (root / "json").mkdir()
    (root / "config-dir" / "config.json").mkdir(parents=True)
    for name, (data, _) in BAD_JSON.items():
        (root / "json" / f"{name}.json").write_bytes(data)
        (root / "model-json" / name).mkdir(parents=True)
        (root / "model-json" / name / "config.json").write_bytes(data)
        (root / "corpus-json" / name).mkdir(parents=True)
        (root / "corpus-json" / name / "_manifest.json").write_bytes(data)
    for name, (fields, _) in BAD_CONFIG.items():
        (root / "model-shape" / name).mkdir(parents=True)
        (root / "model-shape" / name / "config.json").write_text(json.dumps({**BERT, **fields}))


CASES = [
    # (argv, what stderr must name); --lang en is added where the command has --lang
    (["toy", "--fmt", "garbage"], "'garbage' is not a number format"),
    (["demo", "--no-model", "--fmt", "d"], "'d' is not a number format"),
    (["toy", "--seed", "18446744073709551616"], "--seed 18446744073709551616 is outside 0..4294967295"),
    (["toy", "--seeds", "0,18446744073709551616"], "--seeds 18446744073709551616 is outside 0..4294967295"),
    (["toy", "--seeds", "0,x"], "--seeds 'x' is not a whole number"),
    (["toy", "--seed=-1"], "--seed -1 is outside 0..4294967295"),
    (["toy", "--x", "nonutf8.csv"], "nonutf8.csv is not UTF-8 text (byte 0xff"),
    (["toy", "--x", "adir"], "adir is a folder"),
    (["toy", "--x", "huge.csv"], "huge.csv is 190.7 MiB, more than 8.0 MiB"),
    (["toy", "--x", "zero.csv"], "goes on beyond 8.0 MiB (it is not a regular file)"),
    (["toy", "--x", "missing.json"], "x file missing.json: no such file"),
    (["toy", "--tokens", "abc\udcff d e"], "holds a byte that is not UTF-8 (0xff, character 3)"),
    (["toy", "--tokens", "abc\udcff d e", "--format", "json"], "holds a byte that is not UTF-8"),
    (["toy", "--temperature", "1e-45", "--format", "json"], "temperature 1e-45"),
    (["toy", "--x", "[[1e20,1e20,1e20,1e20],[1,1,1,1],[1,1,1,1]]"], "scale x down"),
    (["toy", "--x", "[[1e308,1,1,1],[1,1,1,1],[1,1,1,1]]"], "does not fit in float32"),
    (["toy", "--html", "nope/x.html"], "cannot write the --html page to 'nope/x.html': folder 'nope' does not exist"),
    (["toy", "--out", "a-file"], "--out a-file exists and is not a folder"),
    (["toy", "--out", "a-file/sub"], "cannot create --out folder a-file/sub: Not a directory"),
    (["toy", "--heads", "two"], "--heads 'two' is not a whole number: give one from 1 to 2147483647"),
    (["toy", "--d-model", "1024"], "d_model 1024 is more than the toy lab's limit of 512"),
    (["toy", "--colour", "red"], "unrecognized arguments: --colour red"),
    (["text", "abc\udcff"], "the text holds a byte that is not UTF-8 (0xff, character 3)"),
    (["text", "hi", "--model", ""], "the model name is empty"),
    (["text", "hi", "--model", "bad owner/x y"], "is neither a model here nor a valid hub id"),
    (["text", "hi", "--model", "empty-config"], "config.json does not name a model type"),
    (["text", "hi", "--model", "no-weights"], "it has no weights"),
    (["text", "hi", "--model", "config-dir"], "config.json is a folder, not a file"),
    (["text", "hi", "--model", "./a-file/x"], "no folder at ./a-file/x"),
    (["heads", "--probe-length", "0"], "--probe-length 0 is outside 2.."),
    (["heads", "--seed", str(10**23)], "--seed 100000000000000000000000 is outside 0..4294967295"),
    (["serve", "--max-cache", "1" + "0" * 400 + "G"], "--max-cache 10000000000000000000...000G (402 characters)"),
    # paths whose ~user does not exist (Python raises RuntimeError)
    (["text", "hi", "--model", f"{NO_USER}/x"], f"there is no user {NO_USER}"),
    (["heads", "--model", f"{NO_USER}/x"], f"there is no user {NO_USER}"),
    (["serve", "--model", f"{NO_USER}/x"], f"there is no user {NO_USER}"),
    (["corpus", f"{NO_USER}/c.txt", "--out", "o"], f"there is no user {NO_USER}"),
    (["corpus", "c.txt", "--out", f"{NO_USER}/o"], f"there is no user {NO_USER}"),
    (["corpus", "summarize", f"{NO_USER}/o"], f"there is no user {NO_USER}"),
    # outputs that are one file, or write over an input: refused before any work
    (["toy", "--x", "x.json", "--html", "x.json"], "--html x.json would write over the input (--x x.json)"),
    (["toy", "--x", "x.json", "--html", "x-link.html"], "--html x-link.html would write over the input (--x"),
    (["toy", "--x", "x.json", "--html", "x-hard.json"], "--html x-hard.json would write over the input (--x"),
    (["toy", "--x", "x.json", "--html", "x.json", "--format", "json"], "would write over the input (--x x.json)"),
    (["toy", "--out", "F", "--html", "F"], "--out and --html name one file (F)"),
    (["toy", "--out", "figs", "--html", "figs/weights.png"], "--out and --html name one file (figs/weights.png)"),
    (["demo", "--no-model", "--out", "G", "--html", "G"], "--out and --html name one file (G)"),
    (["text", "hi", "--model", "no-weights", "--html", "no-weights/config.json"],
     "--html no-weights/config.json would write over the input (--model no-weights"),
    (["corpus", "c.txt", "--out", "c.txt"], "--out c.txt exists and is not a folder"),
]
NOT_OBJECTS = ("list", "string", "number", "null")  # an x file need not be an object: it is refused further on
CASES += [(["toy", "--x", f"json/{name}.json"], f"x file json/{name}.json {said}")
          for name, (_, said) in BAD_JSON.items() if name not in NOT_OBJECTS]
CASES += [(["toy", "--x", "json/list.json"], "json/list.json has no rows")]
CASES += [(["toy", "--x", f"json/{name}.json"], "must be a list of rows") for name in NOT_OBJECTS[1:]]
CASES += [(["text", "hi", "--model", f"model-json/{name}"], f"model-json/{name}/config.json {said}")
          for name, (_, said) in BAD_JSON.items()]
CASES += [(["text", "hi", "--model", f"model-shape/{name}"], said) for name, (_, said) in BAD_CONFIG.items()]
CASES += [(["heads", "--model", "model-shape/0 heads"], "num_attention_heads is 0"),
          (["serve", "--model", "model-json/list"], "config.json holds [], expected a JSON object")]
CASES += [(["corpus", "summarize", f"corpus-json/{name}"], f"corpus-json/{name}/_manifest.json {said}")
          for name, (_, said) in BAD_JSON.items()]


def whole_number_cases() -> list[tuple[list[str], str]]:
    """Every whole-number option of every command (read from the parsers, so a new one is covered),
    given values outside its range and values that are no whole numbers."""
    commands = {"toy": ["toy"], "text": ["text", "hi"], "heads": ["heads"], "serve": ["serve"]}
    found = [(argv, cli.build_parser().parse_args(argv)._ints) for argv in commands.values()]
    found.append((["corpus", "c.txt", "--out", "o"], run_parser().parse_args(["c.txt", "--out", "o"])._ints))
    cases = []
    for argv, options in found:
        for _, flag, lo, hi, size in options:
            bad = [hi + 1, lo - 1, "1.5", "1e3", "10**23", "", "nan", "1" * 5000, "\u0661\u0662", "0x10", "7 7"]
            for value in bad:
                if size and value in ("1e3",):
                    continue  # not a size either, but the size grammar's own case is tested in test_serve
                cases.append(([*argv, f"{flag}={value}"], f"{flag} "))
    return cases


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    make_inputs(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def check_refused(argv: list[str], needle: str, root: Path, capsys, lang: str = "en") -> str:
    before = tree(root)
    code = call(argv, lang)
    out, err = capsys.readouterr()
    assert code == 2, (code, err)
    assert err.startswith("attnlab: error: ") and err.count("\n") == 1, err
    assert needle in err, err
    assert "Traceback" not in err and out == ""
    assert tree(root) == before  # nothing new: no figures, no attnlab-out, no corpus folder
    return err


@pytest.mark.parametrize(("argv", "needle"), CASES, ids=[" ".join(a)[:60] for a, _ in CASES])
def test_bad_input_is_one_line_exit_2_and_no_new_file(argv, needle, workdir, capsys):
    check_refused(argv, needle, workdir, capsys)


WHOLE = whole_number_cases()


@pytest.mark.parametrize(("argv", "needle"), WHOLE, ids=[" ".join(a)[:70] for a, _ in WHOLE])
def test_every_whole_number_option_is_range_checked(argv, needle, workdir, capsys):
    check_refused(argv, needle, workdir, capsys)


def test_every_command_with_whole_numbers_is_covered():
    assert {a[0] if a[0] != "corpus" else "corpus" for a, _ in WHOLE} == {"toy", "text", "heads", "serve", "corpus"}
    assert len(WHOLE) > 150


NEW_ERRORS = [  # one member of each class of issue 16's errors, said in the user's language
    ["toy", "--seed", str(10**23)],
    ["toy", "--x", "json/1e400.json"],
    ["toy", "--x", "x.json", "--html", "x.json"],
    ["toy", "--out", "F", "--html", "F"],
    ["text", "hi", "--model", "model-json/list"],
    ["text", "hi", "--model", "model-shape/0 heads"],
    ["text", "hi", "--model", f"{NO_USER}/x"],
    ["serve", "--max-cache", "1" + "0" * 400 + "G"],
    ["corpus", "summarize", "corpus-json/list"],
    ["corpus", "c.txt", "--out", "o", "--part-docs", "0"],
]


@pytest.mark.parametrize("argv", NEW_ERRORS, ids=[" ".join(a)[:50] for a in NEW_ERRORS])
def test_errors_come_in_the_users_language(argv, workdir, capsys):
    ja = check_refused(argv, "", workdir, capsys, lang="ja")
    en = check_refused(argv, "", workdir, capsys, lang="en")
    assert JAPANESE.search(ja) and not JAPANESE.search(en), (ja, en)


def call(argv: list[str], lang: str = "en") -> int:
    """The exit code of `attnlab argv --lang lang`, in this process (argparse's own errors exit)."""
    if argv[0] != "models":
        argv = [*argv, "--lang", lang]
    try:
        return cli.main(argv)
    except SystemExit as e:
        return int(e.code)


def test_the_clis_copies_of_library_limits_agree():
    from attnlab.cli import options
    from attnlab.corpus.inputs import MAX_LINE_BYTES
    from attnlab.toy.checks import MAX_SEED

    assert options.MAX_SEED == MAX_SEED
    assert run_parser().get_default("max_line_bytes") == MAX_LINE_BYTES


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


@pytest.mark.parametrize("manifest", [  # each `attnlab models` reads the GGUF's header: a few seconds a member
    b"[]", b"", b'{"files": []}', b'{"files": {"model.safetensors": 5}}', b'{"format": NaN, "files": {}}',
    b'{"files": {"model.safetensors": {"size": -1, "mtime_ns": 0, "sha256": "a"}}}',
])
def test_a_damaged_cache_manifest_is_a_damaged_copy_not_a_crash(manifest, tmp_path, capsys, monkeypatch):
    """The reviewed case: a converted copy whose attnlab-manifest.json is `[]` crashed `attnlab models`."""
    from attnlab.models.cache import MANIFEST, gguf_cache_dir
    from attnlab.models.registry import BUNDLED, MissingModelPackageError, package_path

    monkeypatch.setenv("ATTNLAB_CACHE", str(tmp_path))
    try:
        copy = gguf_cache_dir(package_path(BUNDLED["smollm2"]))
    except MissingModelPackageError:
        pytest.skip("smollm2's package is not installed")
    copy.mkdir(parents=True)
    (copy / MANIFEST).write_bytes(manifest)
    assert cli.main(["models"]) == 0
    out, err = capsys.readouterr()
    line = out.split("smollm2", 1)[1].splitlines()[0]
    assert " no " in line and "the cached copy is damaged (" in out, out
    assert err == "" and "Traceback" not in out
