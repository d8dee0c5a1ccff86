"""Attention between words instead of tokens (tokenizer pieces).

A word of several tokens ('token' '##ization', or the byte pieces of 東京) should read as one row
and one column. Which tokens form a word is `Token.word` (attnlab.models.tokens; Japanese words
come from a morphological analyser, attnlab.models.segment). The rule (also in docs/words.md):

    word_weight[a, b] = mean over query tokens i of word a ( sum over key tokens j of word b: w[i, j] )

Sum over keys, because a word receives all the attention its tokens receive (so each row still sums
to 1); mean over queries, because each token of a word attends with a whole distribution of its own,
and the word's distribution is their average. This is the convention of Clark et al. (2019),
"What Does BERT Look At?", section 4, with one exception: a token that begins inside a character
(SmolLM2's 東2/2, `models.chars.continuation_pieces`) is left out of the query mean, since its row
mostly assembles that character (a word made only of such tokens keeps them all).

A word-level number means little without what a uniform row would give: under the causal mask a
long early word collects weight by its count of tokens alone. `uniform_words` is that expectation
(the same rule applied to uniform token rows), and `total_variation` how far a row is from it.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from ..errors import AttnlabError
from ..i18n import tr_error
from ..marks import SPACE_MARK, bytes_text
from ..models.chars import continuation_pieces, token_chunks
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
        raise tr_error(AttnlabError, "err_words_shape", shape=tuple(pattern.shape), n=len(tokens))
    groups = word_groups(tokens)
    member = torch.zeros(len(tokens), len(groups))  # [pos, word] one-hot
    for word, positions in enumerate(groups):
        member[positions, word] = 1.0
    asks = member.clone()  # [pos, word]: the query tokens each word's row averages
    asks[sorted(continuation_pieces(token_chunks(tokens)))] = 0.0
    alone = asks.sum(0) == 0  # [word] made only of continuing tokens: keep them all
    asks[:, alone] = member[:, alone]
    key_sums = pattern.float() @ member  # [q_pos, k_word]: sum over the key tokens
    word_pattern = (asks.T @ key_sums) / asks.sum(0).unsqueeze(1)  # [q_word, k_word]: mean over queries
    return word_pattern, [word_text([tokens[p] for p in positions]) for positions in groups]


def uniform_pattern(n: int, causal: bool) -> torch.Tensor:
    """[q_pos, k_pos] fp32: each row spread evenly over the keys it may see (q + 1 causal, else n)."""
    if causal:
        seen = torch.ones(n, n).tril()
        return seen / seen.sum(-1, keepdim=True)
    return torch.full((n, n), 1.0 / n)


def uniform_words(trace: AttentionTrace) -> torch.Tensor:
    """[q_word, k_word]: what `word_pattern` would give if every token row were uniform (its baseline)."""
    return aggregate_to_words(uniform_pattern(trace.n_tokens, trace.causal), trace.tokens)[0]


def total_variation(w: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """[q]: half the L1 distance of each row of w from the row of u: the share of weight that would
    have to move to make the row the baseline (0: the same; 1: disjoint). w, u: [q, k]."""
    return 0.5 * (w.double() - u.double()).abs().sum(-1)


def word_pattern(trace: AttentionTrace, layer: int, head: int | None) -> tuple[torch.Tensor, list[str]]:
    """A trace's head (head=None: the mean over heads) aggregated to words: ([q_word, k_word], word texts)."""
    return aggregate_to_words(trace.pattern(layer, head), trace.tokens)
