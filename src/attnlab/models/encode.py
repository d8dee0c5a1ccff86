"""Text as a model reads it: checked, tokenized (within the model's limit), and shown as readable tokens.

The tokenizer is shared by every thread that uses the model, and a fast tokenizer's truncation setting
is state of the tokenizer object (Rust refuses, "Already borrowed", a call while another changes it):
every call goes through `tokenizing`, one at a time.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..checks import check_text, describe
from ..errors import AttnlabError
from ..i18n import Msg, tr_error
from ..trace import Token
from .loading import LoadedModel
from .tokens import display_tokens

tokenizing = threading.RLock()  # held while a tokenizer runs
# From these sizes the work takes seconds on a CPU: say what is running (see attnlab.progress).
LONG_FORWARD_TOKENS = 2048
LONG_GENERATION = 16


class EmptyTextError(AttnlabError):
    """Empty or whitespace-only text."""


class TooLongError(AttnlabError):
    """More tokens than the model accepts, and truncation was not asked for."""


@dataclass(frozen=True)
class Encoded:
    """A text as the model reads it."""

    text: str  # the text given
    ids: list[int]  # token ids, with the model's special tokens
    offsets: list[tuple[int, int]] | None  # character span of each token in `text` (fast tokenizers)
    cut: int  # tokens cut from the end (truncate=True); 0: none


def encode(lm: LoadedModel, text: str, *, truncate: bool = False, reserve: int = 0) -> Encoded:
    """`text` tokenized; too long raises TooLongError unless truncate (reserve: room for generated tokens)."""
    check_text_arg(text, "the text")
    if not text.strip():
        raise tr_error(EmptyTextError, "err_empty_text")
    limit = lm.max_tokens - reserve
    whole = _encoded(lm, text, {})  # with offsets: no second pass when the text fits
    if len(whole.ids) <= limit:
        return whole
    n = len(whole.ids)
    room_for_text = limit >= lm.tokenizer.num_special_tokens_to_add() + 1
    if reserve and not room_for_text:
        raise tr_error(TooLongError, "err_no_room", n=n, reserve=reserve, model=lm.name, limit=lm.max_tokens)
    if not truncate:
        room = Msg("err_room_generating", {"reserve": reserve}) if reserve else ""
        raise tr_error(TooLongError, "err_too_long", fix="fix_truncate_or_fewer" if reserve else "fix_truncate",
                       n=n, model=lm.name, limit=limit, room=room)
    enc = _encoded(lm, text, {"truncation": True, "max_length": limit})
    return Encoded(text, enc.ids, enc.offsets, n - len(enc.ids))


def _encoded(lm: LoadedModel, text: str, options: dict) -> Encoded:
    fast = getattr(lm.tokenizer, "is_fast", False)
    with tokenizing:  # the truncation options are set on the shared tokenizer for this call
        out = lm.tokenizer(text, verbose=False, return_offsets_mapping=fast, **options)
    offsets = [tuple(o) for o in out["offset_mapping"]] if fast else None
    return Encoded(text, list(out["input_ids"]), offsets, 0)


def check_text_arg(text: object, what: str) -> None:
    """AttnlabError unless `text` is a str that can be written as UTF-8 (see attnlab.checks.check_text)."""
    if not isinstance(text, str):
        raise AttnlabError(f"{what} must be a string, got {describe(text)}")
    check_text(text, what)


def encode_target(lm: LoadedModel, text: str) -> Encoded:
    """The target text as the decoder reads it (`tokenizer(text_target=...)`); TooLongError past the limit."""
    if not text.strip():
        raise EmptyTextError("the target text is empty: give a sentence with at least one non-space character")
    fast = getattr(lm.tokenizer, "is_fast", False)
    with tokenizing:
        out = lm.tokenizer(text_target=text, verbose=False, return_offsets_mapping=fast)
    ids = list(out["input_ids"])
    if len(ids) + 1 > lm.max_tokens:
        raise TooLongError(f"the target text is {len(ids)} tokens but {lm.name}'s decoder accepts at most "
                           f"{lm.max_tokens - 1} after its start token: give a shorter target")
    offsets = [tuple(o) for o in out["offset_mapping"]] if fast and "offset_mapping" in out else None
    return Encoded(text, ids, offsets, 0)


def tokens_of(
    lm: LoadedModel, ids: Sequence[int], src: Encoded | None, prompt_len: int | None = None
) -> tuple[Token, ...]:
    """Readable tokens; the source text's offsets cover its own tokens (not generated ones after it).

    Generated tokens (from prompt_len on) are each a word of their own: they were produced one at a
    time, so none belongs to the prompt's last word or joins its neighbours.
    """
    with tokenizing:
        if src is None or src.offsets is None or len(src.offsets) != len(ids):
            tokens = display_tokens(lm.tokenizer, ids)
        else:
            tokens = display_tokens(lm.tokenizer, ids, text=src.text, offsets=src.offsets)
    if prompt_len is None or prompt_len >= len(tokens):
        return tokens
    first = tokens[prompt_len - 1].word + 1 if prompt_len else 0
    return tokens[:prompt_len] + tuple(replace(t, word=first + i) for i, t in enumerate(tokens[prompt_len:]))
