"""`attnlab text --html` at paragraph length: the page keeps the layers that fit and names the others;
`--layers` chooses them; a page that cannot hold what was asked is refused after a tokenizer pass,
before the model runs (it used to fail after the forward pass, ~25 s later)."""

from __future__ import annotations

import json
import re

import pytest

import attnlab.cli as cli
from attnlab.html.layers import most_layers
from attnlab.models import api

pytestmark = pytest.mark.model
PARAGRAPH = "東京は日本の首都であり、世界でも有数の大都市です。" * 14  # a Japanese paragraph


@pytest.fixture
def no_forward(monkeypatch):
    """The model may load (its tokenizer decides the length) but must not run."""
    def ran(*a, **kw):
        raise AssertionError("the model ran before the page was refused")

    monkeypatch.setattr(api, "trace_ids", ran)


@pytest.fixture
def run(capsys):
    """run(*argv) -> (exit code, stdout, stderr) of the CLI called in-process."""
    return lambda *argv: (cli.main(list(argv)), *capsys.readouterr())


def n_tokens(text: str) -> int:
    return len(api.encode(api.load("smollm2"), text).ids)


def test_too_many_layers_are_refused_before_the_model_runs(run, tmp_path, no_forward):
    n = n_tokens(PARAGRAPH)
    most = most_layers(n, 9)
    assert 1 <= most < 30, n  # the paragraph is past SmolLM2's whole page (334 tokens)
    page = tmp_path / "p.html"
    code, out, err = run("text", PARAGRAPH, "--model", "smollm2", "--html", str(page), "--layers", "0-29")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert f"at most {most} layers fit" in err and f"pass --layers 0-{most - 1}" in err and f"{n:,} tokens" in err
    assert not page.exists()


def test_not_even_one_layer_is_refused_before_the_model_runs(run, tmp_path, no_forward):
    text = "the cat sat on the mat and " * 300  # ~2,100 tokens: past a page file's 1,831
    code, _, err = run("text", text, "--model", "smollm2", "--html", str(tmp_path / "p.html"))
    assert code == 2 and "holds at most 1,831 tokens of this model" in err and "attnlab serve" in err


def test_layers_needs_html(run, capsys):
    code, _, err = run("text", "Tokyo is beautiful", "--layers", "0-3")
    assert code == 2 and "--layers chooses the layers of the --html page: add --html PATH" in err
    with pytest.raises(SystemExit) as e:  # argparse's own one-line error
        cli.main(["text", "Tokyo is beautiful", "--layers", "3-1", "--html", "x.html"])
    assert e.value.code == 2 and "the range 3-1 runs backwards: write 1-3" in capsys.readouterr().err


def test_by_default_the_page_keeps_the_layers_that_fit_and_names_the_rest(run, tmp_path):
    text = "東京は日本の首都です。" * 30  # past 334 tokens: some of the 30 layers are left out
    n = n_tokens(text)
    most = most_layers(n, 9)
    assert most < 30, n
    page = tmp_path / "p.html"
    code, _, _ = run("text", text, "--model", "smollm2", "--html", str(page), "--layer", "20", "--lang", "en",
                       "--out", str(tmp_path / "f"))
    assert code == 0
    meta = json.loads(re.search(r'id="attnlab-meta">(.*?)</script>', page.read_text(encoding="utf-8")).group(1))
    start = max(0, min(20 - most // 2, 30 - most))
    assert meta["layers"] == list(range(start, start + most)) and meta["n_layers"] == 30
    assert set(meta["views"]) >= {"pipeline", "heatmap", "headview", "modelview", "explain", "atlas", "rollout"}
