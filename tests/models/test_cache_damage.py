"""A damaged SmolLM2 copy is never used: each kind of damage, done to a COPY in a private cache.

The copy is made by a stand-in converter that copies the session's good copy (the real conversion
takes ~30 s; the damage and every check and load are real). The user's cache is only read. Each
case: the damage, with size and mtime kept where the kind allows, then a load: rebuilt, or refused
with a message where the cache cannot be written. Damage the cheap check cannot see (other finite
values, mtime kept) is caught by `--verify`, which marks the copy, and the next load rebuilds it.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import struct
from pathlib import Path

import pytest
import torch

from attnlab import cli
from attnlab.models import api, cache, loading
from attnlab.models.cache import CacheError, check_cache, gguf_cache_dir, verify_cache
from attnlab.models.loading import load_model
from attnlab.models.registry import BUNDLED, converted_copies, model_info, package_path

pytestmark = pytest.mark.model

WEIGHT = "model.layers.3.self_attn.q_proj.weight"  # the tensor the damage is written into


@pytest.fixture
def copies(monkeypatch, tmp_path, smollm2):
    """A private cache whose converter copies the good copy; returns (the copy's folder, calls)."""
    good = Path(smollm2.location)
    monkeypatch.setenv("ATTNLAB_CACHE", str(tmp_path / "cache"))
    calls = []

    def dequantize(source, tmp):
        calls.append(tmp)
        for f in good.iterdir():
            if f.name not in (cache.MANIFEST, cache.DAMAGED):
                shutil.copyfile(f, tmp / f.name)

    monkeypatch.setattr(loading, "_dequantize", dequantize)
    gguf = package_path(BUNDLED["smollm2"])
    dest = loading.cached_gguf_folder(gguf)
    assert dest == gguf_cache_dir(gguf) and dest.parent.parent == tmp_path / "cache" and len(calls) == 1
    return dest, calls


def tensor_offset(path: Path, name: str) -> int:
    """Where `name`'s bytes begin in a safetensors file (8-byte header length, header, data)."""
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
    return 8 + n + header[name]["data_offsets"][0]


def overwrite(path: Path, offset: int, data: bytes) -> None:
    """Bytes changed in place, size and mtime kept (as bit rot or a careful edit leaves them)."""
    st = path.stat()
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(data)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def write_floats(dest: Path, *values: float) -> None:
    weights = dest / "model.safetensors"
    overwrite(weights, tensor_offset(weights, WEIGHT), struct.pack(f"<{len(values)}f", *values))


def weight(lm) -> torch.Tensor:
    return dict(lm.model.named_parameters())[WEIGHT]


def read_only(monkeypatch, dest: Path) -> None:
    """The private cache made read-only for attnlab's checks (chmod does not stop root)."""
    access, root = os.access, str(dest.parent.parent)
    monkeypatch.setattr(cache.os, "access", lambda path, mode: not str(path).startswith(root) and access(path, mode))


@pytest.mark.parametrize("values", [(math.nan,) * 4, (math.inf, -math.inf)], ids=["nan", "inf"])
def test_non_finite_weights_are_caught_on_load_and_rebuilt(copies, smollm2, values):
    dest, calls = copies
    write_floats(dest, *values)
    assert check_cache(dest) is None  # the file checks cannot see it: the weights check on load does
    lm = load_model("smollm2")
    assert len(calls) == 2 and lm.location == str(dest)
    assert torch.equal(weight(lm), weight(smollm2)) and check_cache(dest, full=True) is None


def test_non_finite_weights_are_refused_where_the_copy_cannot_be_rebuilt(copies, monkeypatch):
    dest, calls = copies
    write_floats(dest, math.nan, math.nan, math.inf)
    read_only(monkeypatch, dest)
    with pytest.raises(CacheError) as e:
        load_model("smollm2")
    assert str(e.value).startswith(
        f"the cached copy {str(dest)!r} must be rebuilt: a weight is not finite ({WEIGHT} holds 2 NaN and 1 "
        "infinite values of 331776)")
    assert "is not writable" in str(e.value) and len(calls) == 1


def test_other_finite_values_pass_the_cheap_check_and_verify_marks_them(copies, smollm2, capsys, monkeypatch):
    """The documented limit of the cheap check, then what makes it harmless: --verify marks the copy,
    `models` says it is not ready, and the next load rebuilds it."""
    dest, calls = copies
    write_floats(dest, 1.0, 2.0, 3.0)
    used = load_model("smollm2")  # the cheap check and the weights check both pass it
    assert not torch.equal(weight(used), weight(smollm2)) and len(calls) == 1
    del used

    monkeypatch.setattr(api, "_loaded", {})
    assert cli.main(["models", "--verify"]) == 1
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("smollm2 "))
    assert row.split()[6] == "no"  # the table agrees with the check below it
    assert f"BAD  smollm2 ({dest.name}): model.safetensors does not match the sha256" in out
    assert "marked damaged: no load uses it again" in out
    info = model_info("smollm2")
    assert not info.ready and "found damaged earlier: model.safetensors does not match" in info.note
    assert cli.main(["models"]) == 0 and "smollm2: the cached copy is damaged" in capsys.readouterr().out

    lm = load_model("smollm2")
    assert len(calls) == 2 and torch.equal(weight(lm), weight(smollm2))
    assert model_info("smollm2").ready and check_cache(dest, full=True) is None
    assert all(c.ok for c in verify_cache(full=True, current=converted_copies()))


def test_a_marked_copy_is_refused_by_the_cli_where_it_cannot_be_rebuilt(copies, capsys, monkeypatch):
    dest, calls = copies
    write_floats(dest, 0.5)
    assert not verify_cache(full=True, current=converted_copies())[0].ok
    read_only(monkeypatch, dest)
    monkeypatch.setattr(api, "_loaded", {})
    assert cli.main(["text", "hi", "--model", "smollm2"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert f"the cached copy {str(dest)!r} must be rebuilt: found damaged earlier: model.safetensors" in err
    assert len(calls) == 1


@pytest.mark.parametrize("how", ["header", "truncated", "manifest []"])
def test_damage_the_cheap_check_sees_is_rebuilt_before_loading(copies, smollm2, how):
    dest, calls = copies
    weights = dest / "model.safetensors"
    if how == "header":  # the first tensor's name in the header, one letter changed
        overwrite(weights, 8 + 3, b"X")
    elif how == "truncated":
        st = weights.stat()
        os.truncate(weights, st.st_size // 2)
        os.utime(weights, ns=(st.st_atime_ns, st.st_mtime_ns))
    else:
        (dest / cache.MANIFEST).write_text("[]")
    assert check_cache(dest) is not None
    lm = load_model("smollm2")
    assert len(calls) == 2 and torch.equal(weight(lm), weight(smollm2)) and check_cache(dest, full=True) is None
