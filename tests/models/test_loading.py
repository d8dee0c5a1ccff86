"""Loading: a converted copy that is damaged is rebuilt; bad model folders and ids get one clear message."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from attnlab.errors import AttnlabError
from attnlab.models import loading
from attnlab.models.cache import check_cache, gguf_cache_dir
from attnlab.models.loading import ModelFolderError, load_model
from attnlab.models.registry import BUNDLED, UnknownModelError, package_path, resolve


def test_an_interrupted_conversion_leaves_no_cache(monkeypatch, tmp_path):
    def interrupted(gguf, tmp):
        (tmp / "model.safetensors").write_bytes(b"\0" * 10)  # half-way through
        raise KeyboardInterrupt

    monkeypatch.setattr(loading, "_dequantize", interrupted)
    gguf = tmp_path / "tiny.gguf"
    gguf.write_bytes(b"GGUF")
    dest = tmp_path / "models" / "copy"
    dest.parent.mkdir()
    with pytest.raises(KeyboardInterrupt):
        loading.convert_gguf(gguf, dest)
    assert list(dest.parent.iterdir()) == []  # neither the copy nor the temporary folder


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "the model name is empty: choose minilm, smollm2"),
        ("   ", "the model name is empty"),
        ("bad owner/x y", "'bad owner/x y' is neither a model here nor a valid hub id (owner/name: letters, digits"),
        ("owner/..", "is neither a model here nor a valid hub id"),
        ("nosuchmodel", "unknown model 'nosuchmodel': choose minilm, smollm2"),
        (b"abc\xff".decode("utf-8", "surrogateescape"), "the model name holds a byte that is not UTF-8 (0xff"),
        (5, "the model must be a name, folder or hub id (a string), got 5 (int)"),
    ],
)
def test_bad_model_names_are_refused_without_network(name, message, monkeypatch):
    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "snapshot_download", lambda *a, **k: pytest.fail("no network attempt"))
    with pytest.raises(UnknownModelError) as e:
        load_model(name)
    assert message in str(e.value)


def test_an_empty_model_name_is_not_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(UnknownModelError, match="the model name is empty"):
        resolve("")


@pytest.fixture(scope="module")
def minilm_folder():
    return package_path(BUNDLED["minilm"])


def broken_copy(src, dest, *, config=None, drop=(), truncate=None):
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns(*drop) if drop else None)
    if config is not None:
        (dest / "config.json").write_text(json.dumps(config))
    if truncate is not None:
        os.truncate(dest / "model.safetensors", truncate)
    return dest


@pytest.mark.model
@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("empty_config", "config.json does not name a model type transformers knows"),
        ("no_weights", "it has no weights (model.safetensors)"),
        ("truncated", "its weights file is damaged or truncated (Error while deserializing header"),
        ("no_tokenizer", "its tokenizer knows 5 tokens but the model 30522: the tokenizer files"),
        ("shapes", "the weights' shapes do not match config.json"),
        ("other_model", "weights do not fit config.json: 20 weights are missing (e.g. 'model.embed_tokens.weight')"),
    ],
)
def test_broken_model_folders_get_one_clear_message(kind, message, minilm_folder, tmp_path):
    config = json.loads((minilm_folder / "config.json").read_text())
    dest = tmp_path / kind
    if kind == "empty_config":
        broken_copy(minilm_folder, dest, config={})
    elif kind == "no_weights":
        broken_copy(minilm_folder, dest, drop=("*.safetensors",))
    elif kind == "truncated":
        broken_copy(minilm_folder, dest, truncate=1_000_000)
    elif kind == "no_tokenizer":
        broken_copy(minilm_folder, dest, drop=("tokenizer*", "vocab.txt", "special_tokens_map.json"))
    elif kind == "shapes":
        broken_copy(minilm_folder, dest, config={**config, "hidden_size": 64, "num_attention_heads": 4,
                                                 "intermediate_size": 128})
    else:  # a small Llama config next to BERT weights: transformers would initialise it at random
        broken_copy(minilm_folder, dest, config={
            "model_type": "llama", "architectures": ["LlamaForCausalLM"], "hidden_size": 64,
            "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
            "num_key_value_heads": 4, "vocab_size": 30522})
    with pytest.raises(ModelFolderError) as e:
        load_model(str(dest))
    assert str(e.value).startswith(f"model folder {str(dest)!r}: ") and message in str(e.value)
    assert isinstance(e.value, AttnlabError)


@pytest.mark.model
def test_a_corrupted_copy_is_detected_and_rebuilt_by_the_real_converter(monkeypatch, tmp_path, smollm2):
    """The issue's case: 4 MB of model.safetensors overwritten with 0xff in a converted copy."""
    monkeypatch.setenv("ATTNLAB_CACHE", str(tmp_path))
    gguf = package_path(BUNDLED["smollm2"])
    dest = gguf_cache_dir(gguf)
    shutil.copytree(smollm2.location, dest)  # copy2 keeps mtimes: the copy passes the cheap check
    assert check_cache(dest) is None
    with open(dest / "model.safetensors", "r+b") as f:
        f.seek(10_000_000)
        f.write(b"\xff" * 4_000_000)
    assert "model.safetensors does not match the sha256" in check_cache(dest)
    from attnlab.models.registry import model_info

    info = model_info("smollm2")
    assert not info.ready and "damaged" in info.note and "the next load rebuilds it" in info.note
    lm = load_model("smollm2")  # converts the GGUF again (~30 s)
    assert lm.location == str(dest) and check_cache(dest, full=True) is None
    assert model_info("smollm2").ready
