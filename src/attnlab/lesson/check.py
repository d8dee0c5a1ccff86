"""How an exercise checks an answer: reading what a learner typed, judging it, saying why.

A learner writes 2, "2", 2.0, "２" or a 0-d tensor for the same number, "Tokyo", " tokyo" or its
position for the same token, "b", "(b)" or the option's words for the same choice, and "1, 3" or
[3, 1] for the same positions: `as_number`, `as_int`, `as_positions` and `choice_of` read them all
alike. A wrong answer is explained (what the given answer gives, computed), not just refused; no
answer yet is not a failure.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import AttnlabError
from ..i18n import t, tr_error
from ..marks import unmark_text
from ..trace import AttentionTrace


@dataclass(frozen=True)
class Result:
    """The outcome of one check; shown as its message."""

    correct: bool | None  # None: no answer given yet
    message: str  # what the reader sees

    def __repr__(self) -> str:
        return self.message

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:  # IPython shows the message, not a dataclass
        p.text(self.message)


@dataclass(frozen=True)
class Exercise:
    """One question about a trace, with its computed answer."""

    answer: Any  # the right answer, as the solution shows it
    judge: Callable[[Any, str], str | None]  # (answer read, lang) -> None when right, else why it is not
    why: Callable[[str], str]  # lang -> the numbers that make the answer right, in words

    def check(self, given: Any, lang: str = "ja") -> Result:
        """Whether `given` is right: right, with the computed numbers; wrong, with what is wrong about it."""
        if given is None or given is Ellipsis or (isinstance(given, str) and not given.strip()):
            return Result(None, t("ex_no_answer", lang))
        wrong = self.judge(given, lang)
        if wrong is None:
            return Result(True, t("ex_right", lang, why=self.why(lang)))
        return Result(False, t("ex_wrong", lang, given=shown(given), hint=wrong))

    def solution(self, lang: str = "ja") -> Result:
        """The answer and why, computed."""
        return Result(True, t("ex_solution", lang, answer=shown(self.answer), why=self.why(lang)))


def shown(value: Any) -> str:
    """An answer as a message shows it (a matrix pair by its shapes, a long text cut)."""
    if hasattr(value, "shape") and getattr(value, "ndim", 0) > 0:
        return f"tensor{tuple(value.shape)}"
    if isinstance(value, tuple) and value and all(hasattr(v, "shape") for v in value):  # matrices, rounded
        return ", ".join(str([[round(float(x), 2) for x in row] for row in v.tolist()]) for v in value)
    text = str(value)
    return text if len(text) <= 200 else text[:197] + "..."


def _plain(text: Any) -> str:
    """Text as typed: full-width forms folded (２ -> 2), marks undone, spaces dropped, case folded."""
    folded = unicodedata.normalize("NFKC", str(text))
    return "".join(unmark_text(folded).split()).casefold()


def as_number(given: Any) -> float | None:
    """A number from 2, 2.0, "2", " 2.0 ", "２", numpy or 0-d torch scalars; None for anything else."""
    if isinstance(given, bool):
        return None
    if hasattr(given, "item") and getattr(given, "ndim", 0) == 0:
        given = given.item()
    try:
        value = float(_plain(given)) if isinstance(given, str) else float(given)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def as_int(given: Any) -> int | None:
    """A whole number from 2, 2.0, "2", "2.0"; None for 2.5, "two" or anything else."""
    value = as_number(given)
    return int(value) if value is not None and value.is_integer() else None


def as_positions(given: Any) -> set[int] | None:
    """A set of positions from [1, 3], (3, 1), {1, 3}, "1, 3", "1 3" or "1、3"; None when unreadable."""
    items = re.split(r"[\s,、，;]+", unicodedata.normalize("NFKC", given).strip()) if isinstance(given, str) \
        else list(given) if isinstance(given, (list, tuple, set, frozenset)) else [given]
    out = {as_int(v) for v in items if not (isinstance(v, str) and not v)}
    return None if None in out else out  # type: ignore[return-value]


def choice_of(given: Any, options: dict[str, list[str]]) -> str | None:
    """The option a reader meant: its letter ("b", "(b)", "B") or one of its words in either language."""
    plain = _plain(given).strip("()（）.")
    if plain in options:
        return plain
    return next((letter for letter, words in options.items() if plain in {_plain(w) for w in words}), None)


def close(value: float | None, want: float, tol: float) -> bool:
    return value is not None and abs(value - want) <= tol + 1e-12


def position(trace: AttentionTrace, token: int | str) -> int:
    """The position of `token` (a position, or a text that occurs once) in `trace`."""
    if isinstance(token, int) and not isinstance(token, bool):
        if not 0 <= token < trace.n_tokens:
            raise tr_error(AttnlabError, "err_position_range", pos=token, last=trace.n_tokens - 1)
        return token
    found = [i for i, tok in enumerate(trace.tokens) if _plain(tok.text) == _plain(token)]
    if not found:
        raise tr_error(AttnlabError, "err_token_nowhere", token=token, tokens=trace.token_texts)
    if len(found) > 1:
        raise tr_error(AttnlabError, "err_token_repeated", token=token, tokens=trace.token_texts,
                       where=", ".join(map(str, found)))
    return found[0]


def token_of(trace: AttentionTrace, given: Any) -> int | None:
    """The position a reader meant by a token's text (first) or its position (2, "2", 2.0); None if neither."""
    found = [i for i, tok in enumerate(trace.tokens) if _plain(tok.text) == _plain(given)]
    if len(found) == 1:
        return found[0]
    k = as_int(given)
    return k if k is not None and 0 <= k < trace.n_tokens else None


def label(trace: AttentionTrace, i: int) -> str:
    """A token as messages name it: its text and position."""
    return f"{trace.tokens[i].text} ({i})"
