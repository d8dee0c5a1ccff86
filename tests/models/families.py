"""The model families attnlab is tested on: a tiny random model of each, built from its config.

Each `Family` names a transformers config class, tiny sizes (2-3 layers, d_model 32, 4 heads, 2
key/value heads where the family has grouped-query attention), the attention variants it exercises
and which tokenizer it gets (copied from the installed model packages: SmolLM2's byte-level BPE for
decoders, MiniLM's WordPiece for encoders and encoder-decoders; `models.registry.BUNDLED`). `build`
saves model and tokenizer into a folder, as `--model FOLDER` loads them: offline, about a second.

`observe` runs attnlab on the folder (`run_text`) and Hugging Face eager attention
(`output_attentions=True`) on the same input and returns what the test matrix checks and what
docs/models.md lists: the path taken, the largest difference over every layer and head of every part,
and the variants seen in the trace. `family_table` is that list as Markdown; `python -m
tests.models.families` rewrites it into docs/models.md (the test fails when the file differs).
"""

from __future__ import annotations

import shutil
import warnings
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import torch

TEXT = "The quick brown fox jumps over the lazy dog near the river bank, then rests."  # > every window below
TARGET = "Der schnelle braune Fuchs springt."  # an encoder-decoder's target text
WINDOW = 4  # sliding / local windows: shorter than TEXT, so they hide keys
SHARP = 0.15  # weights' init std: transformers' 0.02 makes every head nearly uniform (scores ~1e-3, so a
# wrong score term would hide under the tolerance); 0.15 gives rows whose largest weight is ~0.15-0.6
DOCS = Path(__file__).resolve().parents[2] / "docs" / "models.md"
BEGIN, END = "<!-- families: begin (tests/models/families.py) -->", "<!-- families: end -->"

SMALL = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64,
         "max_position_embeddings": 512}
GQA = {**SMALL, "num_key_value_heads": 2}
SEQ2SEQ = {"d_model": 32, "encoder_layers": 2, "decoder_layers": 2, "encoder_attention_heads": 4,
           "decoder_attention_heads": 4, "encoder_ffn_dim": 64, "decoder_ffn_dim": 64, "max_position_embeddings": 512}


@dataclass(frozen=True)
class Family:
    """One family of the matrix: how to build its tiny model and what it should show."""

    name: str  # as people call it
    config: str  # the transformers config class
    kind: str  # "decoder" | "encoder" | "encoder-decoder"
    variants: tuple[str, ...]  # attention variants it exercises (checked in the trace: `seen_variants`)
    settings: dict[str, Any] = field(default_factory=dict)  # the config's tiny sizes and variant switches
    path: str = "captured"  # "captured" (q, k, v kept) or "eager fallback" (expected; checked)


FAMILIES: tuple[Family, ...] = (
    Family("Llama", "LlamaConfig", "decoder", ("RoPE", "GQA"), GQA),
    Family("Qwen2", "Qwen2Config", "decoder", ("RoPE", "GQA"), GQA),
    Family("Qwen3", "Qwen3Config", "decoder", ("RoPE", "GQA"), {**GQA, "head_dim": 8}),
    Family("Mistral", "MistralConfig", "decoder", ("RoPE", "GQA", "sliding window"), {**GQA, "sliding_window": WINDOW}),
    Family("Mixtral", "MixtralConfig", "decoder", ("RoPE", "GQA"), {**GQA, "num_local_experts": 2,
                                                                    "num_experts_per_tok": 1}),
    Family("Gemma", "GemmaConfig", "decoder", ("RoPE", "GQA"), {**GQA, "head_dim": 8}),
    Family("Gemma 2", "Gemma2Config", "decoder", ("RoPE", "GQA", "soft cap", "sliding window", "local + global"),
           {**GQA, "head_dim": 8, "sliding_window": WINDOW, "attn_logit_softcapping": 1.0}),
    Family("Gemma 3", "Gemma3TextConfig", "decoder", ("RoPE", "GQA", "sliding window", "local + global"),
           {**GQA, "head_dim": 8, "sliding_window": WINDOW, "layer_types": ["sliding_attention", "full_attention"]}),
    Family("Phi", "PhiConfig", "decoder", ("partial RoPE",), SMALL),
    Family("Phi-3", "Phi3Config", "decoder", ("RoPE", "GQA"), {**GQA, "pad_token_id": 0}),
    Family("StableLM", "StableLmConfig", "decoder", ("partial RoPE", "GQA"), GQA),
    Family("Starcoder2", "Starcoder2Config", "decoder", ("RoPE", "GQA", "sliding window"),
           {**GQA, "sliding_window": WINDOW}),
    Family("OLMo 2", "Olmo2Config", "decoder", ("RoPE", "GQA"), GQA),
    Family("Cohere", "CohereConfig", "decoder", ("RoPE", "GQA"), GQA),
    Family("Granite", "GraniteConfig", "decoder", ("RoPE", "GQA"), GQA),
    Family("GPT-2", "GPT2Config", "decoder", ("learned positions",), {"n_embd": 32, "n_layer": 2, "n_head": 4,
                                                                      "n_positions": 512}),
    Family("GPT-BigCode", "GPTBigCodeConfig", "decoder", ("learned positions", "multi-query"),
           {"n_embd": 32, "n_layer": 2, "n_head": 4, "n_positions": 512}),
    Family("GPT-J", "GPTJConfig", "decoder", ("partial RoPE",), {"n_embd": 32, "n_layer": 2, "n_head": 4,
                                                                 "rotary_dim": 4, "n_positions": 512}),
    Family("GPT-NeoX", "GPTNeoXConfig", "decoder", ("partial RoPE",), SMALL),
    Family("GPT-Neo", "GPTNeoConfig", "decoder", ("learned positions", "local + global"),
           {"hidden_size": 32, "num_layers": 2, "num_heads": 4, "attention_types": [[["global", "local"], 1]],
            "window_size": WINDOW, "max_position_embeddings": 512}, path="eager fallback"),
    Family("OPT", "OPTConfig", "decoder", ("learned positions",),
           {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "ffn_dim": 64,
            "word_embed_proj_dim": 32, "max_position_embeddings": 512}),
    Family("Falcon", "FalconConfig", "decoder", ("RoPE", "multi-query"),
           {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4}),
    Family("Falcon (ALiBi)", "FalconConfig", "decoder", ("ALiBi", "multi-query"),
           {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "alibi": True}),
    Family("BLOOM", "BloomConfig", "decoder", ("ALiBi",), {"hidden_size": 32, "n_layer": 2, "n_head": 4},
           path="eager fallback"),
    Family("BERT", "BertConfig", "encoder", ("learned positions",), SMALL),
    Family("ModernBERT", "ModernBertConfig", "encoder", ("RoPE", "sliding window", "local + global"),
           {**SMALL, "num_hidden_layers": 3, "local_attention": WINDOW, "global_attn_every_n_layers": 3,
            "pad_token_id": 0, "bos_token_id": 101, "eos_token_id": 102, "cls_token_id": 101, "sep_token_id": 102}),
    Family("DistilBERT", "DistilBertConfig", "encoder", ("learned positions",),
           {"dim": 32, "n_layers": 2, "n_heads": 4, "hidden_dim": 64}),
    Family("ALBERT", "AlbertConfig", "encoder", ("learned positions",), {**SMALL, "embedding_size": 16}),
    Family("ELECTRA", "ElectraConfig", "encoder", ("learned positions",), {**SMALL, "embedding_size": 16}),
    Family("MobileBERT", "MobileBertConfig", "encoder", ("learned positions",),
           {**SMALL, "embedding_size": 16, "intra_bottleneck_size": 32, "true_hidden_size": 32}),
    Family("RoBERTa", "RobertaConfig", "encoder", ("positions from padding_idx + 1",),
           {**SMALL, "pad_token_id": 1, "max_position_embeddings": 514}),
    Family("XLM-RoBERTa", "XLMRobertaConfig", "encoder", ("positions from padding_idx + 1",),
           {**SMALL, "pad_token_id": 1, "max_position_embeddings": 514}),
    Family("CamemBERT", "CamembertConfig", "encoder", ("positions from padding_idx + 1",),
           {**SMALL, "pad_token_id": 1, "max_position_embeddings": 514}),
    Family("DeBERTa-v2", "DebertaV2Config", "encoder", ("relative positions",), {**SMALL, "relative_attention": True},
           path="eager fallback"),
    Family("MPNet", "MPNetConfig", "encoder", ("relative positions",), SMALL, path="eager fallback"),
    Family("BART", "BartConfig", "encoder-decoder", ("learned positions", "cross-attention"), SEQ2SEQ),
    Family("mBART", "MBartConfig", "encoder-decoder", ("learned positions", "cross-attention"), SEQ2SEQ),
    Family("Marian", "MarianConfig", "encoder-decoder", ("sinusoidal positions", "cross-attention"),
           {**SEQ2SEQ, "pad_token_id": 0, "decoder_start_token_id": 0, "eos_token_id": 102}),
    Family("T5", "T5Config", "encoder-decoder", ("relative positions", "cross-attention"),
           {"d_model": 32, "d_kv": 8, "d_ff": 64, "num_layers": 2, "num_heads": 4}),
)

FAMILY = {f.name: f for f in FAMILIES}


def vocab_folder(kind: str, root: Path) -> Path:
    """The folder whose tokenizer files a family's model gets (see the module docstring)."""
    from attnlab.models.registry import BUNDLED, package_path

    if kind != "decoder":
        return package_path(BUNDLED["minilm"])
    folder = root / "_smollm2_tokenizer"
    if not folder.exists():  # read from the GGUF once per session (~5 s), saved as tokenizer.json
        from transformers import AutoTokenizer

        gguf = package_path(BUNDLED["smollm2"])
        AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name).save_pretrained(folder)
    return folder


TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json")


@cache
def built(name: str, root: Path) -> Path:
    """The folder of `name`'s tiny model under `root`, built once per session."""
    return build(FAMILY[name], root)


def build(family: Family, root: Path) -> Path:
    """Save a tiny random model of `family` with its tokenizer into a folder under `root`."""
    import transformers
    from transformers import AutoModel, AutoModelForCausalLM, AutoModelForSeq2SeqLM

    vocab = vocab_folder(family.kind, root)
    vocab_size = 49152 if family.kind == "decoder" else 30522  # SmolLM2's and MiniLM's vocabularies
    config = getattr(transformers, family.config)(**{"initializer_range": SHARP, **family.settings,
                                                     "vocab_size": vocab_size})
    auto = {"decoder": AutoModelForCausalLM, "encoder-decoder": AutoModelForSeq2SeqLM}.get(family.kind, AutoModel)
    torch.manual_seed(0)
    model = auto.from_config(config)
    folder = root / family.name.replace(" ", "_").replace("(", "").replace(")", "")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.save_pretrained(folder)
    for name in TOKENIZER_FILES:
        if (vocab / name).exists():
            shutil.copy(vocab / name, folder / name)
    return folder


def eager_model(folder: Path, kind: str) -> Any:
    """The folder's model loaded afresh by transformers with eager attention (the reference)."""
    from transformers import AutoModel, AutoModelForCausalLM, AutoModelForSeq2SeqLM

    auto = {"decoder": AutoModelForCausalLM, "encoder-decoder": AutoModelForSeq2SeqLM}.get(kind, AutoModel)
    return auto.from_pretrained(folder, attn_implementation="eager", dtype=torch.float32).eval()


def max_difference(trace: Any, reference: tuple[torch.Tensor, ...]) -> float:
    """Largest |attnlab - eager| over every layer and head; reference: per layer [batch=1, head, q_pos, k_pos]."""
    assert len(reference) == trace.n_layers, (len(reference), trace.n_layers)
    return max(float((trace.head_weights(layer) - reference[layer][0].float()).abs().max())
               for layer in range(trace.n_layers))


# Variants a trace shows: checked in it (`seen_variants`). Positions (RoPE, learned, from padding_idx + 1)
# live inside q and k, and an eager fallback's variants inside its weights: those are checked by the
# comparison with eager alone.
IN_TRACE = frozenset({"GQA", "multi-query", "sliding window", "local + global", "soft cap", "ALiBi",
                      "relative positions", "cross-attention"})


def checked_variants(family: Family) -> set[str]:
    """The variants of `family` its trace must show."""
    return set(family.variants) & (IN_TRACE if family.path == "captured" else {"cross-attention"})


def seen_variants(result: Any) -> set[str]:
    """The variants of IN_TRACE that attnlab's result shows, read off what it computed with."""
    from attnlab.models.parts import EncoderDecoderTraces

    pair = isinstance(result, EncoderDecoderTraces)
    parts = [result.encoder, result.decoder] if pair else [result]
    seen = {"cross-attention"} if pair else set()
    main = parts[-1]
    if main.n_kv_heads < main.n_heads:
        seen.add("multi-query" if main.n_kv_heads == 1 else "GQA")
    windows = [_hides_more_than_causal(main, layer) for layer in range(main.n_layers)]
    if any(windows):
        seen.add("sliding window")
    if any(windows) and not all(windows):
        seen.add("local + global")
    captures = [cap for part in parts for cap in getattr(part, "layers", ())]  # a ModelTrace's LayerCaptures
    if any(cap.softcap is not None for cap in captures):
        seen.add("soft cap")
    if any(cap.mask is not None and cap.mask.shape[1] > 1 for cap in captures):  # a per-head bias in the mask
        seen.add("ALiBi")
    if any(cap.position_bias is not None for cap in captures):
        seen.add("relative positions")
    return seen


def term_effects(trace: Any) -> dict[str, float]:
    """How much the soft cap and an ALiBi bias change a captured trace's weights: the largest weight
    difference when the trace is recomputed without them (so the comparison with eager covers them)."""
    import dataclasses

    from attnlab.models.trace import ModelTrace
    from attnlab.trace.mask import NEG_LARGE

    def without(change: Any) -> float:
        layers = [change(cap) for cap in trace.layers]
        plain = ModelTrace(layers=layers, tokens=trace.tokens, model="-", kind="decoder", n_layers=trace.n_layers,
                           n_heads=trace.n_heads, n_kv_heads=trace.n_kv_heads, span=(0, trace.n_tokens),
                           batch_index=0, prompt_len=None, truncated=0)
        return max(float((plain.head_weights(i) - trace.head_weights(i)).abs().max()) for i in range(trace.n_layers))

    effects = {}
    if any(cap.softcap is not None for cap in trace.layers):
        effects["soft cap"] = without(lambda cap: dataclasses.replace(cap, softcap=None))
    if any(cap.mask is not None and cap.mask.shape[1] > 1 for cap in trace.layers):  # keep what it hides only
        effects["ALiBi"] = without(lambda cap: dataclasses.replace(cap, mask=cap.mask[:, :1] > NEG_LARGE))
    return effects


def _hides_more_than_causal(trace: Any, layer: int) -> bool:
    """Some query sees fewer keys than every key up to itself (a window; encoders: fewer than all)."""
    visible = trace.visible_keys(layer).cpu()
    n = trace.n_tokens
    full = torch.arange(1, n + 1) if trace.causal else torch.full((n,), n)
    return bool((visible < full).any())


@dataclass(frozen=True)
class Observed:
    """What one family's run showed."""

    path: str  # "captured" or "eager fallback"
    max_diff: float  # largest |attnlab - eager| over every layer, head and part
    variants: frozenset[str]  # the variants seen in the trace
    parts: tuple[str, ...]  # "self", or "encoder", "decoder", "cross"


@cache
def observe(name: str, root: Path) -> Observed:
    """Build `name`'s tiny model under `root`, run attnlab and eager on it, and compare (once per session)."""
    import attnlab
    from attnlab.models.api import CaptureFallbackWarning
    from attnlab.models.parts import EncoderDecoderTraces
    from attnlab.models.trace import EagerTrace

    family = FAMILY[name]
    folder = built(name, root)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CaptureFallbackWarning)
        pair = family.kind == "encoder-decoder"
        result = attnlab.run_text(TEXT, str(folder), target_text=TARGET if pair else None)
    fell_back = any(issubclass(w.category, CaptureFallbackWarning) for w in caught)
    diffs = eager_differences(folder, family.kind, result)
    if isinstance(result, EncoderDecoderTraces):
        eager = isinstance(result.encoder, EagerTrace)
        parts: tuple[str, ...] = ("encoder", "decoder", "cross")
    else:
        eager, parts = isinstance(result, EagerTrace), ("self",)
    assert eager == fell_back, "the fallback warning and the trace's type disagree"
    main = result.decoder if isinstance(result, EncoderDecoderTraces) else result
    assert main.causal == (family.kind != "encoder"), f"{name}: loaded as causal={main.causal}"
    return Observed("eager fallback" if eager else "captured", max(diffs), frozenset(seen_variants(result)),
                    parts)


def eager_differences(folder: Path, kind: str, result: Any) -> list[float]:
    """Per part, the largest difference between attnlab's weights and eager's on the same input."""
    from transformers import AutoTokenizer

    from attnlab.models.parts import EncoderDecoderTraces

    tok = AutoTokenizer.from_pretrained(folder)
    enc = tok(TEXT, return_tensors="pt")
    inputs = {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]}
    model = eager_model(folder, kind)
    with torch.no_grad():
        if not isinstance(result, EncoderDecoderTraces):
            out = model.base_model(**inputs, output_attentions=True, use_cache=False)
            return [max_difference(result, out.attentions)]
        target = torch.tensor([[t.id for t in result.decoder.tokens]])  # start token + the target's ids
        out = model(**inputs, decoder_input_ids=target, output_attentions=True, use_cache=False)
    cross = max(float((result.cross.head_weights(layer) - out.cross_attentions[layer][0]).abs().max())
                for layer in range(result.cross.n_layers))
    return [max_difference(result.encoder, out.encoder_attentions),
            max_difference(result.decoder, out.decoder_attentions), cross]


def family_table(observed: dict[str, Observed]) -> str:
    """The Markdown table docs/models.md holds between BEGIN and END (no measured numbers: they vary by CPU)."""
    rows = ["| family | config | kind | attention variants | path | parts compared with eager |",
            "|---|---|---|---|---|---|"]
    for family in FAMILIES:
        seen = observed[family.name]
        rows.append(f"| {family.name} | `{family.config}` | {family.kind} | {', '.join(family.variants)} | "
                    f"{seen.path} | {', '.join(seen.parts)} |")
    return "\n".join(rows)


def documented_table() -> str:
    """The table as docs/models.md holds it now."""
    text = DOCS.read_text(encoding="utf-8")
    return text[text.index(BEGIN) + len(BEGIN) : text.index(END)].strip()


def write_table(table: str) -> None:
    """Replace the table in docs/models.md (`python -m tests.models.families`)."""
    text = DOCS.read_text(encoding="utf-8")
    DOCS.write_text(text[: text.index(BEGIN) + len(BEGIN)] + "\n" + table + "\n" + text[text.index(END) :],
                    encoding="utf-8")


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        seen = {f.name: observe(f.name, Path(tmp)) for f in FAMILIES}
        for name, o in seen.items():
            print(f"{name:16} {o.path:15} {o.max_diff:.1e} {sorted(o.variants)}")
        write_table(family_table(seen))
