"""Tokens a person can read: tokenizer pieces shown as the characters they spell, grouped into words.

Tokenizers store pieces in forms made for machines: byte-level BPE (GPT-2, Llama 3, SmolLM2) spells
every byte as a printable stand-in ('Ġhello' is ' hello', 'æĿ' is the bytes e6 9d), SentencePiece
writes a space as '▁' and unknown characters as byte pieces '<0xE6>', WordPiece (BERT) drops spaces
and marks word continuations with '##'. `display_tokens` undoes all of that:

- **Spaces and control characters** get a visible mark, because a leading space is what tells a word
  start from a word piece: every space is shown as SPACE_MARK ('␣'), a newline as '↵', a tab as
  '⇥', other control characters as their Unicode control picture (U+2400 + code, e.g. '␍').
- **Partial characters.** A Japanese character or an emoji is 3-4 UTF-8 bytes, and byte-level BPE
  often splits them over pieces (猫 = e7 | 8c | ab in SmolLM2). Each piece is labelled by the
  character it carries a part of and which part: '猫1/3', '猫2/3', '猫3/3'; a piece with the end
  of one character and more after it reads '猫3/3 が' (PART_SEPARATOR after a part). The labels
  are decoded over the whole sequence (a first piece alone cannot tell which character it starts;
  `attnlab.models.chars`). Bytes that form no character (cut off by truncation or a special
  token) show as hex '‹e6 9d›'. No piece ever prints mojibake or U+FFFD, and the exact bytes stay
  on `Token.bytes_hex`, from which `plain_text` gives back the text exactly.
- **Special tokens** ([CLS], <|im_start|>) keep their text and get `special=True`.
- **WordPiece** pieces lose their '##'; the spaces BERT threw away are restored from the character
  offsets when given (a fast tokenizer's `return_offsets_mapping=True`), otherwise guessed.
  Uncased models (MiniLM) see lower-cased, accent-stripped text: 'です' reaches the model as
  'て' '##す', and the display shows exactly that, since it is what the attention was computed on.

Words (`Token.word`): consecutive pieces of one word share an index, counted from 0 over the
sequence; a special token is a word of its own. The tokenizer's own `word_ids()` decide when
given; otherwise a word starts at a piece with a leading space (BPE, SentencePiece), at a piece
without '##' (WordPiece), and after a special token. Japanese has no spaces: in text with kana or
kanji, a morphological analyser finds the words and pieces map to them by character offsets
(`attnlab.models.segment`; an [UNK] standing for part of a Japanese word joins that word).
Mark characters that occur in WordPiece input text ('␣' typed by the user) are shown as they are
and read back as marks; byte pieces read back from their bytes.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..errors import AttnlabError
from ..marks import MARKS, SPACE_MARK, mark_text, unmark_text
from ..trace import Token
from .chars import BARRIER, label_byte_pieces
from .segment import refine_word_starts

_BYTE_PIECE = re.compile(r"<0x([0-9A-Fa-f]{2})>")  # SentencePiece byte fallback

_MARK_CHARS = frozenset(MARKS.values())

__all__ = ["display_tokens", "piece_scheme", "plain_text"]


def plain_text(tokens: Iterable[Token], *, skip_special: bool = True) -> str:
    """The text the pieces spell: byte pieces from their exact bytes, others from their labels
    with the marks undone; bytes that form no character are dropped.

    This is the inverse `display_tokens` promises: for text the tokenizer keeps intact (byte-level
    BPE keeps everything), plain_text(display_tokens(tok, tok(text).input_ids)) == text.
    """
    out, pending = [], b""
    for t in tokens:
        if t.bytes_hex is not None:
            pending += bytes.fromhex(t.bytes_hex)
            continue
        out.append(pending.decode("utf-8", errors="ignore"))  # a special token ends a run of bytes
        pending = b""
        if not (skip_special and t.special):
            out.append(unmark_text(t.text))
    out.append(pending.decode("utf-8", errors="ignore"))
    return "".join(out)


@lru_cache(maxsize=1)
def _byte_decoder() -> dict[str, int]:
    """GPT-2's printable stand-in for each byte, inverted (the `bytes_to_unicode` table)."""
    printable = [*range(0x21, 0x7F), *range(0xA1, 0xAD), *range(0xAE, 0x100)]  # bytes shown as themselves
    codes, extra = list(printable), 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            codes.append(256 + extra)
            extra += 1
    return {chr(c): b for b, c in zip(printable, codes, strict=True)}


def piece_scheme(tokenizer: Any) -> str:
    """How the tokenizer spells pieces: 'byte_bpe', 'sentencepiece', 'wordpiece' or 'plain'.

    Read from the fast tokenizer's decoder (the part that turns pieces back into text).
    """
    backend = getattr(tokenizer, "backend_tokenizer", None)
    decoder = getattr(backend, "decoder", None)
    state = decoder.__getstate__() if decoder is not None else b""
    state = state.decode() if isinstance(state, bytes) else str(state)
    if '"ByteLevel"' in state:
        return "byte_bpe"
    if '"WordPiece"' in state or type(getattr(backend, "model", None)).__name__ == "WordPiece":
        return "wordpiece"
    if "Metaspace" in state or "ByteFallback" in state or "\u2581" in state:
        return "sentencepiece"
    return "plain"


def _piece_bytes(piece: str, scheme: str) -> bytes:
    """The bytes a byte-level BPE or SentencePiece piece stands for."""
    if scheme == "byte_bpe":
        table = _byte_decoder()
        if all(ch in table for ch in piece):
            return bytes(table[ch] for ch in piece)
        return piece.encode("utf-8")  # not byte-mapped (e.g. an added token's plain text)
    byte = _BYTE_PIECE.fullmatch(piece)
    if byte:
        return bytes([int(byte.group(1), 16)])
    return piece.replace("\u2581", " ").encode("utf-8")


def _default_special_ids(tokenizer: Any) -> set[int]:
    ids = set(getattr(tokenizer, "all_special_ids", ()) or ())
    for i, added in (getattr(tokenizer, "added_tokens_decoder", None) or {}).items():
        if getattr(added, "special", False):
            ids.add(int(i))
    return ids


def display_tokens(
    tokenizer: Any,
    ids: Sequence[int],
    *,
    special_ids: Iterable[int] | None = None,
    word_ids: Sequence[int | None] | None = None,
    text: str | None = None,
    offsets: Sequence[tuple[int, int]] | None = None,
) -> tuple[Token, ...]:
    """The pieces of `ids` as a person reads them (rules in the module docstring).

    Args:
        tokenizer: a Hugging Face tokenizer (fast ones give the best result; its decoder tells the scheme).
        ids: token ids of one sequence (a list or a 1-d tensor).
        special_ids: ids to mark as special; default the tokenizer's special and special added tokens.
        word_ids: the encoding's `word_ids()` (None for special tokens); default: from the pieces.
        text, offsets: the input text and the encoding's `offset_mapping`; WordPiece uses them to
            show the spaces between words exactly (without them it guesses) and to find words.

    Returns:
        One Token per id: text (marks as documented), id, special, word (index from 0), bytes_hex.
    """
    ids = [int(i) for i in ids]
    if offsets is not None and len(offsets) != len(ids):
        raise AttnlabError(f"offsets has {len(offsets)} entries but there are {len(ids)} ids")
    scheme = piece_scheme(tokenizer)
    special = set(special_ids) if special_ids is not None else _default_special_ids(tokenizer)
    pieces = tokenizer.convert_ids_to_tokens(ids)
    if scheme in ("byte_bpe", "sentencepiece"):
        shown = _byte_pieces(tokenizer, ids, pieces, scheme, special)
    else:
        shown = _text_pieces(tokenizer, ids, pieces, scheme, special, text, offsets)
    starts = _word_starts(ids, shown.texts, shown.starts, special, word_ids)
    starts = refine_word_starts(shown.text, shown.spans, starts)
    words = list(itertools.accumulate(int(s) for s in starts))
    return tuple(
        Token(text=t, id=i, special=i in special, word=w - 1, bytes_hex=b.hex() if b is not None else None)
        for t, i, w, b in zip(shown.texts, ids, words, shown.chunks, strict=True)
    )


@dataclass(frozen=True)
class _Shown:
    """How the pieces of one sequence are shown, and what they spell (to find words)."""

    texts: list[str]  # per piece: its label
    starts: list[bool]  # per piece: starts a word by the rules for spaced text
    chunks: list[bytes | None]  # per piece: its exact bytes (byte schemes); None: text, not bytes
    text: str  # the text the pieces spell: the input text, or their bytes decoded
    spans: list[tuple[int, int] | None]  # per piece: first and last non-space character it carries in `text`


def _byte_pieces(tokenizer: Any, ids: list[int], pieces: list, scheme: str, special: set[int]) -> _Shown:
    """Byte-level BPE and SentencePiece: labels decoded over the whole sequence (models/chars.py)."""
    added = getattr(tokenizer, "added_tokens_decoder", None) or {}
    chunks: list[bytes | None] = []
    for tid, piece in zip(ids, pieces, strict=True):
        if tid in special or piece is None:
            chunks.append(None)  # bytes pending before a special token never complete
        elif tid in added:
            chunks.append(_added_text(added, tid, piece).encode("utf-8"))
        else:
            chunks.append(_piece_bytes(piece, scheme))
    decoded = label_byte_pieces(chunks)
    texts, starts = [], []
    for pos, (tid, piece) in enumerate(zip(ids, pieces, strict=True)):
        label = decoded.labels[pos]
        if label is None:
            label = str(piece) if tid in special else mark_text(_added_text(added, tid, piece))
        texts.append(label)
        starts.append(decoded.labels[pos] is None or tid in added or decoded.space_first[pos])
    return _Shown(texts, starts, chunks, decoded.text, list(decoded.spans))


def _text_pieces(
    tokenizer: Any,
    ids: list[int],
    pieces: list,
    scheme: str,
    special: set[int],
    text: str | None,
    offsets: Sequence[tuple[int, int]] | None,
) -> _Shown:
    """WordPiece and unknown schemes: pieces that are text, not bytes."""
    added = getattr(tokenizer, "added_tokens_decoder", None) or {}
    texts, starts, last_end = [], [], 0
    for pos, (tid, piece) in enumerate(zip(ids, pieces, strict=True)):
        if tid in special or tid in added or piece is None:
            shown = str(piece) if tid in special else mark_text(_added_text(added, tid, piece))
            texts.append(shown)
            starts.append(True)
            if offsets is not None and offsets[pos][1] > offsets[pos][0]:  # [UNK] stands for real text
                last_end = offsets[pos][1]
        elif scheme == "wordpiece":
            shown, start, last_end = _wordpiece(tokenizer, pos, piece, texts, text, offsets, last_end)
            texts.append(shown)
            starts.append(start)
        else:  # unknown scheme: the tokenizer's own decoding, or the raw piece where that is partial
            decoded = tokenizer.decode([tid])
            texts.append(mark_text(decoded if "\ufffd" not in decoded else str(piece)))
            starts.append(texts[-1][:1] in _MARK_CHARS)
    spelled, spans = _text_spans(texts, ids, special, text, offsets)
    return _Shown(texts, starts, [None] * len(ids), spelled, spans)


def _text_spans(
    texts: list[str],
    ids: list[int],
    special: set[int],
    text: str | None,
    offsets: Sequence[tuple[int, int]] | None,
) -> tuple[str, list[tuple[int, int] | None]]:
    """The text text-pieces spell and each piece's non-space characters in it: from the input
    text and offsets when given (an [UNK] then covers its characters), else from the labels."""
    if text is not None and offsets is not None:
        return text, [_content(text, a, b) for a, b in offsets]
    parts, spans, at = [], [], 0
    for tid, shown in zip(ids, texts, strict=True):
        plain = BARRIER if tid in special else unmark_text(shown)
        span = None if tid in special else _content(plain, 0, len(plain))
        spans.append(None if span is None else (at + span[0], at + span[1]))
        parts.append(plain)
        at += len(plain)
    return "".join(parts), spans


def _content(text: str, start: int, end: int) -> tuple[int, int] | None:
    """First and last non-space character of text[start:end] (inclusive), None when there is none."""
    inside = [i for i in range(start, min(end, len(text))) if not text[i].isspace()]
    return (inside[0], inside[-1]) if inside else None


def _added_text(added: dict, tid: int, piece: Any) -> str:
    token = added.get(tid)
    return str(getattr(token, "content", piece if piece is not None else f"<id {tid}>"))


def _wordpiece(
    tokenizer: Any,
    pos: int,
    piece: str,
    texts: list[str],
    text: str | None,
    offsets: Sequence[tuple[int, int]] | None,
    last_end: int,
) -> tuple[str, bool, int]:
    """(display, starts a word, end offset so far) of one WordPiece piece."""
    prefix = getattr(getattr(tokenizer, "backend_tokenizer", None), "model", None)
    prefix = getattr(prefix, "continuing_subword_prefix", None) or "##"
    if piece.startswith(prefix):
        end = offsets[pos][1] if offsets is not None else last_end
        return piece[len(prefix) :], False, end
    if text is not None and offsets is not None:
        start, end = offsets[pos]
        gap = "".join(ch for ch in text[last_end:start] if ch.isspace())
        return mark_text(gap) + piece, True, end
    previous = texts[-1] if texts else ""
    return (SPACE_MARK if _guess_space(previous, piece) else "") + piece, True, last_end


def _guess_space(previous: str, piece: str) -> bool:
    """Without offsets: was there a space before this word? Guessed as in English and Japanese
    prose: none at the start or after a special token, none before closing punctuation or after
    opening punctuation, none between two wide (CJK) characters; a space otherwise."""
    if not previous or (previous.startswith("[") and previous.endswith("]")):
        return False
    first, last = unicodedata.category(piece[0]), unicodedata.category(previous[-1])
    if (first.startswith("P") and first not in ("Ps", "Pi")) or last in ("Ps", "Pi"):
        return False
    return not (_wide(piece[0]) and _wide(previous[-1]))


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _word_starts(
    ids: list[int],
    texts: list[str],
    starts: list[bool],
    special: set[int],
    word_ids: Sequence[int | None] | None,
) -> list[bool]:
    """Per position, whether a word starts there: at a word start, at and after every special token."""
    if word_ids is not None and len(word_ids) != len(ids):
        raise AttnlabError(f"word_ids has {len(word_ids)} entries but there are {len(ids)} ids")
    out = []
    for pos, tid in enumerate(ids):
        after_special = pos > 0 and ids[pos - 1] in special
        if word_ids is not None:
            new = pos == 0 or word_ids[pos] is None or word_ids[pos] != word_ids[pos - 1]
        else:
            ends_blank = pos > 0 and texts[pos - 1][-1:] in _MARK_CHARS
            new = pos == 0 or starts[pos] or ends_blank
        out.append(new or tid in special or after_special)
    return out
