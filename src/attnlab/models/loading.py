"""Loading models: bundled folders, the GGUF converted once into a cached copy, local folders, hub ids.

transformers reads a GGUF by de-quantizing every tensor (~15-30 s for SmolLM2-135M). The first load
writes the result as an ordinary safetensors folder in the cache; later loads read that (< 1 s).
The copy is written under a temporary name and renamed into place (`os.replace`), so an interrupted
conversion never leaves a half-written cache; a manifest (file sizes, a hash of the small files) is
written last and checked on every load, and a cache that fails the check or fails to load is rebuilt.
Cache folder: `$ATTNLAB_CACHE`, else `$XDG_CACHE_HOME/attnlab`, else `~/.cache/attnlab`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import AttnlabError
from .registry import HubUnreachableError, ModelSpec, available_names, package_path, resolve

MANIFEST = "attnlab-manifest.json"
CACHE_FORMAT = 1  # bump when the layout of a cached copy changes


@dataclass
class LoadedModel:
    """A model ready to run, with its tokenizer (mutable: the model object is shared and reused)."""

    name: str  # registry name or what the user gave
    kind: str  # "encoder" | "decoder"
    model: Any  # transformers PreTrainedModel, fp32, eval mode, attention set to the capture function
    tokenizer: Any  # its tokenizer
    location: str  # folder the weights came from
    max_tokens: int  # longest input accepted (max_position_embeddings)


def cache_root() -> Path:
    env = os.environ.get("ATTNLAB_CACHE")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "attnlab"


def gguf_cache_dir(gguf: Path) -> Path:
    """One cached copy per GGUF file version (name, size, mtime) and cache format."""
    st = gguf.stat()
    key = hashlib.sha256(f"{gguf.name}|{st.st_size}|{st.st_mtime_ns}|{CACHE_FORMAT}".encode()).hexdigest()[
        :12
    ]
    return cache_root() / "models" / f"{gguf.stem}-{key}"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_manifest(folder: Path, source: Path) -> None:
    """Sizes of every file, hashes of the small ones (the weights file is checked by size and by loading)."""
    files = {}
    for p in sorted(folder.iterdir()):
        size = p.stat().st_size
        files[p.name] = {"size": size, "sha256": _sha256(p) if size < 50_000_000 else None}
    manifest = {"format": CACHE_FORMAT, "source": str(source), "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")


def valid_cache(folder: Path) -> bool:
    """True when the folder holds a complete copy: a manifest, every file with its recorded size/hash."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("format") != CACHE_FORMAT or "model.safetensors" not in manifest["files"]:
            return False
        for name, meta in manifest["files"].items():
            p = folder / name
            if p.stat().st_size != meta["size"]:
                return False
            if meta["sha256"] is not None and _sha256(p) != meta["sha256"]:
                return False
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return True


def convert_gguf(gguf: Path, dest: Path) -> Path:
    """De-quantize the GGUF once into a safetensors folder at `dest` (atomically), with a progress bar."""
    import torch
    from tqdm.auto import tqdm
    from transformers import AutoModelForCausalLM, AutoTokenizer

    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))
    steps = ["tokenizer", "de-quantize weights", "write safetensors", "manifest"]
    try:
        with tqdm(total=len(steps), desc=f"attnlab: converting {gguf.name} once", unit="step") as bar:
            bar.set_postfix_str(steps[0])
            tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
            bar.update()
            bar.set_postfix_str(steps[1])
            model = AutoModelForCausalLM.from_pretrained(
                gguf.parent, gguf_file=gguf.name, dtype=torch.float32
            )
            bar.update()
            bar.set_postfix_str(steps[2])
            # the weights are plain fp32 now; only the quantizer's flag stops save_pretrained
            model.hf_quantizer = None
            if hasattr(model.config, "quantization_config"):
                del model.config.quantization_config
            model.save_pretrained(tmp)
            tokenizer.save_pretrained(tmp)
            bar.update()
            bar.set_postfix_str(steps[3])
            _write_manifest(tmp, gguf)
            bar.update()
        _move_into_place(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _move_into_place(tmp: Path, dest: Path) -> None:
    """Rename the finished copy to its final name; a stale or broken copy there is moved aside first."""
    if dest.exists():
        stale = dest.with_name(f".{dest.name}.stale-{os.getpid()}")
        os.replace(dest, stale)
        shutil.rmtree(stale, ignore_errors=True)
    try:
        os.replace(tmp, dest)
    except OSError:
        if not valid_cache(dest):  # another process finished first: keep its copy if it is good
            raise


def cached_gguf_folder(gguf: Path, *, rebuild: bool = False) -> Path:
    """The converted copy of `gguf`, converting it first when missing, broken or `rebuild` is asked."""
    dest = gguf_cache_dir(gguf)
    if rebuild or not valid_cache(dest):
        convert_gguf(gguf, dest)
    return dest


def load_model(name: str) -> LoadedModel:
    """Load a model by registry name, folder path or hub id, with attention set to the capture function."""
    spec = resolve(name)
    if spec.source == "gguf":
        gguf = package_path(spec)
        folder = cached_gguf_folder(gguf)
        try:
            return _from_folder(spec, folder)
        except Exception:  # passed the size check but does not load (SafetensorError, OSError, ...): rebuild
            return _from_folder(spec, cached_gguf_folder(gguf, rebuild=True))
    if spec.source == "package":
        return _from_folder(spec, package_path(spec))
    if spec.source == "folder":
        return _from_folder(spec, Path(spec.name))
    return _from_hub(spec)


def _from_folder(spec: ModelSpec, folder: Path, *, local_only: bool = True) -> LoadedModel:
    import torch
    import transformers
    from transformers import AutoConfig, AutoModel, AutoModelForCausalLM, AutoTokenizer

    from .capture import CAPTURE, install

    install()
    config = AutoConfig.from_pretrained(folder, local_files_only=local_only)
    kind = spec.kind or ("decoder" if config.is_decoder or _is_causal_lm(config) else "encoder")
    auto = AutoModelForCausalLM if kind == "decoder" else AutoModel
    bars = transformers.utils.logging.is_progress_bar_enabled()
    transformers.utils.logging.disable_progress_bar()  # a sub-second load needs no bar
    try:
        model = auto.from_pretrained(folder, dtype=torch.float32, local_files_only=local_only)
    finally:
        if bars:
            transformers.utils.logging.enable_progress_bar()
    model.eval()
    _set_capture(model, CAPTURE)
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=local_only)
    max_tokens = int(getattr(config, "max_position_embeddings", 0) or tokenizer.model_max_length)
    return LoadedModel(spec.name, kind, model, tokenizer, str(folder), max_tokens)


def _is_causal_lm(config: Any) -> bool:
    return any("CausalLM" in a for a in (getattr(config, "architectures", None) or []))


def _set_capture(model: Any, implementation: str) -> None:
    """Route attention through the capture function; models that cannot switch keep theirs (fallback)."""
    if model._can_set_attn_implementation():
        model.set_attn_implementation(implementation)


def _from_hub(spec: ModelSpec) -> LoadedModel:
    """A hub id: the local cache first (no network), then the hub; one line when neither works."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError, RepositoryNotFoundError

    patterns = ["*.json", "*.safetensors", "*.txt", "*.model", "*.jinja"]
    try:
        folder = snapshot_download(spec.name, local_files_only=True, allow_patterns=patterns)
    except (LocalEntryNotFoundError, OSError):
        try:
            folder = snapshot_download(spec.name, allow_patterns=patterns)
        except RepositoryNotFoundError:
            raise AttnlabError(f"hub id {spec.name!r}: no such model on the Hugging Face hub") from None
        except HFValidationError as e:
            raise AttnlabError(f"hub id {spec.name!r} is not valid: {e}") from None
        except Exception as e:  # connection errors come in many types (requests, httpx, offline mode)
            raise HubUnreachableError(
                f"hub id {spec.name!r}: the Hugging Face hub is not reachable from here and the model is not "
                f"cached ({type(e).__name__}); use {available_names()}"
            ) from None
    return _from_folder(spec, Path(folder))
