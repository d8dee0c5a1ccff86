"""Japanese words: where a word starts in text without spaces, from a morphological analyser.

English shows its words by spaces; Japanese does not (猫が窓辺で静かに眠っている is one run of
characters), so the word a piece belongs to comes from SudachiPy with its core dictionary, in
split mode B (middle units: 窓辺, 日本語, 図書館 stay whole; 眠っ / て / いる are three words).
Why SudachiPy rather than fugashi + unidic-lite or Janome: docs/words.md (measured there).

Pieces map to words by character offsets in the text (`refine_word_starts`):
- a piece that carries a character of the same Japanese word as the piece before it continues
  that word, whatever else says (BERT splits every kanji into a word of its own);
- a piece that starts a Japanese word, or follows one that ended, starts a new word;
- a piece that carries characters of two words joins them into one: a piece is never split, so
  a piece 'で静' followed by 'か' makes the one word で静か;
- everything else (English, numbers, emoji) keeps the rule of spaces and word pieces.
A "Japanese word" is one that holds kana, kanji, Japanese punctuation or full-width forms.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from ..errors import AttnlabError

# kana, CJK symbols and punctuation, half- and full-width forms, CJK ideographs (with extension A,
# compatibility ideographs and the supplementary planes)
JAPANESE = re.compile(
    "[\u3000-\u303f\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
    "\U00020000-\U0003134f]"
)
_MAX_CHARS = 8_000  # SudachiPy refuses more than 49,149 bytes at once; 8,000 characters are at most 32,000


def has_japanese(text: str) -> bool:
    """True when `text` holds a Japanese character (the analyser is only loaded for such text)."""
    return JAPANESE.search(text) is not None


@lru_cache(maxsize=1)
def _analyser() -> tuple[Any, Any]:
    """SudachiPy's tokenizer over the installed core dictionary (loaded once: ~50 ms, offline)."""
    try:
        from sudachipy import Dictionary, SplitMode

        dictionary = Dictionary(dict="core")
    except Exception as e:  # not installed, or the dictionary package is missing
        raise AttnlabError(
            f"Japanese words need SudachiPy and its core dictionary ({e}); "
            "install them with: pip install 'attnlab[models]'"
        ) from e
    make = getattr(dictionary, "tokenizer", None) or dictionary.create  # 0.7 deprecates create()
    return make(), SplitMode.B


def japanese_words(text: str) -> list[tuple[int, int]]:
    """The analyser's words as character spans [start, end) of `text`, spaces left out.

    >>> [ "猫が窓辺で"[a:b] for a, b in japanese_words("猫が窓辺で")]
    ['猫', 'が', '窓辺', 'で']
    """
    tokenizer, mode = _analyser()
    spans = []
    for offset, chunk in _chunks(text):
        for m in tokenizer.tokenize(chunk, mode):
            if m.surface().strip():
                spans.append((offset + m.begin(), offset + m.end()))
    return spans


def _chunks(text: str, limit: int = _MAX_CHARS) -> list[tuple[int, str]]:
    """`text` cut into (offset, chunk) of at most `limit` characters, after a line break, a
    sentence end or a space where there is one (the analyser's input has a size limit)."""
    out, start = [], 0
    while len(text) - start > limit:
        window = text[start : start + limit]
        cut = max(window.rfind(c) for c in "\n。！？.!? \u3000") + 1
        cut = cut if cut > 0 else limit
        out.append((start, window[:cut]))
        start += cut
    out.append((start, text[start:]))
    return out


def refine_word_starts(text: str, spans: Sequence[tuple[int, int] | None], starts: Sequence[bool]) -> list[bool]:
    """Word starts with Japanese words from the analyser (rules in the module docstring).

    Args:
        text: the text the pieces spell (the input text, or the pieces' bytes decoded).
        spans: per piece, the first and last non-space character it carries (inclusive offsets in
            `text`); None for a piece that carries none (a special token, a lone space).
        starts: per piece, whether it starts a word by the rules for spaced text.

    Returns:
        Per piece, whether it starts a word. Unchanged when `text` has no Japanese character.
    """
    if len(spans) != len(starts):
        raise AttnlabError(f"spans has {len(spans)} entries but starts has {len(starts)}")
    out = list(starts)
    if not has_japanese(text):
        return out
    word_of = [-1] * len(text)  # per character: index of its Japanese word, -1 outside one
    begins = set()
    for w, (a, b) in enumerate(japanese_words(text)):
        if JAPANESE.search(text, a, b):
            word_of[a:b] = [w] * (b - a)
            begins.add(a)
    for pos, span in enumerate(spans):
        before = spans[pos - 1] if pos > 0 else None
        if span is None:
            continue
        last_before = word_of[before[1]] if before is not None else -1
        if last_before >= 0 and last_before == word_of[span[0]]:
            out[pos] = False  # same Japanese word as the piece before (or a character split between them)
        elif span[0] in begins or last_before >= 0:
            out[pos] = True  # a Japanese word starts here, or the one before ended
    return out
