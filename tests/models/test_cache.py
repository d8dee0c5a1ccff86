"""The converted-GGUF cache: hashes, cheap and full checks, one converter at a time, stale temporaries,
bad cache locations. A fake de-quantizer stands in for the 30 s conversion (no model is loaded here)."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time

import pytest

from attnlab.models import cache, loading
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
        (tmp / "model.safetensors").write_bytes(os.urandom(4096))

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
    with open(weights, "r+b") as f:  # same size, other bytes, as in the issue (4 MB of 0xff there)
        f.write(b"\xff" * 1024)
    assert "model.safetensors does not match the sha256 recorded" in check_cache(dest)
    os.utime(weights, ns=(st.st_atime_ns, st.st_mtime_ns))  # bit rot keeps the mtime: only a full check sees it
    assert check_cache(dest) is None
    assert "does not match the sha256" in check_cache(dest, full=True)
    with open(weights, "ab") as f:
        f.write(b"x")
    assert check_cache(dest) == "model.safetensors has 4097 bytes, 4096 were written"
    weights.unlink()
    assert "model.safetensors is missing" in check_cache(dest)
    (dest / cache.MANIFEST).unlink()
    assert "is missing (an interrupted conversion?)" in check_cache(dest)


def test_a_touched_file_is_hashed_once_and_its_new_mtime_recorded(env, monkeypatch):
    gguf, _ = env
    dest = convert(gguf)
    os.utime(dest / "model.safetensors", ns=(1, 1_000_000_000))
    hashed = []
    real = cache.sha256_file
    monkeypatch.setattr(cache, "sha256_file", lambda p: hashed.append(p.name) or real(p))
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


def test_verify_cache_reports_every_copy(env):
    gguf, _ = env
    dest = convert(gguf)
    other = dest.with_name("other-copy")
    shutil.copytree(dest, other)
    weights = other / "model.safetensors"
    st = weights.stat()
    weights.write_bytes(b"\0" * st.st_size)
    os.utime(weights, ns=(st.st_atime_ns, st.st_mtime_ns))
    results = {r.name: r for r in verify_cache(full=True, current={"tiny": dest})}
    assert results[f"tiny ({dest.name})"].ok and results[f"tiny ({dest.name})"].message == "ok"
    assert not results["other-copy"].ok and "does not match the sha256" in results["other-copy"].message
    assert verify_cache(full=False, current={})[1].ok  # the cheap check cannot see same-mtime damage
    manifest = json.loads((other / cache.MANIFEST).read_text())
    (other / cache.MANIFEST).write_text(json.dumps({**manifest, "format": 1}))
    older = {r.name: r for r in verify_cache(current={})}["other-copy"]
    assert older.ok and older.message == "made by another attnlab version (cache format 1)"


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
