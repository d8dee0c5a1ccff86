"""Labels for pieces made of bytes: each piece named by the characters it carries, whole or in part.

Byte-level BPE (SmolLM2, GPT-2, Llama 3) and SentencePiece's byte fallback cut text into bytes,
so a piece may hold only part of a character: 猫 is e7 8c ab, and SmolLM2 reads it as three pieces
e7 | 8c | ab. A piece alone cannot say which character it belongs to (e7 starts thousands of
kanji), so the labels are decoded over the whole sequence, then split back by piece:

- a character inside one piece is shown as itself ('猫', a space as '␣');
- a character spread over n pieces is shown on each of them as the character and which of those
  pieces this is: '猫1/3', '猫2/3', '猫3/3' (PART_SEPARATOR, a plain space, follows a part when
  the piece carries more: '猫3/3 が', '␣日1/3');
- bytes that form no character (a sequence cut off by truncation or a special token, or bytes
  that are not UTF-8) are shown as hex: '‹e6 9d›'.

The labels are for reading; the exact bytes stay on `Token.bytes_hex`. The same decoding gives
each piece's span in the decoded text, which maps pieces to words (`attnlab.models.segment`), and
which pieces share a character (`split_characters`, `continuation_pieces`): a piece that begins
inside a character mostly attends to that character's first piece, which readings, the census and
the words table keep apart from what the text's tokens do (docs/words.md).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from ..marks import MARKS, PART_SEPARATOR, hex_group, mark_text, part_label, utf8_chars
from ..trace import Token

BARRIER = "\n"  # stands in the decoded text for a piece without bytes (a special token)


@dataclass(frozen=True)
class ByteLabels:
    """Byte pieces decoded over the whole sequence."""

    labels: tuple[str | None, ...]  # per piece: the label; None for a piece without bytes
    text: str  # the decoded text: one character per character entry, U+FFFD per stray byte, BARRIER per barrier
    spans: tuple[tuple[int, int] | None, ...]  # per piece: first and last non-space character in `text`
    space_first: tuple[bool, ...]  # per piece: it begins with a whole space or control character


def label_byte_pieces(chunks: Sequence[bytes | None]) -> ByteLabels:
    """Labels (rules in the module docstring) for pieces given as their bytes.

    chunks: per piece its bytes, or None for a piece that stands for no bytes (a special token):
    bytes never join across it, so a character cut by it shows as hex.
    """
    labels: list[str | None] = [None] * len(chunks)
    spans: list[tuple[int, int] | None] = [None] * len(chunks)
    space_first = [False] * len(chunks)
    text: list[str] = []
    start = 0
    while start < len(chunks):
        if chunks[start] is None:
            text.append(BARRIER)
            start += 1
            continue
        stop = start
        while stop < len(chunks) and chunks[stop] is not None:
            stop += 1
        _label_run(chunks, start, stop, labels, spans, space_first, text)
        start = stop
    return ByteLabels(tuple(labels), "".join(text), tuple(spans), tuple(space_first))


def _label_run(chunks, start, stop, labels, spans, space_first, text) -> None:
    """Fill the outputs for pieces start..stop-1, one run of byte pieces between barriers."""
    run = [chunks[p] for p in range(start, stop)]
    bounds = [0]  # bounds[k]: offset of piece start + k in the run's bytes
    for chunk in run:
        bounds.append(bounds[-1] + len(chunk))
    items: list[list[tuple[str, object]]] = [[] for _ in run]  # per piece: ("text" | "part" | "hex", ...)
    data = b"".join(run)
    for begin, end, ch in utf8_chars(data):
        index = len(text)
        text.append(ch if ch is not None else "\ufffd")
        holders = [k for k in range(_piece_at(bounds, begin), _piece_at(bounds, end - 1) + 1) if run[k]]
        for n, k in enumerate(holders, start=1):
            if ch is None:
                items[k].append(("hex", data[begin:end]))
            elif len(holders) == 1:
                items[k].append(("text", mark_text(ch)))
            else:
                items[k].append(("part", part_label(ch, n, len(holders))))
            if ch is None or not ch.isspace():
                first = spans[start + k][0] if spans[start + k] else index
                spans[start + k] = (first, index)
        if ch in MARKS and begin == bounds[holders[0]]:
            space_first[start + holders[0]] = not items[holders[0]][:-1]
    for k, piece_items in enumerate(items):
        labels[start + k] = _render(piece_items)


def _piece_at(bounds: list[int], offset: int) -> int:
    """Index of the piece holding byte `offset` of the run (the last one, for empty pieces)."""
    return bisect.bisect_right(bounds, offset) - 1


def _render(items: list[tuple[str, object]]) -> str:
    """One piece's label: texts joined, stray bytes as one hex group, a separator after a part."""
    out: list[str] = []
    stray = b""
    for n, (kind, value) in enumerate(items):
        if kind == "hex":
            stray += value  # type: ignore[operator]
            continue
        out.append(hex_group(stray))
        stray = b""
        out.append(str(value))
        if kind == "part" and n + 1 < len(items):
            out.append(PART_SEPARATOR)
    out.append(hex_group(stray))
    return "".join(out)


def split_characters(chunks: Sequence[bytes | None]) -> list[tuple[int, ...]]:
    """The pieces of each character whose bytes are spread over two pieces or more, in order: a
    tuple of piece indices per such character ('猫1/3' '猫2/3' '猫3/3' -> (k, k+1, k+2)).

    chunks: per piece its bytes, or None for a piece without bytes (bytes never join across it).
    """
    groups: list[tuple[int, ...]] = []
    start = 0
    while start < len(chunks):
        if chunks[start] is None:
            start += 1
            continue
        stop = start
        while stop < len(chunks) and chunks[stop] is not None:
            stop += 1
        run = [chunks[p] for p in range(start, stop)]
        bounds = [0]
        for chunk in run:
            bounds.append(bounds[-1] + len(chunk))  # type: ignore[arg-type]
        for begin, end, ch in utf8_chars(b"".join(run)):  # type: ignore[arg-type]
            if ch is None:
                continue
            holders = [k for k in range(_piece_at(bounds, begin), _piece_at(bounds, end - 1) + 1) if run[k]]
            if len(holders) > 1:
                groups.append(tuple(start + k for k in holders))
        start = stop
    return groups


def continuation_pieces(chunks: Sequence[bytes | None]) -> frozenset[int]:
    """Pieces that begin inside a character started by an earlier piece ('猫2/3', '猫3/3 が1/2'): their
    attention mostly assembles that character, which is not evidence of anything about the text."""
    return frozenset(p for group in split_characters(chunks) for p in group[1:])


def token_chunks(tokens: Sequence[Token]) -> list[bytes | None]:
    """Per token its exact bytes (`Token.bytes_hex`), None for a token that is not a byte piece."""
    return [bytes.fromhex(t.bytes_hex) if t.bytes_hex is not None else None for t in tokens]
