"""A model whose attention holds NaN or inf is refused with where and why, on every path.

The class: whatever makes a layer's q, k or v (or the kernel's row log-sum-exp) non-finite — a NaN
weight in a projection, an inf in the embeddings, weights that overflow float32 on the way — gives
NonFiniteError naming the layer and head, from `run_text` and so from every surface (`text`,
`heads`, JSON output, the corpus), never a printout with "nan" or null weights.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
import torch

from attnlab.errors import AttnlabError, NonFiniteError

from ..html.fakes import FakeTrace, words

pytestmark = pytest.mark.model

TEXT = "Tokyo is a beautiful city"


def poisoned_minilm(dest, edit):
    """A copy of the bundled MiniLM folder with `edit(state_dict)` applied to its weights."""
    from safetensors.torch import load_file, save_file

    from attnlab.models.registry import BUNDLED, package_path

    src = package_path(BUNDLED["minilm"])
    shutil.copytree(src, dest)
    weights = load_file(dest / "model.safetensors")
    edit(weights)
    save_file(weights, dest / "model.safetensors", metadata={"format": "pt"})
    return dest


def _set(name, index, value):
    def edit(weights):
        key = next(k for k in weights if k.endswith(name))
        weights[key][index] = value
    return edit


def _scale(names, factor):
    def edit(weights):
        for name in names:
            key = next(k for k in weights if k.endswith(name))
            weights[key] *= factor
    return edit


CASES = {  # how the model is broken -> the layer whose attention first shows it
    "nan-query-weight": (_set("layer.2.attention.self.query.weight", (5, 7), float("nan")), 2),
    "nan-value-weight": (_set("layer.4.attention.self.value.weight", (0, 0), float("nan")), 4),
    "inf-embedding": (_set("embeddings.word_embeddings.weight", slice(None), float("inf")), 0),
    # finite q and k (about 1e20 each) whose dot products pass float32's 3.4e38: the scores overflow
    "overflow": (_scale(["layer.1.attention.self.query.weight", "layer.1.attention.self.key.weight"], 1e20), 1),
}


@pytest.mark.parametrize("case", list(CASES))
def test_run_text_refuses_a_non_finite_attention_naming_the_layer(case, tmp_path):
    from attnlab.models.api import run_text

    edit, layer = CASES[case]
    folder = poisoned_minilm(tmp_path / case, edit)
    with pytest.raises(NonFiniteError) as e:
        run_text(TEXT, str(folder))
    message = str(e.value)
    assert f"layer {layer} head " in message and "NaN or inf" in message and "model's weights" in message
    assert isinstance(e.value, AttnlabError)


@pytest.mark.parametrize("command", [["text", TEXT], ["text", TEXT, "--format", "json"], ["heads", TEXT]])
def test_every_command_exits_2_with_one_line_and_prints_no_numbers(command, tmp_path):
    folder = poisoned_minilm(tmp_path / "m", CASES["nan-query-weight"][0])
    p = subprocess.run([sys.executable, "-m", "attnlab", *command, "--model", str(folder), "--out",
                        str(tmp_path / "out")], capture_output=True, text=True, timeout=300)
    assert p.returncode == 2, p.stderr
    assert p.stdout == "" and "Traceback" not in p.stderr and "nan" not in p.stderr.lower().replace("nan or inf", "")
    assert p.stderr.strip().count("\n") == 0 and "layer 2 head " in p.stderr
    assert not (tmp_path / "out").exists()


def test_the_corpus_refuses_before_writing_a_part(tmp_path):
    folder = poisoned_minilm(tmp_path / "m", CASES["nan-value-weight"][0])
    docs = tmp_path / "docs.jsonl"
    docs.write_text("\n".join(json.dumps({"text": f"{TEXT} {i}"}) for i in range(3)) + "\n")
    out = tmp_path / "out"
    p = subprocess.run([sys.executable, "-m", "attnlab", "corpus", str(docs), "--model", str(folder), "--out",
                        str(out)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 2 and "Traceback" not in p.stderr and "layer 4 head " in p.stderr
    assert not list(out.glob("*.parquet")) if out.exists() else True


def test_a_trace_of_weights_only_is_checked_from_its_weights():
    fake = FakeTrace(words(6), n_layers=3, n_heads=2)
    fake.check_finite()
    fake._maps[1, 1, 2, 3] = float("nan")
    with pytest.raises(NonFiniteError, match="fake: layer 1 head 1: the attention weights hold NaN or inf"):
        fake.check_finite()


def test_a_finite_model_passes_unchanged():
    from attnlab.models.api import run_text

    trace = run_text(TEXT, "minilm")
    trace.check_finite()
    assert torch.isfinite(trace.pattern(5, 11)).all()
