"""Word-level attention: a token that continues a character is left out of its word's query mean (its
row assembles the character, issue 17 item 4); the uniform expectation is the same rule on uniform rows."""

from __future__ import annotations

import torch

from attnlab.analysis.words import aggregate_to_words, total_variation, uniform_pattern
from attnlab.trace import Token

TOSHO = "図書".encode()  # e5 9b b3 e6 9b b8


def test_continuing_pieces_are_left_out_of_the_query_mean():
    tokens = [Token("私", word=0, bytes_hex="私".encode().hex()),
              Token("図1/2", word=1, bytes_hex=TOSHO[:2].hex()), Token("図2/2", word=1, bytes_hex=TOSHO[2:3].hex()),
              Token("書1/2", word=1, bytes_hex=TOSHO[3:5].hex()), Token("書2/2", word=1, bytes_hex=TOSHO[5:].hex())]
    w = torch.rand(5, 5, generator=torch.Generator().manual_seed(2)).tril()
    w = w / w.sum(-1, keepdim=True)  # [q_pos, k_pos] causal rows
    words, texts = aggregate_to_words(w, tokens)
    assert texts == ["私", "図書"]
    # row of 図書: the mean over 図1/2 and 書1/2 only (図2/2 and 書2/2 continue a character)
    want = torch.stack([w[[1, 3]][:, 0], w[[1, 3]][:, 1:].sum(-1)], -1).mean(0)
    torch.testing.assert_close(words[1], want, atol=1e-6, rtol=0)
    torch.testing.assert_close(words.sum(-1), torch.ones(2), atol=1e-6, rtol=0)


def test_a_word_made_only_of_continuing_pieces_keeps_them():
    tokens = [Token("x", word=0, bytes_hex=b"x".hex() + TOSHO[:1].hex()),
              Token("図2/2", word=1, bytes_hex=TOSHO[1:3].hex())]
    words, _ = aggregate_to_words(torch.tensor([[1.0, 0.0], [0.3, 0.7]]), tokens)
    torch.testing.assert_close(words[1], torch.tensor([0.3, 0.7]))


def test_uniform_rows_and_their_distance():
    u = uniform_pattern(3, causal=True)
    torch.testing.assert_close(u, torch.tensor([[1.0, 0, 0], [0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3]]))
    assert torch.equal(uniform_pattern(2, causal=False), torch.full((2, 2), 0.5))
    tv = total_variation(torch.tensor([[1.0, 0.0], [0.5, 0.5]]), torch.full((2, 2), 0.5))
    torch.testing.assert_close(tv, torch.tensor([0.5, 0.0], dtype=torch.float64))
