"""Japanese words from SudachiPy, and how pieces map to them by character offsets.

These load the analyser (its core dictionary, ~50 ms) but no model.
"""

from __future__ import annotations

import itertools

import pytest

from attnlab.errors import AttnlabError
from attnlab.models.segment import _chunks, has_japanese, japanese_words, refine_word_starts

EXAMPLE = "猫が窓辺で静かに眠っている"
EXAMPLE_WORDS = ["猫", "が", "窓辺", "で", "静か", "に", "眠っ", "て", "いる"]


def words(text):
    return [text[a:b] for a, b in japanese_words(text)]


def test_the_example_sentence():
    assert words(EXAMPLE) == EXAMPLE_WORDS
    assert words("東京は美しい街です。") == ["東京", "は", "美しい", "街", "です", "。"]


def test_mixed_text_keeps_english_words_and_drops_spaces():
    assert words("私はPythonでAttentionを勉強しています。") == [
        "私", "は", "Python", "で", "Attention", "を", "勉強", "し", "て", "い", "ます", "。",
    ]  # fmt: skip
    assert words("Mixed 日本語 and English") == ["Mixed", "日本語", "and", "English"]


def test_has_japanese():
    assert has_japanese("a猫") and has_japanese("カタカナ") and has_japanese("、")
    assert not has_japanese("Tokyo is beautiful 😀 é")


def test_long_text_is_cut_where_the_analyser_accepts_it():
    text = "猫が窓辺で静かに眠っている。" * 4000  # 56,000 characters, 168,000 bytes: over SudachiPy's limit
    spans = japanese_words(text)
    assert spans[0] == (0, 1) and spans[-1] == (len(text) - 1, len(text))
    assert all(b == c for (_, b), (c, _) in itertools.pairwise(spans)), "the spans tile the text"
    assert [text[a:b] for a, b in spans[:10]] == [*EXAMPLE_WORDS, "。"]
    cuts = _chunks("あ" * 20_000, limit=8_000)  # no break anywhere: hard cuts
    assert [(o, len(c)) for o, c in cuts] == [(0, 8000), (8000, 8000), (16000, 4000)]


def spans_of(pieces):
    """(first, last) character of each piece in the text the pieces spell (no spaces here)."""
    out, at = [], 0
    for p in pieces:
        out.append((at, at + len(p) - 1) if p else None)
        at += len(p)
    return out


def test_pieces_inside_one_word_join_it_whatever_the_old_rule_said():
    pieces = ["猫", "が", "窓", "辺", "で"]  # BERT makes every kanji a word of its own
    starts = refine_word_starts("".join(pieces), spans_of(pieces), [True] * 5)
    assert starts == [True, True, True, False, True]


def test_a_piece_spanning_two_words_joins_them():
    pieces = ["猫が", "窓辺", "で静", "か", "に"]  # 'で静' holds で and the first half of 静か
    starts = refine_word_starts("".join(pieces), spans_of(pieces), [True, False, False, False, False])
    assert starts == [True, True, True, False, True]  # rows: 猫が / 窓辺 / で静か / に


def test_japanese_word_boundaries_split_runs_the_old_rule_kept_whole():
    # byte-level BPE: one pre-token for the whole run, so no piece starts with a space
    pieces = ["私", "は", "Py", "thon", "で", "Attention"]
    starts = refine_word_starts("".join(pieces), spans_of(pieces), [True] + [False] * 5)
    assert starts == [True, True, True, False, True, True]


def test_english_only_text_is_left_alone_and_lengths_are_checked():
    assert refine_word_starts("ab cd", [(0, 1), (3, 4)], [True, False]) == [True, False]
    with pytest.raises(AttnlabError, match="spans has 1 entries but starts has 2"):
        refine_word_starts("猫", [(0, 0)], [True, True])
