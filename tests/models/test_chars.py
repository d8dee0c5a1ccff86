"""Labels of byte pieces: a piece carrying part of a character is named by the character and its part.

The byte splits are written by hand (SmolLM2 splits 猫 as e7 | 8c | ab, seen in its tokenizer);
a property test cuts random text anywhere and checks the labels against the text they came from.
"""

from __future__ import annotations

import itertools
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from attnlab.marks import bytes_text, mark_text, utf8_chars
from attnlab.models.chars import BARRIER, continuation_pieces, label_byte_pieces, split_characters
from attnlab.models.tokens import plain_text
from attnlab.trace import Token

NEKO, GA = "猫".encode(), "が".encode()  # e7 8c ab, e3 81 8c


def labels(chunks):
    return list(label_byte_pieces(chunks).labels)


def test_a_character_over_three_pieces():
    assert labels([NEKO[:1], NEKO[1:2], NEKO[2:]]) == ["猫1/3", "猫2/3", "猫3/3"]
    assert labels([NEKO[:2], NEKO[2:]]) == ["猫1/2", "猫2/2"]  # parts count pieces, not bytes
    assert labels([NEKO + GA]) == ["猫が"]


def test_mixed_pieces_end_one_character_and_start_the_next():
    assert labels([NEKO[:2], NEKO[2:] + GA[:1], GA[1:]]) == ["猫1/2", "猫2/2 が1/2", "が2/2"]
    assert labels([NEKO[:1], NEKO[1:] + GA + b" x"]) == ["猫1/2", "猫2/2 が␣x"]
    assert labels([b"a" + NEKO[:2], NEKO[2:]]) == ["a猫1/2", "猫2/2"]
    assert labels([NEKO[:1], NEKO[1:2], NEKO[2:] + GA[:2], GA[2:]]) == ["猫1/3", "猫2/3", "猫3/3 が1/2", "が2/2"]
    assert labels([b" " + NEKO[:1], NEKO[1:]]) == ["␣猫1/2", "猫2/2"]


def test_bytes_that_form_no_character_show_as_hex():
    assert labels([NEKO[:2]]) == ["‹e7 8c›"]  # cut off at the end (truncation)
    assert labels([NEKO[:2], None, NEKO[2:]]) == ["‹e7 8c›", None, "‹ab›"]  # a special token between
    assert labels([b"\x9d", b"a"]) == ["‹9d›", "a"]  # a stray continuation byte
    assert labels([NEKO[:2], b"x"]) == ["‹e7 8c›", "x"]  # a character that never completes
    assert labels([b"\xff\xfe" + GA]) == ["‹ff fe›が"]


def test_spans_and_decoded_text():
    out = label_byte_pieces([b" " + NEKO[:1], NEKO[1:] + GA[:1], None, GA[1:], b" "])
    # the first run decodes to ' 猫' then a stray e3; the barrier; then the stray 81 8c; a space
    assert out.text == " 猫\ufffd" + BARRIER + "\ufffd\ufffd "
    assert out.spans == ((1, 1), (1, 2), None, (4, 5), None)  # spaces are not content
    assert out.space_first == (True, False, False, False, True)


@settings(max_examples=300, deadline=None)
@given(text=st.text(min_size=1, max_size=30), cuts=st.lists(st.integers(0, 120), max_size=12))
def test_any_split_labels_every_piece_by_its_characters(text, cuts):
    data = text.encode()
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    chunks = [data[a:b] for a, b in itertools.pairwise(points) if b > a]
    shown = labels(chunks)
    assert all(s for s in shown), "every piece shows something"
    assert all("\ufffd" not in s and "‹" not in s for s in shown) or set("\ufffd‹") & set(text)
    # each character split over n pieces appears as ch1/n .. chn/n on consecutive pieces, in order
    bounds = list(itertools.accumulate(len(c) for c in chunks))
    for start, end, ch in utf8_chars(data):
        first = next(k for k, b in enumerate(bounds) if b > start)
        last = next(k for k, b in enumerate(bounds) if b >= end)
        if last > first:
            n = last - first + 1
            for part, k in enumerate(range(first, last + 1), start=1):
                assert re.search(f"{re.escape(ch)}{part}/{n}", shown[k]), (ch, part, n, shown[k])
    # the exact bytes give the text back, whatever the labels
    tokens = [Token(s, bytes_hex=c.hex()) for s, c in zip(shown, chunks, strict=True)]
    assert plain_text(tokens) == text
    assert bytes_text(data) == mark_text(text)  # valid UTF-8: the whole text, marked


@settings(max_examples=200, deadline=None)
@given(text=st.text(min_size=1, max_size=20), cuts=st.lists(st.integers(0, 80), max_size=10))
def test_continuing_pieces_are_the_ones_labelled_part_2_and_after(text, cuts):
    """The pieces readings keep apart (`continuation_pieces`, from the bytes) are exactly those whose label
    starts with a part after the first (東2/2, 猫3/3 が1/2), on any split of any text."""
    data = text.encode()
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    chunks = [data[a:b] for a, b in itertools.pairwise(points) if b > a]
    shown = labels(chunks)
    groups = split_characters(chunks)
    continuing = continuation_pieces(chunks)
    assert continuing == {p for g in groups for p in g[1:]}
    for k, label in enumerate(shown):
        starts_later_part = re.match(r"^.(?:[2-9]|\d\d+)/\d+", label) is not None
        assert (k in continuing) == starts_later_part, (k, label, shown)


def test_split_characters_of_the_issues_sentence():
    tokyo = "東京".encode()  # SmolLM2: 東1/2 東2/2 京1/2 京2/2
    chunks = [tokyo[:2], tokyo[2:3], tokyo[3:5], tokyo[5:], "は".encode()]
    assert labels(chunks)[:4] == ["東1/2", "東2/2", "京1/2", "京2/2"]
    assert split_characters(chunks) == [(0, 1), (2, 3)] and continuation_pieces(chunks) == {1, 3}
    assert split_characters([tokyo[:2], None, tokyo[2:]]) == []  # a special token between: no character
