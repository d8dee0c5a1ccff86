"""The converted-GGUF cache: validated by a manifest, written atomically, rebuilt when broken."""

from __future__ import annotations

import json
import shutil

import pytest

from attnlab.models import loading
from attnlab.models.registry import BUNDLED, package_path


def fake_copy(folder):
    folder.mkdir(parents=True)
    (folder / "config.json").write_text('{"a": 1}')
    (folder / "model.safetensors").write_bytes(b"\0" * 100)
    loading._write_manifest(folder, folder / "source.gguf")
    return folder


def test_cache_root_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ATTNLAB_CACHE", str(tmp_path / "c"))
    assert loading.cache_root() == tmp_path / "c"
    monkeypatch.delenv("ATTNLAB_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert loading.cache_root() == tmp_path / "x" / "attnlab"


def test_manifest_detects_missing_truncated_and_altered_files(tmp_path):
    good = fake_copy(tmp_path / "good")
    assert loading.valid_cache(good)
    assert not loading.valid_cache(tmp_path / "absent")
    (good / "model.safetensors").write_bytes(b"\0" * 50)  # truncated
    assert not loading.valid_cache(good)
    other = fake_copy(tmp_path / "other")
    (other / "config.json").write_text('{"a": 2}')  # same size, different bytes
    assert not loading.valid_cache(other)
    third = fake_copy(tmp_path / "third")
    (third / loading.MANIFEST).unlink()  # an interrupted write never got its manifest
    assert not loading.valid_cache(third)
    fourth = fake_copy(tmp_path / "fourth")
    manifest = json.loads((fourth / loading.MANIFEST).read_text())
    manifest["format"] = -1
    (fourth / loading.MANIFEST).write_text(json.dumps(manifest))
    assert not loading.valid_cache(fourth)


def test_move_into_place_replaces_a_stale_copy(tmp_path):
    dest = fake_copy(tmp_path / "dest")
    (dest / "model.safetensors").write_bytes(b"broken")
    new = fake_copy(tmp_path / ".dest.tmp-1")
    loading._move_into_place(new, dest)
    assert loading.valid_cache(dest) and not new.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["dest"]


@pytest.mark.model
def test_interrupted_conversion_leaves_no_cache(monkeypatch, tmp_path):
    import transformers

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(transformers.AutoModelForCausalLM, "from_pretrained", interrupted)
    gguf = package_path(BUNDLED["smollm2"])
    dest = tmp_path / "models" / "copy"
    with pytest.raises(KeyboardInterrupt):
        loading.convert_gguf(gguf, dest)
    assert not dest.exists()
    assert list((tmp_path / "models").iterdir()) == []  # the temporary folder is gone too


@pytest.mark.model
def test_broken_cache_is_rebuilt(monkeypatch, tmp_path, smollm2):
    """Weights that are garbage (size intact, so the manifest passes) fail to load: the copy is rebuilt."""
    monkeypatch.setenv("ATTNLAB_CACHE", str(tmp_path))
    gguf = package_path(BUNDLED["smollm2"])
    dest = loading.gguf_cache_dir(gguf)
    shutil.copytree(smollm2.location, dest)
    weights = dest / "model.safetensors"
    size = weights.stat().st_size
    weights.write_bytes(b"\xff" * size)
    assert loading.valid_cache(dest)  # the size check alone cannot see this
    rebuilt = []

    def convert(source, target):  # stands in for the 20 s conversion: copies the good folder
        rebuilt.append(target)
        shutil.rmtree(target)
        shutil.copytree(smollm2.location, target)
        return target

    monkeypatch.setattr(loading, "convert_gguf", convert)
    lm = loading.load_model("smollm2")
    assert rebuilt == [dest]
    assert lm.model.config.num_hidden_layers == 30
