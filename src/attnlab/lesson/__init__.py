"""Exercises for the lesson notebooks (notebooks/attention_handson_{ja,en}.ipynb): each question's
answer is computed from a trace when it is checked, never written down, so the lesson stays right
for any tokens, seed or model the reader tries.

    ex = lesson.output_cell(trace, "Tokyo", 0)   # output[Tokyo, d1] by hand
    ex.check(-0.93, lang="en")                   # right, with the sum written out; or what is wrong
    ex.solution(lang="en")                       # the computed answer and why

Equivalent answers pass alike (2, "2", 2.0; a token's text or its position; a choice's letter or its
words); a wrong one is explained with what it gives (`check`); questions are in `questions`.
"""

from .check import Exercise, Result, position
from .questions import (
    char_rows,
    make_winner,
    output_cell,
    row_sum,
    sharper_head,
    sharper_of,
    shift_row,
    temperature_effect,
    top_key,
    weight,
)

__all__ = ["Exercise", "Result", "char_rows", "make_winner", "output_cell", "position", "row_sum",
           "sharper_head", "sharper_of", "shift_row", "temperature_effect", "top_key", "weight"]
