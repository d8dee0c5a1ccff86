"""Exercises for the lesson notebooks (notebooks/attention_handson_{ja,en}.ipynb): each question's
answer is computed from a trace when it is checked, never written down, so the lesson stays right
for any tokens, seed or model the reader tries.

    ex = lesson.top_key(trace, "is")     # which key does "is" attend to most?
    ex.check("beautiful", lang="en")     # prints whether that is right, with the numbers behind it
    ex.solution(lang="en")               # the computed answer and why

Four kinds of question, each a function returning an `Exercise`:
- `top_key(trace, query, layer, head)`: the key that `query` gives the most weight (head=None: the
  mean over heads). A token answer matches its text (case, spaces and marks ignored) or its position.
- `sharper_head(trace, query, layer)`: the head whose top weight in `query`'s row is largest.
- `weight(trace, query, key, layer, head)`: one weight, to two decimals (within 0.01).
- `sharper_of(traces, query, values, name)`: which of several traces (temperatures, seeds, ...)
  gives `query`'s row the largest top weight; the answer is the value that made it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import AttnlabError
from .i18n import t, tr_error
from .marks import unmark_text
from .trace import AttentionTrace


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

    answer: Any  # the right answer (a token text, a head, a number, a value from a list)
    accepts: Callable[[Any], bool]  # whether a reader's answer is right
    why: Callable[[str], str]  # lang -> the numbers that make it right, in words
    hint: str  # i18n key of the hint shown after a wrong answer

    def check(self, given: Any, lang: str = "ja") -> Result:
        """Whether `given` is right, with the computed numbers (None or ...: no answer yet)."""
        if given is None or given is Ellipsis or (isinstance(given, str) and not given.strip()):
            return Result(None, t("ex_no_answer", lang))
        if self.accepts(given):
            return Result(True, t("ex_right", lang, why=self.why(lang)))
        return Result(False, t("ex_wrong", lang, given=given, hint=t(self.hint, lang)))

    def solution(self, lang: str = "ja") -> Result:
        """The answer and why, computed."""
        return Result(True, t("ex_solution", lang, answer=self.answer, why=self.why(lang)))


def _norm(text: str) -> str:
    """Token text as a reader types it: marks undone, spaces dropped, case folded."""
    return "".join(unmark_text(str(text)).split()).casefold()


def position(trace: AttentionTrace, token: int | str) -> int:
    """The position of `token` (a position, or a text that occurs once) in `trace`."""
    if isinstance(token, int) and not isinstance(token, bool):
        if not 0 <= token < trace.n_tokens:
            raise tr_error(AttnlabError, "err_position_range", pos=token, last=trace.n_tokens - 1)
        return token
    found = [i for i, tok in enumerate(trace.tokens) if _norm(tok.text) == _norm(token)]
    if not found:
        raise tr_error(AttnlabError, "err_token_nowhere", token=token, tokens=trace.token_texts)
    if len(found) > 1:
        raise tr_error(AttnlabError, "err_token_repeated", token=token, tokens=trace.token_texts,
                       where=", ".join(map(str, found)))
    return found[0]


def _is_token(trace: AttentionTrace, k: int) -> Callable[[Any], bool]:
    def accepts(given: Any) -> bool:
        if isinstance(given, int) and not isinstance(given, bool):
            return given == k
        return _norm(given) == _norm(trace.tokens[k].text)

    return accepts


def _label(trace: AttentionTrace, i: int) -> str:
    return f"{trace.tokens[i].text} ({i})"


def top_key(trace: AttentionTrace, query: int | str, *, layer: int = 0, head: int | None = 0) -> Exercise:
    """Which key does `query` give the most weight (in `layer`, `head`; None: the mean over heads)?"""
    q = position(trace, query)
    row = trace.pattern(layer, head)[q]  # [k_pos]
    ranked = row.argsort(descending=True).tolist()
    k, second = ranked[0], ranked[1] if len(ranked) > 1 else ranked[0]

    def why(lang: str) -> str:
        return t("ex_top_key_why", lang, q=_label(trace, q), k=_label(trace, k), w=float(row[k]),
                 k2=_label(trace, second), w2=float(row[second]), u=1 / trace.n_tokens)

    return Exercise(unmark_text(trace.tokens[k].text).strip(), _is_token(trace, k), why, "ex_top_key_hint")


def sharper_head(trace: AttentionTrace, query: int | str, *, layer: int = 0) -> Exercise:
    """Which head gives its top key the largest weight in `query`'s row?"""
    q = position(trace, query)
    tops = trace.head_weights(layer)[:, q].max(dim=-1).values.tolist()  # [head]
    best = max(range(trace.n_heads), key=lambda h: tops[h])

    def why(lang: str) -> str:
        each = _sep(lang).join(f"{t('head_n', lang, h=h)}: {w:.2f}" for h, w in enumerate(tops))
        return t("ex_sharper_head_why", lang, q=_label(trace, q), each=each, h=best)

    return Exercise(best, lambda given: _as_int(given) == best, why, "ex_sharper_head_hint")


def weight(trace: AttentionTrace, query: int | str, key: int | str, *, layer: int = 0,
           head: int | None = 0) -> Exercise:
    """How much weight does `query` give `key`, to two decimals?"""
    q, k = position(trace, query), position(trace, key)
    w = float(trace.pattern(layer, head)[q, k])

    def why(lang: str) -> str:
        return t("ex_weight_why", lang, q=_label(trace, q), k=_label(trace, k), w=w)

    return Exercise(round(w, 2), lambda given: _close(given, w, 0.01), why, "ex_weight_hint")


def sharper_of(traces: Sequence[AttentionTrace], query: int | str, values: Sequence[Any], *, name: str,
               layer: int = 0, head: int | None = 0) -> Exercise:
    """Which of `traces` (made with `values` of `name`: temperatures, seeds, ...) gives `query`'s row
    the largest top weight? The answer is that trace's value."""
    if len(traces) != len(values) or not traces:
        raise tr_error(AttnlabError, "err_values_per_trace", n=len(traces), m=len(values))
    tops = [float(tr.pattern(layer, head)[position(tr, query)].max()) for tr in traces]
    best = max(range(len(traces)), key=lambda i: tops[i])

    def why(lang: str) -> str:
        each = _sep(lang).join(f"{name} = {v}: {w:.2f}" for v, w in zip(values, tops))
        return t("ex_sharper_of_why", lang, q=query, each=each, name=name, v=values[best])

    return Exercise(values[best], lambda given: _close(given, float(values[best]), 1e-9), why, "ex_sharper_of_hint")


def _sep(lang: str) -> str:
    return "、" if lang == "ja" else ", "


def _as_int(given: Any) -> int | None:
    try:
        return int(str(given).strip())
    except ValueError:
        return None


def _close(given: Any, want: float, tol: float) -> bool:
    try:
        value = float(str(given).strip())
    except ValueError:
        return False
    return math.isfinite(value) and abs(value - want) <= tol + 1e-12
