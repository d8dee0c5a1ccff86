"""Attention between words instead of tokenizer pieces.

A word of several pieces ('token' '##ization', or the three byte pieces of 東京) should read as
one row and one column. The rule (also in docs/words.md):

    word_weight[a, b] = mean over query pieces i of word a ( sum over key pieces j of word b: w[i, j] )

Sum over keys, because a word receives all the attention its pieces receive (so each row still sums
to 1); mean over queries, because each piece of a word attends with a whole distribution of its own,
and the word's distribution is their average. This is the convention of Clark et al. (2019),
"What Does BERT Look At?", section 4.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from ..errors import AttnlabError
from ..marks import BYTES_GROUP, SPACE_MARK
from ..trace import AttentionTrace, Token


def word_groups(tokens: Sequence[Token]) -> list[list[int]]:
    """Positions of each word, in order of appearance; a token with word None is a word of its own."""
    groups: dict[object, list[int]] = {}
    for pos, token in enumerate(tokens):
        key = ("word", token.word) if token.word is not None else ("alone", pos)
        groups.setdefault(key, []).append(pos)
    return list(groups.values())


def word_text(tokens: Sequence[Token]) -> str:
    """A word's label: its pieces joined, byte groups '‹..›' dropped, a leading space mark dropped."""
    joined = BYTES_GROUP.sub("", "".join(t.text for t in tokens))
    stripped = joined.lstrip(SPACE_MARK)
    return stripped or joined


def aggregate_to_words(pattern: torch.Tensor, tokens: Sequence[Token]) -> tuple[torch.Tensor, list[str]]:
    """Word-level attention: sum over the key pieces of a word, mean over its query pieces.

    Args:
        pattern: [q_pos, k_pos] weights (rows sum to 1), with q_pos == k_pos == len(tokens).
        tokens: the trace's tokens; `Token.word` groups them (see attnlab.models.tokens).

    Returns:
        (word_pattern [q_word, k_word] fp32, rows summing to 1; word_texts, one label per word).
    """
    if pattern.dim() != 2 or pattern.shape[0] != pattern.shape[1] or pattern.shape[0] != len(tokens):
        raise AttnlabError(f"pattern has shape {tuple(pattern.shape)} but there are {len(tokens)} tokens")
    groups = word_groups(tokens)
    member = torch.zeros(len(tokens), len(groups))  # [pos, word] one-hot
    for word, positions in enumerate(groups):
        member[positions, word] = 1.0
    key_sums = pattern.float() @ member  # [q_pos, k_word]: sum over the key pieces
    word_pattern = (member.T @ key_sums) / member.sum(0).unsqueeze(1)  # [q_word, k_word]: mean over queries
    return word_pattern, [word_text([tokens[p] for p in positions]) for positions in groups]


def word_pattern(trace: AttentionTrace, layer: int, head: int | None) -> tuple[torch.Tensor, list[str]]:
    """A trace's head (head=None: the mean over heads) aggregated to words: ([q_word, k_word], word texts)."""
    return aggregate_to_words(trace.pattern(layer, head), trace.tokens)
