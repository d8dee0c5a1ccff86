"""Attention between words instead of tokenizer pieces.

A word of several pieces ('token' '##ization', or the byte pieces of 東京) should read as one row
and one column. Which pieces form a word is `Token.word` (attnlab.models.tokens; Japanese words
come from a morphological analyser, attnlab.models.segment). The rule (also in docs/words.md):

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
from ..marks import SPACE_MARK, bytes_text
from ..trace import AttentionTrace, Token


def word_groups(tokens: Sequence[Token]) -> list[list[int]]:
    """Positions of each word, in order of appearance; a token with word None is a word of its own."""
    groups: dict[object, list[int]] = {}
    for pos, token in enumerate(tokens):
        key = ("word", token.word) if token.word is not None else ("alone", pos)
        groups.setdefault(key, []).append(pos)
    return list(groups.values())


def word_text(tokens: Sequence[Token]) -> str:
    """A word's label: the text its pieces spell (byte pieces from their exact bytes, so 猫1/3 猫2/3
    猫3/3 read 猫), with marks, a leading space mark dropped."""
    out, pending = [], b""
    for t in tokens:
        if t.bytes_hex is not None:
            pending += bytes.fromhex(t.bytes_hex)
            continue
        out.append(bytes_text(pending) + t.text)
        pending = b""
    joined = "".join(out) + bytes_text(pending)
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
