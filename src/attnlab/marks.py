"""The visible marks inside `Token.text`, shared by the token display, word labels and views.

Real-model tokens carry characters a person cannot see (spaces, newlines) or cannot print alone
(the first bytes of a character split over pieces). `attnlab.models.tokens` writes them with these
marks; views may style them (e.g. grey); `plain_text` undoes them.
"""

from __future__ import annotations

import re

SPACE_MARK = "␣"  # shown for every space (a leading one marks a word start)
NEWLINE_MARK = "↵"  # shown for "\n"
TAB_MARK = "⇥"  # shown for "\t"
BYTES_OPEN, BYTES_CLOSE = "‹", "›"  # around the hex bytes of a character completed by a later piece

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
