"""Tokens a person can read: tokenizer pieces shown as the characters they spell, grouped into words.

Tokenizers store pieces in forms made for machines: byte-level BPE (GPT-2, Llama 3, SmolLM2) spells
every byte as a printable stand-in ('Ġhello' is ' hello', 'æĿ' is the bytes e6 9d), SentencePiece
writes a space as '▁' and unknown characters as byte pieces '<0xE6>', WordPiece (BERT) drops spaces
and marks word continuations with '##'. `display_tokens` undoes all of that:

- **Spaces and control characters** get a visible mark, because a leading space is what tells a word
  start from a word piece: every space is shown as SPACE_MARK ('␣'), a newline as '↵', a tab as
  '⇥', other control characters as their Unicode control picture (U+2400 + code, e.g. '␍').
- **Partial characters.** A Japanese character or an emoji is 3-4 UTF-8 bytes, and byte-level BPE
  often splits them over pieces (東 = e6 9d | b1). Rule: the piece that *completes* a character
  shows the whole character; a piece holding only its first bytes shows those bytes as '‹e6 9d›'
  (BYTES_OPEN, hex, BYTES_CLOSE). So no piece ever prints mojibake or U+FFFD, and dropping the
  '‹..›' groups from the joined pieces gives back the text exactly (see `plain_text`).
- **Special tokens** ([CLS], <|im_start|>) keep their text and get `special=True`.
- **WordPiece** pieces lose their '##'; the spaces BERT threw away are restored from the character
  offsets when given (a fast tokenizer's `return_offsets_mapping=True`), otherwise guessed.
  Uncased models (MiniLM) see lower-cased, accent-stripped text: 'です' reaches the model as
  'て' '##す', and the display shows exactly that, since it is what the attention was computed on.

Words (`Token.word`): consecutive pieces of one word share an index, counted from 0 over the
sequence; a special token is a word of its own. The tokenizer's own `word_ids()` decide when
given; otherwise a word starts at a piece with a leading space (BPE, SentencePiece), at a piece
without '##' (WordPiece), and after a special token. Mark characters that occur in the input
text itself ('␣' typed by the user) are shown as they are and read back as marks.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from ..errors import AttnlabError
from ..marks import BYTES_CLOSE, BYTES_OPEN, MARKS, SPACE_MARK, mark_text, unmark_text
from ..trace import Token

_BYTE_PIECE = re.compile(r"<0x([0-9A-Fa-f]{2})>")  # SentencePiece byte fallback

_MARK_CHARS = frozenset(MARKS.values())

__all__ = ["display_tokens", "piece_scheme", "plain_text"]


def plain_text(tokens: Iterable[Token], *, skip_special: bool = True) -> str:
    """The text the displayed pieces spell: joined, '‹..›' byte groups dropped, marks undone.

    This is the inverse `display_tokens` promises: for text the tokenizer keeps intact (byte-level
    BPE keeps everything), plain_text(display_tokens(tok, tok(text).input_ids)) == text.
    """
    return unmark_text("".join(t.text for t in tokens if not (skip_special and t.special)))


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


class _Utf8Stream:
    """Decodes pieces' bytes in order; characters split over pieces appear on the completing piece."""

    def __init__(self) -> None:
        self.pending = b""  # first bytes of a character, already shown as '‹..›' by earlier pieces

    def reset(self) -> None:
        self.pending = b""

    def feed(self, new: bytes) -> str:
        data, shown = self.pending + new, len(self.pending)
        out, i = [], 0
        while i < len(data):
            n = _utf8_length(data[i])
            chunk = data[i : i + n]
            if n > len(chunk) and all(0x80 <= c < 0xC0 for c in chunk[1:]):  # character goes on
                self.pending = chunk
                out.append(_hex(data[max(i, shown) :]))
                return "".join(out)
            try:
                ch = chunk.decode("utf-8") if n else None
            except UnicodeDecodeError:
                ch = None
            if ch is None:  # a byte that starts no valid character: show it (once) as hex
                if i >= shown:
                    out.append(_hex(data[i : i + 1]))
                i += 1
            else:
                out.append(mark_text(ch))
                i += n
        self.pending = b""
        return "".join(out)


def _utf8_length(lead: int) -> int:
    """Bytes in the UTF-8 sequence that starts with `lead`; 0 for a byte that cannot start one."""
    if lead < 0x80:
        return 1
    if 0xC2 <= lead < 0xE0:
        return 2
    if 0xE0 <= lead < 0xF0:
        return 3
    if 0xF0 <= lead < 0xF5:
        return 4
    return 0


def _hex(data: bytes) -> str:
    return f"{BYTES_OPEN}{data.hex(' ')}{BYTES_CLOSE}" if data else ""


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
            show the spaces between words exactly (without them it guesses).

    Returns:
        One Token per id: text (marks as documented), id, special, word (index from 0).
    """
    ids = [int(i) for i in ids]
    if offsets is not None and len(offsets) != len(ids):
        raise AttnlabError(f"offsets has {len(offsets)} entries but there are {len(ids)} ids")
    scheme = piece_scheme(tokenizer)
    special = set(special_ids) if special_ids is not None else _default_special_ids(tokenizer)
    pieces = tokenizer.convert_ids_to_tokens(ids)
    added = getattr(tokenizer, "added_tokens_decoder", None) or {}
    stream, texts, starts, last_end = _Utf8Stream(), [], [], 0
    for pos, (tid, piece) in enumerate(zip(ids, pieces, strict=True)):
        if tid in special or tid in added or piece is None:
            stream.reset()  # bytes left pending before a special token never complete
            shown = str(piece) if tid in special else mark_text(_added_text(added, tid, piece))
            texts.append(shown)
            starts.append(True)
            if offsets is not None and offsets[pos][1] > offsets[pos][0]:  # [UNK] stands for real text
                last_end = offsets[pos][1]
        elif scheme in ("byte_bpe", "sentencepiece"):
            mid_char = bool(stream.pending)
            texts.append(stream.feed(_piece_bytes(piece, scheme)))
            starts.append(not mid_char and texts[-1][:1] in _MARK_CHARS)
        elif scheme == "wordpiece":
            shown, start, last_end = _wordpiece(tokenizer, pos, piece, texts, text, offsets, last_end)
            texts.append(shown)
            starts.append(start)
        else:  # unknown scheme: the tokenizer's own decoding, or the raw piece where that is partial
            decoded = tokenizer.decode([tid])
            texts.append(mark_text(decoded if "\ufffd" not in decoded else str(piece)))
            starts.append(texts[-1][:1] in _MARK_CHARS)
    words = _word_index(ids, texts, starts, special, word_ids)
    return tuple(
        Token(text=t, id=i, special=i in special, word=w) for t, i, w in zip(texts, ids, words, strict=True)
    )


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


def _word_index(
    ids: list[int],
    texts: list[str],
    starts: list[bool],
    special: set[int],
    word_ids: Sequence[int | None] | None,
) -> list[int]:
    """Word index per position: a new word at a word start, at and after every special token."""
    if word_ids is not None and len(word_ids) != len(ids):
        raise AttnlabError(f"word_ids has {len(word_ids)} entries but there are {len(ids)} ids")
    words, current = [], -1
    for pos, tid in enumerate(ids):
        after_special = pos > 0 and ids[pos - 1] in special
        if word_ids is not None:
            new = pos == 0 or word_ids[pos] is None or word_ids[pos] != word_ids[pos - 1]
        else:
            ends_blank = pos > 0 and texts[pos - 1][-1:] in _MARK_CHARS
            new = pos == 0 or starts[pos] or ends_blank
        if new or tid in special or after_special:
            current += 1
        words.append(current)
    return words
