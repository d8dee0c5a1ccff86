"""A model object the caller already holds (`run_text(text, model=hf_model, tokenizer=tok)`).

In a notebook people have loaded a model themselves, often on a GPU and in bf16. attnlab captures
from that object as it is: no reload, no copy, its dtype and device kept, SDPA still doing the work
(the capture function calls it; `models.capture`). For the duration of the call the model's attention
implementation is switched to the capture function and the model is put in eval mode (dropout
would make the captured weights differ from those it used); afterwards both are put back as they
were found, whatever happens in between. One such call at a time per process (`_holding`), because
the switch is made on the caller's own object, which other threads may also be using.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from ..checks import describe
from ..errors import AttnlabError
from .loading import LoadedModel, kind_of_config
from .registry import is_causal_lm_class

_holding = threading.Lock()  # held while a caller's model object is switched to the capture function


def check_held(model: Any, tokenizer: Any) -> None:
    """AttnlabError unless `model` is a transformers model and `tokenizer` a tokenizer."""
    import torch

    if not isinstance(model, torch.nn.Module) or getattr(model, "config", None) is None:
        raise AttnlabError(f"model must be a model name, folder or hub id, or a transformers model object; "
                           f"got {describe(model)}")
    if not hasattr(model, "set_attn_implementation"):
        raise AttnlabError(f"model is a {type(model).__name__}, not a transformers PreTrainedModel: attnlab captures "
                           "attention through transformers' attention interface")
    if tokenizer is None:
        raise AttnlabError(f"a model object needs its tokenizer: run_text(text, model=..., tokenizer=...) "
                           f"(got model={type(model).__name__} and no tokenizer)")
    if not callable(tokenizer) or not hasattr(tokenizer, "convert_ids_to_tokens"):
        raise AttnlabError(f"tokenizer must be a transformers tokenizer, got {describe(tokenizer)}")


def held_kind(model: Any) -> str:
    """"encoder-decoder", "decoder" or "encoder": from the config, then from the object itself (a causal
    LM class, or attention modules that say they are causal)."""
    kind = kind_of_config(model.config)
    if kind != "encoder":
        return kind
    name = type(model).__name__
    causal = any(getattr(m, "is_causal", False) is True for m in model.modules() if m is not model)
    return "decoder" if is_causal_lm_class(name) or causal else "encoder"


@contextlib.contextmanager
def holding(model: Any, tokenizer: Any) -> Iterator[LoadedModel]:
    """Within the block, `model` routed through the capture function and in eval mode, as a LoadedModel;
    after it, its attention implementation and train/eval mode as they were."""
    from .capture import CAPTURE, install

    check_held(model, tokenizer)
    install()
    config = model.config
    name = str(getattr(config, "name_or_path", "") or type(model).__name__)
    max_tokens = int(getattr(config, "max_position_embeddings", 0) or getattr(tokenizer, "model_max_length", 0)
                     or 1 << 30)
    with _holding:
        previous, was_training = config._attn_implementation, model.training
        can_switch = model._can_set_attn_implementation()
        try:
            if can_switch:
                model.set_attn_implementation(CAPTURE)
            model.eval()
            yield LoadedModel(name, held_kind(model), model, tokenizer, "a model object", max_tokens)
        finally:
            if can_switch:
                model.set_attn_implementation(previous)
            model.train(was_training)
