"""The CLI: exit codes and one-line messages for bad input, the JSON schema, the files written."""

import json
import subprocess
import sys

import pytest

from attnlab.cli import main

KEYS = ["tokens", "x", "W_Q", "W_K", "W_V", "Q", "K", "V", "scores", "weights", "output"]


def run(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_json_has_the_documented_keys_and_shapes(capsys):
    code, out, _ = run(["toy", "--format", "json"], capsys)
    assert code == 0
    d = json.loads(out)
    assert set(KEYS) <= set(d) and "weights_mean" not in d
    assert d["tokens"] == ["Tokyo", "is", "beautiful"]
    assert len(d["weights"]) == 3 and len(d["weights"][0]) == 3
    assert len(d["Q"]) == 3 and len(d["Q"][0]) == 4 and len(d["output"][0]) == 4


def test_json_with_heads_has_a_leading_head_axis(capsys):
    code, out, _ = run(["toy", "--format", "json", "--tokens", "I love transformers so much",
                        "--d-model", "8", "--heads", "2", "--causal"], capsys)
    assert code == 0
    d = json.loads(out)
    assert len(d["Q"]) == 2 and len(d["Q"][0]) == 5 and len(d["Q"][0][0]) == 4  # [head, q_pos, d_head]
    assert len(d["weights"]) == 2 and len(d["weights"][0]) == 5 and len(d["weights"][0][0]) == 5
    assert len(d["weights_mean"]) == 5 and len(d["output"][0]) == 8
    assert d["scores"][0][0][1] is None  # a masked score (-inf) is null in JSON
    assert d["weights"][0][0][1] == 0.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--d-model", "6", "--heads", "4"], "d_model 6 is not divisible by heads 4"),
        (["--tokens", "a b c", "--x", "1,2;3,4"], "x has 2 rows but there are 3 tokens"),
        (["--tokens", "a b", "--x", "1,2;3,4", "--d-model", "3"], "x row 0 has 2 columns but d_model is 3"),
        (["--x", "1,a,3,4;1,2,3,4;1,2,3,4"], "x[0][1] = 'a' is not a number"),
        (["--x", "1,nan,3,4;1,2,3,4;1,2,3,4"], "x[0][1] is nan"),
        (["--x", "[[1,2,3,Infinity],[1,2,3,4],[1,2,3,4]]"], "inline x holds Infinity, which JSON does not allow"),
        (["--temperature", "0"], "temperature must be a finite number > 0, got 0.0"),
        (["--temperature", "-2"], "temperature must be a finite number > 0, got -2.0"),
        (["--tokens", "   "], "no tokens"),
        (["--tokens", " ".join(f"t{i}" for i in range(300))], "300 tokens is more than the toy lab's limit of 256"),
        (["--d-model", "1024"], "d_model 1024 is more than the toy lab's limit of 512"),
        (["--d-model", "64", "--heads", "32"], "heads 32 is more than the toy lab's limit of 16"),
        (["--x", "missing.json"], "x file missing.json: no such file"),
        (["--seeds", "1,x"], "--seeds 'x' is not a whole number"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message, capsys, tmp_path):
    code, _, err = run(["toy", "--out", str(tmp_path / "o"), "--lang", "en", *args], capsys)
    assert code == 2
    assert err.startswith("attnlab: error: ") and message in err, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "o").exists()  # nothing written for bad input


def test_toy_writes_figures_and_says_where(capsys, tmp_path):
    out_dir = tmp_path / "figs"
    code, out, _ = run(["toy", "--tokens", "I love transformers so much", "--d-model", "8", "--heads", "2",
                        "--seeds", "0,1", "--lang", "en", "--out", str(out_dir)], capsys)
    assert code == 0
    names = sorted(p.name for p in out_dir.iterdir())
    stems = ["heads", "pipeline", "pipeline_qkv", "seeds", "weights"]
    assert names == sorted(f"{s}.{e}" for s in stems for e in ("png", "svg"))
    assert str(out_dir) in out and "figures written" in out
    assert all((out_dir / n).stat().st_size > 1000 for n in names)


def test_unwritable_out_is_a_clear_error(capsys, tmp_path):
    blocker = tmp_path / "blocker"  # a file where a parent folder should be: fails even for root
    blocker.write_text("x")
    code, _, err = run(["toy", "--out", str(blocker / "sub"), "--lang", "en"], capsys)
    assert code == 2 and f"cannot create --out folder {blocker / 'sub'}: Not a directory" in err


def test_out_that_is_a_file_is_a_clear_error(capsys, tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    code, _, err = run(["toy", "--out", str(f), "--lang", "en"], capsys)
    assert code == 2 and f"--out {f} exists and is not a folder" in err


def test_failed_writing_leaves_nothing_half_written(capsys, tmp_path, monkeypatch):
    from attnlab.views.pipeline import figures as plots

    def broken(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(plots, "plot_pipeline_qkv", broken)
    out_dir = tmp_path / "o"
    code, _, err = run(["toy", "--out", str(out_dir)], capsys)
    assert code == 2 and "No space left on device" in err
    assert list(out_dir.iterdir()) == []  # neither the finished figures nor the staging folder remain


def test_console_script_exit_codes():
    """The installed entry point, in a real process: exit code 2 and no traceback."""
    p = subprocess.run([sys.executable, "-m", "attnlab", "toy", "--heads", "3", "--lang", "en"], capture_output=True,
                       text=True)
    assert p.returncode == 2
    assert p.stderr.strip() == ("attnlab: error: d_model 4 is not divisible by heads 3: "
                                "each head takes d_model / heads columns")
    p = subprocess.run([sys.executable, "-m", "attnlab", "toy", "--heads", "3"], capture_output=True, text=True)
    assert p.returncode == 2  # --lang's default, ja: the error in Japanese too
    assert p.stderr.strip() == ("attnlab: error: d_model 4 は heads 3 で割り切れません: "
                                "各ヘッドが d_model / heads 列を受け持ちます")
    p = subprocess.run([sys.executable, "-m", "attnlab", "toy", "--heads", "two"], capture_output=True, text=True)
    assert p.returncode == 2 and "--heads 'two'" in p.stderr and p.stderr.count("\n") == 1


def test_toy_html_writes_one_self_contained_page(capsys, tmp_path):
    page = tmp_path / "toy.html"
    code, out, _ = run(["toy", "--tokens", "東京 は 美しい", "--out", str(tmp_path / "o"), "--html", str(page)],
                       capsys)
    assert code == 0 and str(page) in out
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "東京" in text
    assert "<script src=" not in text and "<link " not in text  # assets are inlined


def test_html_into_a_missing_folder_is_a_clear_error(capsys, tmp_path):
    code, _, err = run(["toy", "--format", "json", "--html", str(tmp_path / "nope" / "p.html")], capsys)
    assert code == 2 and "does not exist" in err


def test_demo_without_the_model_step(capsys, tmp_path):
    code, out, _ = run(["demo", "--no-model", "--lang", "en", "--out", str(tmp_path), "--html",
                        str(tmp_path / "demo.html")], capsys)
    assert code == 0
    assert "Attention weights:" in out and "illustrative" in out and "Step 4" not in out
    assert (tmp_path / "pipeline.png").exists() and (tmp_path / "demo.html").exists()


@pytest.mark.model
def test_demo_runs_the_tutorial_then_step_4_through_minilm(capsys, tmp_path):
    code, out, _ = run(["demo", "--out", str(tmp_path)], capsys)
    assert code == 0
    assert "ステップ 4" in out and "[CLS]" in out
    assert any(p.name.startswith("minilm") for p in tmp_path.iterdir())
