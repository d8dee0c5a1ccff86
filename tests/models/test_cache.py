"""The converted-GGUF cache: hashes, cheap and full checks, one converter at a time, stale temporaries,
bad cache locations. A fake de-quantizer stands in for the 30 s conversion (no model is loaded here)."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time

import pytest
import torch
from safetensors.torch import save_file

from attnlab.models import cache, cache_checks, loading
from attnlab.models.cache import CacheError, check_cache, converted_copy, verify_cache


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A private cache, a fake GGUF, and a fake de-quantizer that counts its calls."""
    monkeypatch.setenv("ATTNLAB_CACHE", str(tmp_path / "cache"))
    gguf = tmp_path / "tiny.gguf"
    gguf.write_bytes(b"GGUF" + b"\0" * 100)
    calls = []

    def dequantize(source, tmp):
        calls.append(tmp)
        (tmp / "config.json").write_text('{"model_type": "llama"}')
        save_file({"w": torch.randn(1024)}, tmp / "model.safetensors")  # 4096 bytes of weights after the header

    monkeypatch.setattr(loading, "_dequantize", dequantize)
    return gguf, calls


def convert(gguf, **kw):
    return converted_copy(gguf, loading.convert_gguf, **kw)


def test_cache_root_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ATTNLAB_CACHE", str(tmp_path / "c"))
    assert cache.cache_root() == tmp_path / "c"
    monkeypatch.delenv("ATTNLAB_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert cache.cache_root() == tmp_path / "x" / "attnlab"


def test_converting_records_a_hash_of_every_file(env):
    gguf, calls = env
    dest = convert(gguf)
    manifest = json.loads((dest / cache.MANIFEST).read_text())
    assert set(manifest["files"]) == {"config.json", "model.safetensors"}
    for name, meta in manifest["files"].items():
        assert meta["sha256"] == cache.sha256_file(dest / name) and meta["size"] == (dest / name).stat().st_size
    assert convert(gguf) == dest and len(calls) == 1  # the second call uses the copy
    assert {p.name for p in dest.parent.iterdir()} == {dest.name, f".{dest.name}.lock"}  # no temporaries


def test_damage_is_found_by_size_by_mtime_and_hash_and_by_the_full_check(env):
    gguf, _ = env
    dest = convert(gguf)
    weights = dest / "model.safetensors"
    st = weights.stat()
    with open(weights, "r+b") as f:  # same size, other tensor bytes, as in the issue (4 MB of 0xff there)
        f.seek(st.st_size - 1024)
        f.write(b"\xff" * 1024)
    assert "model.safetensors does not match the sha256 recorded" in check_cache(dest)
    os.utime(weights, ns=(st.st_atime_ns, st.st_mtime_ns))  # bit rot keeps the mtime: only a full check sees it
    assert check_cache(dest) is None
    assert "does not match the sha256" in check_cache(dest, full=True)
    with open(weights, "ab") as f:
        f.write(b"x")
    assert check_cache(dest) == f"model.safetensors has {st.st_size + 1} bytes, {st.st_size} were written"
    weights.unlink()
    assert "model.safetensors is missing" in check_cache(dest)
    (dest / cache.MANIFEST).unlink()
    assert "is missing (an interrupted conversion?)" in check_cache(dest)


def test_a_touched_file_is_hashed_once_and_its_new_mtime_recorded(env, monkeypatch):
    gguf, _ = env
    dest = convert(gguf)
    os.utime(dest / "model.safetensors", ns=(1, 1_000_000_000))
    hashed = []
    real = cache_checks.sha256_file
    monkeypatch.setattr(cache_checks, "sha256_file", lambda p: hashed.append(p.name) or real(p))
    assert check_cache(dest) is None and hashed == ["model.safetensors"]
    assert check_cache(dest) is None and hashed == ["model.safetensors"]  # the stamp was updated: no new hash


def test_a_damaged_copy_is_rebuilt(env):
    gguf, calls = env
    dest = convert(gguf)
    (dest / "config.json").write_text('{"model_type": "llamb"}')  # same size, other content
    assert convert(gguf) == dest and len(calls) == 2 and check_cache(dest, full=True) is None


def test_concurrent_first_conversions_convert_once(env, monkeypatch):
    """One thread converts, the other waits on the lock, then uses its copy (flock works per open file)."""
    gguf, calls = env
    b_waits = threading.Event()
    real_notice = cache.notice

    def notice(message, **kw):  # the second thread found the lock held: the wait is announced
        b_waits.set()
        return real_notice(message, **kw)

    monkeypatch.setattr(cache, "notice", notice)
    real = loading._dequantize

    def slow(source, tmp):  # the converting thread goes on only once the other waits for it
        assert b_waits.wait(timeout=30)
        real(source, tmp)

    monkeypatch.setattr(loading, "_dequantize", slow)
    results, errors = {}, []

    def run(name):
        try:
            results[name] = convert(gguf)
        except Exception as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(name,)) for name in ("a", "b")]
    for t in threads:  # whichever converts first holds its conversion until the other waits for it
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors and results["a"] == results["b"] and len(calls) == 1
    assert check_cache(results["a"], full=True) is None


def test_stale_temporaries_are_removed_unless_recent_or_locked(env):
    gguf, _ = env
    dest = convert(gguf)
    models = dest.parent
    old = time.time() - 3600
    killed = models / f".{dest.name}.tmp-abc"
    killed.mkdir()
    (killed / "model.safetensors").write_bytes(b"\0" * 100)
    stale = models / ".other-copy.stale-123"
    stale.mkdir()
    fresh = models / ".third.tmp-xyz"
    fresh.mkdir()
    busy = models / ".busy.tmp-1"
    busy.mkdir()
    for p in (killed, stale, busy):
        os.utime(p, (old, old))
    with cache.cache_lock(models / "busy"):  # a conversion of "busy" is running
        removed = cache.clean_stale(models)
    assert sorted(p.name for p in removed) == sorted([killed.name, stale.name])
    assert not killed.exists() and not stale.exists() and fresh.exists() and busy.exists()


def test_bad_cache_locations_are_clear_errors(env, monkeypatch, tmp_path):
    gguf, _ = env
    afile = tmp_path / "afile"
    afile.write_text("x")
    monkeypatch.setenv("ATTNLAB_CACHE", str(afile))
    with pytest.raises(CacheError, match=r"the model cache '.*afile' is a file, not a folder: set ATTNLAB_CACHE"):
        convert(gguf)
    monkeypatch.setenv("ATTNLAB_CACHE", "~nosuchuser-attnlab/x")
    with pytest.raises(CacheError, match=r"ATTNLAB_CACHE='~nosuchuser-attnlab/x': cannot find the home folder of "
                                         r"'~nosuchuser-attnlab'"):
        convert(gguf)
    monkeypatch.setenv("ATTNLAB_CACHE", "/proc/attnlab-cache")  # cannot be created, even by root
    with pytest.raises(CacheError, match=r"tiny.gguf must be converted once, but the cache folder "
                                         r"'/proc/attnlab-cache/models' cannot be created"):
        convert(gguf)


def test_a_read_only_cache_refuses_to_rebuild_with_a_message(env, monkeypatch):
    gguf, calls = env
    dest = convert(gguf)
    (dest / "config.json").write_text('{"model_type": "llamb"}')
    monkeypatch.setattr(cache.os, "access", lambda path, mode: False)  # read-only (chmod does not stop root)
    with pytest.raises(CacheError) as e:
        convert(gguf)
    assert str(e.value).startswith(f"the cached copy {str(dest)!r} must be rebuilt: config.json does not match")
    assert str(e.value).endswith("is not writable: set ATTNLAB_CACHE to a writable folder")
    assert len(calls) == 1


def overwrite(path, offset, data, *, keep_mtime=True):
    """Write `data` into `path` at `offset` (negative: from the end), the size kept, the mtime too
    unless told (bit rot, or an edit that puts the mtime back)."""
    st = path.stat()
    with open(path, "r+b") as f:
        f.seek(offset if offset >= 0 else st.st_size + offset)
        f.write(data)
    if keep_mtime:
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def test_verify_cache_reports_every_copy_and_marks_the_damaged_ones(env):
    gguf, _ = env
    dest = convert(gguf)
    other = dest.with_name("other-copy")
    shutil.copytree(dest, other)
    overwrite(other / "model.safetensors", -4096, b"\0" * 4096)  # the tensor bytes, mtime kept
    assert check_cache(other) is None  # the cheap check cannot see it
    results = {r.name: r for r in verify_cache(full=True, current={"tiny": dest})}
    assert results[f"tiny ({dest.name})"].ok and results[f"tiny ({dest.name})"].message == "ok"
    assert results[f"tiny ({dest.name})"].model == "tiny" and results["other-copy"].model is None
    bad = results["other-copy"]
    assert not bad.ok and bad.message.startswith("model.safetensors does not match the sha256")
    assert bad.message.endswith("; marked damaged: no load uses it again (its model's next load rebuilds it)")
    assert check_cache(other).startswith("found damaged earlier: model.safetensors does not match the sha256")
    cheap = {r.name: r for r in verify_cache(full=False, current={})}
    assert not cheap["other-copy"].ok and cheap[dest.name].ok  # the mark: the cheap check refuses it now
    manifest = json.loads((dest / cache.MANIFEST).read_text())
    (dest / cache.MANIFEST).write_text(json.dumps({**manifest, "format": 1}))
    older = {r.name: r for r in verify_cache(current={})}[dest.name]
    assert older.ok and older.message == "made by another attnlab version (cache format 1)"
    assert not (dest / cache.DAMAGED).exists()  # another version's copy is not judged, nor marked


def test_a_copy_the_full_check_found_bad_is_rebuilt_by_the_next_load(env):
    """The issue's case: same size, mtime kept; --verify says BAD, and the next load must not use it."""
    gguf, calls = env
    dest = convert(gguf)
    overwrite(dest / "model.safetensors", -100, b"\xff" * 100)
    assert convert(gguf) == dest and len(calls) == 1  # the cheap check passes it (the documented limit)
    assert not verify_cache(full=True, current={"tiny": dest})[0].ok
    assert convert(gguf) == dest and len(calls) == 2  # marked: rebuilt
    assert check_cache(dest, full=True) is None and not (dest / cache.DAMAGED).exists()


def edited_manifest(change):
    """A damage: the manifest rewritten as `change(manifest)` (bytes, or JSON of a dict), mtime put back."""
    def damage(dest):
        path = dest / cache.MANIFEST
        st = path.stat()
        new = change(json.loads(path.read_text()))
        path.write_bytes(new if isinstance(new, bytes) else json.dumps(new).encode())
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    return damage


def entry(name, **fields):
    """A manifest change: `fields` of the entry `name` replaced (or the entry itself, given as `value`)."""
    def change(m):
        old = m["files"].get(name, m["files"]["config.json"])
        return {**m, "files": {**m["files"], name: fields["value"] if "value" in fields else {**old, **fields}}}
    return change


SEAL = "the manifest was changed after it was written (its seal does not match)"
HEADER = "model.safetensors's header (tensor names, shapes, offsets) is not the one written"
DAMAGE = {  # what is done to a fresh copy -> what the cheap check says (each with the mtime put back)
    "header bytes": (lambda d: overwrite(d / "model.safetensors", 20, b"9"), HEADER),
    "header length": (lambda d: overwrite(d / "model.safetensors", 0, b"\x07"), HEADER),
    "truncated": (lambda d: os.truncate(d / "model.safetensors", 1000), "model.safetensors has 1000 bytes, "),
    "tensor bytes, mtime moved": (lambda d: overwrite(d / "model.safetensors", -8, b"\0" * 8, keep_mtime=False),
                                  "model.safetensors does not match the sha256 recorded"),
    "config edited": (lambda d: overwrite(d / "config.json", 2, b"M", keep_mtime=False),
                      "config.json does not match the sha256 recorded"),
    "weights missing": (lambda d: (d / "model.safetensors").unlink(), "model.safetensors is missing"),
    "weights a folder": (lambda d: ((d / "model.safetensors").unlink(), (d / "model.safetensors").mkdir()),
                         "model.safetensors is not a regular file"),
    "manifest []": (edited_manifest(lambda m: b"[]"), "the manifest is not a JSON object (it is a list)"),
    "manifest not JSON": (edited_manifest(lambda m: b"\xff{"), "the manifest is not valid JSON"),
    "manifest missing": (lambda d: (d / cache.MANIFEST).unlink(), "attnlab-manifest.json is missing"),
    "manifest size edited": (edited_manifest(entry("model.safetensors", size=1000)), SEAL),
    "manifest hash edited": (edited_manifest(entry("config.json", sha256="0" * 64)), SEAL),
    "manifest seal removed": (edited_manifest(lambda m: {k: v for k, v in m.items() if k != "seal"}), SEAL),
    "manifest entry not an object": (edited_manifest(entry("config.json", value=5)),
                                     "the manifest's entry 'config.json' is malformed"),
    "manifest names a path": (edited_manifest(entry("../x")), "the manifest's entry '../x' is malformed"),
    "manifest size a string": (edited_manifest(entry("config.json", size="12")),
                               "the manifest's entry 'config.json' is malformed"),
    "manifest without weights": (edited_manifest(lambda m: {**m, "files": {}}),
                                 "the manifest lists no model.safetensors"),
    "mark unreadable": (lambda d: (d / cache.DAMAGED).write_bytes(b"\xff"), "found damaged earlier"),
}


@pytest.mark.parametrize("how", list(DAMAGE))
def test_each_kind_of_damage_is_found_by_the_cheap_check_and_rebuilt(env, how):
    gguf, calls = env
    dest = convert(gguf)
    damage, message = DAMAGE[how]
    damage(dest)
    assert check_cache(dest).startswith(message)
    assert convert(gguf) == dest and len(calls) == 2 and check_cache(dest, full=True) is None


@pytest.mark.parametrize("how", ["header bytes", "truncated", "manifest []", "manifest size edited"])
def test_each_kind_of_damage_is_refused_where_it_cannot_be_rebuilt(env, monkeypatch, how):
    gguf, calls = env
    dest = convert(gguf)
    damage, message = DAMAGE[how]
    damage(dest)
    monkeypatch.setattr(cache.os, "access", lambda path, mode: False)  # read-only (chmod does not stop root)
    with pytest.raises(CacheError) as e:
        convert(gguf)
    assert str(e.value).startswith(f"the cached copy {str(dest)!r} must be rebuilt: {message}")
    assert str(e.value).endswith("is not writable: set ATTNLAB_CACHE to a writable folder") and len(calls) == 1


def test_a_copy_that_cannot_be_marked_is_reported_so_and_its_model_shown_not_ready(env, monkeypatch, capsys):
    from attnlab.cli import models as cli_models
    from attnlab.models.registry import ModelInfo

    gguf, _ = env
    dest = convert(gguf)
    overwrite(dest / "model.safetensors", -8, b"\0" * 8)
    monkeypatch.setattr(cache.os, "access", lambda path, mode: False)
    (check,) = verify_cache(full=True, current={"tiny": dest})
    assert not check.ok and check.message.endswith(
        f"; it could not be marked damaged (the folder {str(dest)!r} is not writable), so a load may use it again: "
        "remove it")
    ready = ModelInfo("tiny", "decoder", 2, 4, 4, 64, str(dest), True, "converted from tiny.gguf")
    (row,) = cli_models.agreeing([ready], [check])
    assert not row.ready and row.note == f"the cached copy is damaged ({check.message})"


def test_a_load_that_finds_damage_marks_the_copy_before_rebuilding(env, monkeypatch):
    """converted_copy(damaged=...): what a load found (a weight not finite) is written into the copy
    first, so an interrupted rebuild, or another process, does not use it meanwhile."""
    gguf, _ = env
    dest = convert(gguf)

    def interrupted(source, tmp):
        assert check_cache(dest) == "found damaged earlier: a weight is not finite (w holds 1 NaN)"
        raise KeyboardInterrupt

    monkeypatch.setattr(loading, "_dequantize", interrupted)
    with pytest.raises(KeyboardInterrupt):
        convert(gguf, damaged="a weight is not finite (w holds 1 NaN)")
    assert check_cache(dest).startswith("found damaged earlier")  # still refused after the interruption


def test_list_models_shows_the_reason_instead_of_crashing(monkeypatch, tmp_path):
    from attnlab.models import registry
    from attnlab.models.registry import ModelInfo, list_models

    def gguf_info(name, path, *, note, ready=True):  # the real one parses the GGUF's header (seconds)
        return ModelInfo(name, "decoder", None, None, None, None, str(path), ready, note)

    monkeypatch.setattr(registry, "gguf_info", gguf_info)

    afile = tmp_path / "afile"
    afile.write_text("x")
    for value, reason in [(str(afile), "is a file, not a folder"), ("~nosuchuser-attnlab", "cannot find the home")]:
        monkeypatch.setenv("ATTNLAB_CACHE", value)
        info = {m.name: m for m in list_models()}["smollm2"]
        assert not info.ready and reason in info.note


def test_prune_removes_only_copies_attnlab_made_and_nobody_here_uses(env, tmp_path):
    gguf, calls = env
    used = convert(gguf)
    old = used.with_name("tiny-0123456789ab")  # a copy of a GGUF version no longer installed
    shutil.copytree(used, old)
    foreign = used.with_name("not-ours")  # a folder without attnlab's manifest
    foreign.mkdir()
    (foreign / "keep.txt").write_text("x")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    link = used.with_name("a-link")  # a symlink is never followed into
    link.symlink_to(outside, target_is_directory=True)
    (outside / cache.MANIFEST).write_text("{}")
    stale = used.with_name(f".{used.name}.tmp-abc")
    stale.mkdir()
    os.utime(stale, (time.time() - 2 * cache.STALE_AFTER_S,) * 2)

    removed = dict(cache.prune_cache([used]))
    assert removed == {stale: 0, old: sum(f.stat().st_size for f in used.iterdir())}
    assert used.is_dir() and check_cache(used) is None and foreign.is_dir() and link.is_symlink()
    assert (outside / cache.MANIFEST).exists()
    assert cache.prune_cache([used]) == []
    assert convert(gguf) == used and len(calls) == 1  # the kept copy still serves


def test_prune_leaves_a_copy_being_converted(env):
    gguf, _ = env
    used = convert(gguf)
    other = used.with_name("tiny-busy")
    shutil.copytree(used, other)
    with cache.cache_lock(other):  # as a converting process holds it
        done = []
        t = threading.Thread(target=lambda: done.append(cache.prune_cache([used])))
        t.start()
        t.join(10)
    assert done == [[]] and other.is_dir()


def test_models_prune_in_the_cli(env, capsys):
    from attnlab.cli import main

    gguf, _ = env
    used = convert(gguf)
    old = used.with_name("tiny-0123456789ab")
    shutil.copytree(used, old)
    size = f"{sum(f.stat().st_size for f in used.iterdir())} bytes"
    assert main(["models", "--prune"]) == 0  # only the installed bundled models' copies are kept
    out = capsys.readouterr().out
    assert f"removed {old} ({size})" in out and f"removed {used} ({size})" in out and "2 removed" in out
    assert not old.exists() and not used.exists()
    assert main(["models", "--prune", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"removed": [], "freed_bytes": 0}


def test_nonfinite_weights_names_the_first_bad_tensor_and_is_not_fooled_by_overflow():
    from attnlab.models.cache_checks import nonfinite_weights

    model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Linear(4, 2))
    assert nonfinite_weights(model) is None
    with torch.no_grad():
        model[0].bias.fill_(3e38)  # finite, but their sum overflows to inf: confirmed element by element
        assert torch.isinf(model[0].bias.sum())
        assert nonfinite_weights(model) is None
        model[1].weight[0, 1] = float("nan")
        model[1].weight[1, 2] = float("-inf")
        model[1].bias[0] = float("inf")
    assert nonfinite_weights(model) == "1.weight holds 1 NaN and 1 infinite values of 8"
    model.register_buffer("steps", torch.tensor([1, 2]))  # integer buffers are skipped, float ones checked
    model[1].weight.data.zero_()
    assert nonfinite_weights(model) == "1.bias holds 0 NaN and 1 infinite values of 2"
