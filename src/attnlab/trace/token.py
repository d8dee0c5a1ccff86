"""Token: one position of a trace's sequence, as a person reads it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Token:
    """One position of the sequence, as a person reads it."""

    text: str  # the display text (a real model's piece decoded to readable characters)
    id: int | None = None  # tokenizer id; None for toy tokens
    special: bool = False  # [CLS], <|im_start|>, ...: drawn with a mark
    word: int | None = None  # index of the word this piece belongs to (None: not part of a word)
    bytes_hex: str | None = None  # exact bytes of a byte piece, hex ('e78c'); None: WordPiece, special, toy


def unique_labels(texts: list[str]) -> list[str]:
    """The texts as they are when all differ; else "pos:text" for every one, so repeats never merge."""
    if len(set(texts)) == len(texts):
        return list(texts)
    return [f"{i}:{t}" for i, t in enumerate(texts)]
