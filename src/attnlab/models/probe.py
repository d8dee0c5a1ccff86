"""The induction probe: R random tokens, repeated once, so that copying heads show themselves.

Tokens: R ids drawn without replacement from the model's vocabulary with its special tokens left
out (`tokens.special_ids`: the tokenizer's special tokens and its added tokens marked special), by a
CPU `torch.Generator` seeded with `seed` (`torch.randperm` over the sorted candidate ids), so the
same (model, R, seed) gives the same ids on every machine with the same torch. The sequence is

    prefix + r_1 .. r_R + r_1 .. r_R          N = len(prefix) + 2R

where prefix is what the tokenizer puts before a text (SmolLM2: nothing; BERT: [CLS]). Nothing is
appended (no [SEP]), so the second repeat is positions N - R .. N - 1, as the census defines it. In
the second repeat, position q holds the token seen at q - R; an induction head attends to the token
that followed it then, q - R + 1; a duplicate-token head to q - R itself. Drawing without
replacement keeps each token's earlier occurrence unique, so both targets are unambiguous.

Defaults R = 50, seed 0 (TransformerLens's head detector and Olsson et al. 2022 use such sequences).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..errors import AttnlabError
from .loading import LoadedModel
from .tokens import _default_special_ids
from .trace import ModelTrace

DEFAULT_LENGTH = 50  # R: tokens per repeat
DEFAULT_SEED = 0


class ProbeError(AttnlabError):
    """A probe that cannot be built for this model (too long, too short)."""


@dataclass(frozen=True)
class Probe:
    """The induction probe and the model's attention on it."""

    trace: ModelTrace  # the model's attention on token_ids
    token_ids: tuple[int, ...]  # prefix + r + r
    length: int  # R, tokens per repeat
    seed: int  # seed of the generator that drew r
    prefix: int  # tokens before the first repeat (the tokenizer's BOS / [CLS]; 0 if none)


def text_prefix(tokenizer) -> list[int]:
    """The ids the tokenizer puts before any text (BOS, [CLS]); [] when it adds none."""
    plain = tokenizer("a", add_special_tokens=False)["input_ids"]
    full = tokenizer("a")["input_ids"]
    for start in range(len(full) - len(plain) + 1):
        if full[start : start + len(plain)] == plain:
            return list(full[:start])
    return []


def probe_ids(lm: LoadedModel, length: int = DEFAULT_LENGTH, seed: int = DEFAULT_SEED) -> tuple[list[int], int]:
    """(prefix + r + r, len(prefix)) for this model; ProbeError when it cannot fit or be drawn."""
    if isinstance(length, bool) or not isinstance(length, int) or length < 2:
        raise ProbeError(f"probe length {length!r}: give a whole number of tokens, at least 2")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ProbeError(f"probe seed {seed!r}: give a whole number, 0 or more")
    prefix = text_prefix(lm.tokenizer)
    total = len(prefix) + 2 * length
    if total > lm.max_tokens:
        most = (lm.max_tokens - len(prefix)) // 2
        raise ProbeError(
            f"probe length {length}: the probe would be {total} tokens ({len(prefix)} + 2 x {length}) but "
            f"{lm.name} accepts at most {lm.max_tokens}; give --probe-length {most} or less"
        )
    vocab = min(len(lm.tokenizer), int(getattr(lm.model.config, "vocab_size", len(lm.tokenizer))))
    special = _default_special_ids(lm.tokenizer)
    pool = torch.tensor([i for i in range(vocab) if i not in special])
    if length > pool.numel():
        raise ProbeError(f"probe length {length}: {lm.name} has only {pool.numel()} non-special tokens")
    gen = torch.Generator(device="cpu").manual_seed(seed)
    drawn = pool[torch.randperm(pool.numel(), generator=gen)[:length]].tolist()
    return prefix + drawn + drawn, len(prefix)


def induction_probe(model: str | None = None, length: int = DEFAULT_LENGTH, seed: int = DEFAULT_SEED) -> Probe:
    """Run `model` (default: the registry's first decoder) on its induction probe (see the module
    docstring); returns the probe with its trace."""
    from .api import load, trace_ids
    from .registry import bundled_names

    lm = load(model if model is not None else bundled_names("decoder")[0])
    ids, prefix = probe_ids(lm, length, seed)
    trace = trace_ids(lm, [ids])[0]
    return Probe(trace=trace, token_ids=tuple(ids), length=length, seed=seed, prefix=prefix)
