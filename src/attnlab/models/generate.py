"""Greedy continuation with transformers' own `generate`: the reference `models.steps` is tested against.

The text is continued with the model's `generate` (greedy, KV cache, plain SDPA: nothing is
recorded while generating). `run_text(..., generate=N)` decodes with `models.steps` instead (every
step's row captured, no second pass) and uses this only when the residual stream is to be kept
(streams=True), capturing prompt + generated tokens in one forward pass: by causality, row q of
that pass is what position q attended to while decoding (to float rounding). The token at q + 1 was
predicted from row q.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ..errors import AttnlabError
from .extras import install
from .loading import LoadedModel
from .registry import bundled_names


def greedy_continue(lm: LoadedModel, ids: list[int], n_new: int,
                    on_tokens: Callable[[int], None] | None = None) -> list[int]:
    """Prompt ids followed by up to n_new greedily chosen ids (fewer if the model emits its end token).
    on_tokens(n) is called as each step's n new ids arrive (a progress line's count)."""
    if lm.kind != "decoder":
        decoders = " or ".join(bundled_names("decoder")) or "a decoder"
        raise AttnlabError(f"--generate needs a decoder model; {lm.name} is an encoder (try --model {decoders})")
    if n_new < 0:
        raise AttnlabError(f"--generate {n_new}: the number of new tokens must be 0 or more")
    if n_new == 0:
        return list(ids)
    tok = lm.tokenizer
    install(lm.model)  # the extras' hooks go in before a model's first pass, whichever pass it is
    input_ids = torch.tensor([ids])  # [batch=1, q_pos]
    with torch.no_grad():
        out = lm.model.generate(
            input_ids,
            attention_mask=torch.ones_like(input_ids),
            max_new_tokens=n_new,
            do_sample=False,
            temperature=None,
            top_p=None,
            top_k=None,
            pad_token_id=tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id,
            streamer=_counter(on_tokens) if on_tokens is not None else None,
        )
    return out[0].tolist()


def _counter(on_tokens: Callable[[int], None]) -> Any:
    """A transformers streamer that reports how many new ids each step adds. `generate` puts the prompt
    first (not counted), then each step's ids [batch=1, new]."""
    from transformers.generation.streamers import BaseStreamer

    class Counter(BaseStreamer):
        def __init__(self) -> None:
            self.prompt_seen = False  # the first put is the prompt

        def put(self, value: torch.Tensor) -> None:
            if self.prompt_seen:
                on_tokens(int(value.shape[-1]))
            self.prompt_seen = True

        def end(self) -> None:
            pass

    return Counter()
