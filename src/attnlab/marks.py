"""The visible marks inside `Token.text`, shared by the token display, word labels and views.

Real-model tokens carry characters a person cannot see (spaces, newlines) or cannot print alone
(part of a character whose bytes are split over pieces). `attnlab.models.tokens` writes them with
these marks (rules in docs/words.md): a space as '␣', a piece carrying part of 猫 as '猫2/3' (the
2nd of the 3 pieces that carry it), bytes that form no character as '‹e6 9d›'. Views may style
them (e.g. grey). The exact bytes stay on `Token.bytes_hex`; `bytes_text` turns bytes into marked
text and `unmark_text` undoes the marks.
"""

from __future__ import annotations

import re

SPACE_MARK = "␣"  # shown for every space (a leading one marks a word start)
NEWLINE_MARK = "↵"  # shown for "\n"
TAB_MARK = "⇥"  # shown for "\t"
BYTES_OPEN, BYTES_CLOSE = "‹", "›"  # around hex bytes that form no character (cut off, or not UTF-8)
PART_SEPARATOR = " "  # after a part when the piece carries more: '猫3/3 が' (a real space shows as '␣')

# character -> mark: the three above, DEL, and other control characters as Unicode control pictures
MARKS = {" ": SPACE_MARK, "\n": NEWLINE_MARK, "\t": TAB_MARK, "\x7f": "␡"}
MARKS.update({chr(c): chr(0x2400 + c) for c in range(0x20) if chr(c) not in MARKS})
UNMARKS = {v: k for k, v in MARKS.items()}
BYTES_GROUP = re.compile(f"{BYTES_OPEN}[0-9a-f ]*{BYTES_CLOSE}")  # e.g. '‹e6 9d›'


def mark_text(text: str) -> str:
    """Spaces, newlines, tabs and other control characters replaced by their visible marks."""
    return "".join(MARKS.get(ch, ch) for ch in text)


def unmark_text(shown: str) -> str:
    """The inverse of the marks: '‹..›' byte groups dropped, marks turned back into characters."""
    return "".join(UNMARKS.get(ch, ch) for ch in BYTES_GROUP.sub("", shown))


def part_label(ch: str, part: int, parts: int) -> str:
    """'猫2/3': the character, then which of the pieces that carry its bytes this one is."""
    return f"{mark_text(ch)}{part}/{parts}"


def hex_group(data: bytes) -> str:
    """'‹e6 9d›': bytes shown as hex, for bytes that form no character."""
    return f"{BYTES_OPEN}{data.hex(' ')}{BYTES_CLOSE}" if data else ""


def utf8_chars(data: bytes) -> list[tuple[int, int, str | None]]:
    """(start, end, character) for each character of `data`, by byte offsets.

    A byte that does not start a complete, valid UTF-8 character (a sequence cut off at the end, a
    stray continuation byte) is an entry of its own with character None.
    """
    out: list[tuple[int, int, str | None]] = []
    i = 0
    while i < len(data):
        n = _utf8_length(data[i])
        try:
            ch = data[i : i + n].decode("utf-8") if n and i + n <= len(data) else None
        except UnicodeDecodeError:
            ch = None
        out.append((i, i + n, ch) if ch is not None else (i, i + 1, None))
        i += n if ch is not None else 1
    return out


def bytes_text(data: bytes) -> str:
    """`data` as marked text; bytes that form no character as one '‹..›' group per run."""
    out, bad = [], bytearray()
    for start, end, ch in utf8_chars(data):
        if ch is None:
            bad += data[start:end]
            continue
        out.append(hex_group(bytes(bad)) + mark_text(ch))
        bad.clear()
    return "".join(out) + hex_group(bytes(bad))


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
