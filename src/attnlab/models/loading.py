"""Loading models: bundled folders, the GGUF converted once into a cached copy, local folders, hub ids.

The converted copy and its checks (hashes, locking, stale temporaries) are in `attnlab.models.cache`;
this module converts (`convert_gguf`) and loads. A model folder that cannot be loaded (an empty
config, no weights, truncated weights) raises one AttnlabError naming the folder and the problem.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import AttnlabError
from .cache import (
    CACHE_FORMAT,
    MANIFEST,
    cache_root,
    check_cache,
    converted_copy,
    gguf_cache_dir,
    move_into_place,
    new_temporary,
    valid_cache,
    write_manifest,
)
from .cache_checks import nonfinite_weights
from .registry import (
    HubUnreachableError,
    ModelSpec,
    available_names,
    install_hint,
    is_causal_lm_class,
    package_folder,
    package_path,
    read_config,
    resolve,
)

__all__ = [
    "CACHE_FORMAT",
    "MANIFEST",
    "LoadedModel",
    "cache_root",
    "cached_gguf_folder",
    "check_cache",
    "convert_gguf",
    "gguf_cache_dir",
    "load_model",
    "valid_cache",
]


@dataclass
class LoadedModel:
    """A model ready to run, with its tokenizer (mutable: the model object is shared and reused)."""

    name: str  # registry name or what the user gave
    kind: str  # "encoder" | "decoder" | "encoder-decoder"
    model: Any  # transformers PreTrainedModel, fp32, eval mode, attention set to the capture function
    tokenizer: Any  # its tokenizer
    location: str  # folder the weights came from
    max_tokens: int  # longest input accepted (max_position_embeddings)


def convert_gguf(gguf: Path, dest: Path) -> Path:
    """De-quantize the GGUF once into a safetensors folder at `dest` (atomically), with a progress bar."""
    tmp = new_temporary(dest)
    try:
        _dequantize(gguf, tmp)
        write_manifest(tmp, gguf)  # last: a copy without it is incomplete
        move_into_place(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _dequantize(gguf: Path, tmp: Path) -> None:
    """transformers reads the GGUF (de-quantizing to fp32) and saves model and tokenizer into `tmp`."""
    import torch
    from tqdm.auto import tqdm
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from ..progress import aside  # a "loading" line open around this steps aside for the bar

    steps = ["tokenizer", "de-quantize weights", "write safetensors"]
    with aside(), tqdm(total=len(steps), desc=f"attnlab: converting {gguf.name} once", unit="step") as bar:
        bar.set_postfix_str(steps[0])
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        bar.update()
        bar.set_postfix_str(steps[1])
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
        bar.update()
        bar.set_postfix_str(steps[2])
        # the weights are plain fp32 now; only the quantizer's flag stops save_pretrained
        model.hf_quantizer = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        bar.update()


def cached_gguf_folder(gguf: Path, *, damaged: str = "") -> Path:
    """The converted copy of `gguf`, converting it first when missing or damaged (`damaged`: what a
    load found wrong with it; see `models.cache.converted_copy`)."""
    return converted_copy(gguf, convert_gguf, damaged=damaged)


def load_model(name: str) -> LoadedModel:
    """Load a model by registry name, folder path or hub id, with attention set to the capture function."""
    spec = resolve(name)
    if spec.hub_id is not None and package_folder(spec) is None:  # bundled, its package missing: the hub's copy
        return _from_hub(spec, spec.hub_id)
    if spec.source == "gguf":
        return _from_converted(spec, package_path(spec))
    if spec.source == "package":
        return _from_folder(spec, package_path(spec))
    if spec.source == "folder":
        return _from_folder(spec, Path(spec.name))
    return _from_hub(spec)


def _from_converted(spec: ModelSpec, gguf: Path) -> LoadedModel:
    """The converted copy, loaded, its weights checked finite; a copy that passes the file checks but
    does not load or holds NaN/inf is marked damaged and rebuilt once (or refused when it cannot be)."""
    try:
        lm = _from_folder(spec, cached_gguf_folder(gguf))
        bad = nonfinite_weights(lm.model)
        damage = None if bad is None else f"a weight is not finite ({bad})"
    except ModelFolderError as e:
        damage = str(e)
    if damage is None:
        return lm
    lm = _from_folder(spec, cached_gguf_folder(gguf, damaged=damage))
    still = nonfinite_weights(lm.model)
    if still is not None:
        raise ModelFolderError(f"{gguf.name} converts to weights that are not finite ({still}), even converted "
                               f"afresh: the GGUF file may be damaged; reinstall {spec.package}")
    return lm


class ModelFolderError(AttnlabError):
    """A model folder transformers cannot load; the message names the folder and what is wrong."""


# Heads on top of the transformer body: weights transformers may initialise without changing attention.
_HEAD_PREFIXES = ("pooler.", "lm_head.", "classifier.", "cls.", "score.", "qa_outputs.")


def _from_folder(spec: ModelSpec, folder: Path, *, local_only: bool = True) -> LoadedModel:
    from .capture import CAPTURE, install

    install()
    read_config(folder)  # its shape first: transformers fails on `[]` or 0 heads with a traceback
    config = _load_config(folder, local_only)
    kind = spec.kind or kind_of_config(config)
    model = _load_weights(folder, kind, local_only)
    model.eval()
    _set_capture(model, CAPTURE)
    tokenizer = _load_tokenizer(folder, config, local_only)
    max_tokens = int(getattr(config, "max_position_embeddings", 0) or tokenizer.model_max_length)
    return LoadedModel(spec.name, kind, model, tokenizer, str(folder), max_tokens)


def _load_config(folder: Path, local_only: bool) -> Any:
    from transformers import AutoConfig

    try:
        return AutoConfig.from_pretrained(folder, local_files_only=local_only)
    except ValueError as e:  # no model_type, or one this transformers does not know
        raise ModelFolderError(f"model folder {str(folder)!r}: config.json does not name a model type transformers "
                               f"knows ({_first_line(e)})") from None
    except OSError as e:  # no config.json (or unreadable)
        raise ModelFolderError(f"model folder {str(folder)!r}: cannot read config.json ({_first_line(e)})") from None


def _load_weights(folder: Path, kind: str, local_only: bool) -> Any:
    """The model in fp32; refused when its weights are missing, damaged or do not fit config.json."""
    import torch
    import transformers
    from safetensors import SafetensorError
    from transformers import AutoModel, AutoModelForCausalLM, AutoModelForSeq2SeqLM

    auto = {"decoder": AutoModelForCausalLM, "encoder-decoder": AutoModelForSeq2SeqLM}.get(kind, AutoModel)
    where = f"model folder {str(folder)!r}"
    logs = transformers.utils.logging
    bars, verbosity = logs.is_progress_bar_enabled(), logs.get_verbosity()
    logs.disable_progress_bar()  # a sub-second load needs no bar
    logs.set_verbosity_error()  # its 60-line loading report: the missing weights are checked below
    try:
        model, info = auto.from_pretrained(
            folder, dtype=torch.float32, local_files_only=local_only, output_loading_info=True
        )
    except SafetensorError as e:  # a header that cannot be read, or a file shorter than its header says
        raise ModelFolderError(f"{where}: its weights file is damaged or truncated ({e})") from None
    except OSError as e:  # "Error no file named model.safetensors, or pytorch_model.bin, found in directory"
        problem = "it has no weights (model.safetensors)" if "no file named" in str(e) else _first_line(e)
        raise ModelFolderError(f"{where}: {problem}") from None
    except RuntimeError as e:
        if "ignore_mismatched_sizes" not in str(e):
            raise
        raise ModelFolderError(f"{where}: the weights' shapes do not match config.json") from None
    finally:
        logs.set_verbosity(verbosity)
        if bars:
            logs.enable_progress_bar()
    missing = [k for k in info.get("missing_keys", ()) if not k.startswith(_HEAD_PREFIXES)]
    if missing:  # transformers would fill them with random numbers: a silently meaningless model
        raise ModelFolderError(
            f"{where}: its weights do not fit config.json: {len(missing)} weights are missing "
            f"(e.g. {sorted(missing)[0]!r})"
        )
    return model


def _load_tokenizer(folder: Path, config: Any, local_only: bool) -> Any:
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=local_only)
    except (OSError, ValueError) as e:
        raise ModelFolderError(f"model folder {str(folder)!r}: cannot load its tokenizer ({_first_line(e)})") from None
    vocab = getattr(config, "vocab_size", None)
    if vocab and len(tokenizer) < vocab // 2:  # transformers builds an empty one when the files are absent
        raise ModelFolderError(
            f"model folder {str(folder)!r}: its tokenizer knows {len(tokenizer)} tokens but the model "
            f"{vocab}: the tokenizer files (tokenizer.json, vocab.txt, ...) are missing"
        )
    return tokenizer


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0][:200] if text else type(e).__name__


def kind_of_config(config: Any) -> str:
    """"encoder-decoder" (BART, T5), "decoder" (a causal LM) or "encoder", from a loaded config."""
    if getattr(config, "is_encoder_decoder", False):
        return "encoder-decoder"
    return "decoder" if getattr(config, "is_decoder", False) or _is_causal_lm(config) else "encoder"


def _is_causal_lm(config: Any) -> bool:
    return any(is_causal_lm_class(a) for a in (getattr(config, "architectures", None) or []))


def _set_capture(model: Any, implementation: str) -> None:
    """Route attention through the capture function; models that cannot switch keep theirs (fallback)."""
    if model._can_set_attn_implementation():
        model.set_attn_implementation(implementation)


def _from_hub(spec: ModelSpec, repo: str | None = None) -> LoadedModel:
    """A hub id (`repo`, else the name): the local cache first (no network), then the hub; one line when
    neither works. A bundled model comes here with its `hub_id` when its package is not installed."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError, RepositoryNotFoundError

    repo = repo or spec.name
    patterns = ["*.json", "*.safetensors", "*.txt", "*.model", "*.jinja"]
    try:
        folder = snapshot_download(repo, local_files_only=True, allow_patterns=patterns)
    except (LocalEntryNotFoundError, OSError):
        try:
            folder = snapshot_download(repo, allow_patterns=patterns)
        except RepositoryNotFoundError:
            raise AttnlabError(f"hub id {repo!r}: no such model on the Hugging Face hub") from None
        except HFValidationError as e:
            raise AttnlabError(f"hub id {repo!r} is not valid: {e}") from None
        except Exception as e:  # connection errors come in many types (requests, httpx, offline mode)
            raise HubUnreachableError(_not_cached(spec, repo, e)) from None
    return _from_folder(spec, Path(folder))


def _not_cached(spec: ModelSpec, repo: str, e: Exception) -> str:
    """One line: the hub copy is neither cached nor reachable, and (bundled) what to install or download."""
    from huggingface_hub import constants

    if spec.package is None:
        return (f"hub id {repo!r}: the Hugging Face hub is not reachable from here and the model is not cached "
                f"({type(e).__name__}); use {available_names()}")
    why = "HF_HUB_OFFLINE is set" if constants.HF_HUB_OFFLINE else f"the hub is not reachable ({type(e).__name__})"
    then = " (unset HF_HUB_OFFLINE)" if constants.HF_HUB_OFFLINE else ""
    return (f"model {spec.name!r}: its package {spec.package} is not installed, {repo} is not in the Hugging Face "
            f"cache, and {why}: {install_hint(spec)}, or download {repo} once with network{then}")
