"""読み取れること for real models: every claim of a head's reading recomputed from the trace's own
weights (and values), on synthetic heads with a known pattern and on the bundled models."""

from __future__ import annotations

import re

import pytest
import torch

from attnlab.analysis.readings import char_groups, explain_head, first_token_heads, overview, read_head
from attnlab.trace import QKV, AttentionTrace, Token


class MapTrace(AttentionTrace):
    """A trace of given logits [layer, head, q_pos, k_pos] (and values [layer, kv_head, k_pos, d])."""

    def __init__(self, texts, logits, *, causal=False, words=None, values=None):
        words = words or list(range(len(texts)))
        self.tokens = tuple(Token(text=t, word=w, special=t.startswith("[")) for t, w in zip(texts, words))
        self.model, self.temperature, self.causal = "maps", 1.0, causal
        self.n_layers, self.n_heads = logits.shape[:2]
        self.n_kv_heads = self.n_heads
        n = len(texts)
        if causal:
            logits = logits.masked_fill(~torch.ones(n, n, dtype=torch.bool).tril(), float("-inf"))
        self._maps = logits.softmax(-1)
        self._values = values
        self.keeps_qkv = values is not None

    def qkv(self, layer):
        """Only the values are real (the readings read v alone); q and k stand in with their shapes."""
        v = self._values[layer]
        return QKV(torch.zeros(self.n_heads, *v.shape[1:]), torch.zeros_like(v), v, 1.0)

    def _weights(self, layer, heads):
        return self._maps[layer, heads]


def rows_seeing_two(trace):
    n = trace.n_tokens
    return list(range(1, n)) if trace.causal else list(range(n))


def check_reading(trace, layer, head):
    """Parse the English reading and recompute every number it states from trace.pattern (and v)."""
    text = explain_head(trace, layer, head, lang="en")
    w = trace.pattern(layer, head).double()
    rows = rows_seeing_two(trace)
    keys = {"first": lambda q: 0, "previous": lambda q: q - 1, "self": lambda q: q, "next": lambda q: q + 1}
    said = {"first": r"The first token \"(.*?)\" takes", "previous": "The previous token takes",
            "self": "Each token itself takes", "next": "The next token takes"}
    named = 0
    for name, key in keys.items():
        use = [q for q in rows if 0 <= key(q) < trace.n_tokens]
        top = sum(int(w[q].argmax()) == key(q) for q in use)
        mean = sum(float(w[q, key(q)]) for q in use) / len(use) if use else 0.0
        m = re.search(said[name] + r" the largest weight in (\d+) of (\d+) rows \(mean ([0-9.]+)\)", text)
        holds = bool(use) and top >= 0.5 * len(use) and (name != "next" or not trace.causal)
        assert bool(m) == holds, (name, text)
        if m:
            named += 1
            assert m.groups()[-3:] == (str(top), str(len(use)), f"{mean:.2f}")
    if named == 0:
        mm = sum(float(w[q].max()) for q in rows) / len(rows)
        assert f"largest weights average {mm:.2f})" in text
    m = re.search(r"the first token's share goes from ([0-9.]+) to ([0-9.]+)", text)
    if m:
        heads = range(trace.n_heads) if head is None else [head]
        group = trace.n_heads // trace.n_kv_heads
        shares = []
        for h in heads:
            norms = trace.qkv(layer).v[h // group].double().norm(dim=-1)
            vw = trace.pattern(layer, h).double()[rows] * norms
            shares.append(float((vw[:, 0] / vw.sum(-1)).mean()))
        assert m.group(2) == f"{sum(shares) / len(shares):.2f}"
    assert "Note: a weight says where a row looks, not how much that token changes the output" in text
    return text


def test_a_sink_head_is_named_with_its_numbers_and_its_value_weighted_share():
    n = 6
    logits = torch.zeros(1, 1, n, n)
    logits[..., 0] = 3.0  # every row looks at the first token
    values = torch.ones(1, 1, n, 4)
    values[0, 0, 0] = 0.1  # ...whose value vector is small
    tr = MapTrace(["[CLS]", "a", "b", "c", "d", "[SEP]"], logits, values=values)
    text = check_reading(tr, 0, 0)
    assert 'The first token "[CLS]" takes the largest weight in 6 of 6 rows' in text
    assert "attention sink" in text and 'It does not mean that "[CLS]" is important' in text
    r = read_head(tr, 0, 0)
    assert r.first_valued < r.patterns[0].mean_weight / 2  # small v: less of it reaches the output
    ja = explain_head(tr, 0, 0, lang="ja")
    assert "アテンション・シンク" in ja and "「[CLS]」が重要だという意味ではありません" in ja


@pytest.mark.parametrize("causal", [True, False])
def test_previous_and_self_heads_are_named(causal):
    n = 7
    prev = torch.full((n, n), -2.0)
    prev[torch.arange(1, n), torch.arange(0, n - 1)] = 4.0
    self_ = torch.eye(n) * 4.0
    tr = MapTrace([f"t{i}" for i in range(n)], torch.stack([prev, self_])[None], causal=causal)
    assert "The previous token takes the largest weight in 6 of 6 rows" in check_reading(tr, 0, 0)
    assert "Each token itself takes the largest weight in" in check_reading(tr, 0, 1)
    check_reading(tr, 0, None)


def test_words_and_characters_split_into_pieces():
    texts = ["[CLS]", "token", "ization", "is", "‹e6 9d›", "東", "‹e4 ba›", "京", "[SEP]"]
    words = [0, 1, 1, 2, 3, 3, 3, 3, 4]
    g = torch.Generator().manual_seed(3)
    tr = MapTrace(texts, torch.randn(1, 1, 9, 9, generator=g) * 2, causal=True, words=words)
    assert char_groups(texts) == [[4, 5], [6, 7]]
    r = read_head(tr, 0, 0)
    w = tr.pattern(0, 0).double()
    # word pieces: 'ization' sees 'token'; 東京's pieces see their word's earlier pieces (causal)
    word_rows = {2: [1], 5: [4], 6: [4, 5], 7: [4, 5, 6]}
    mean = sum(float(w[i, js].sum()) for i, js in word_rows.items()) / len(word_rows)
    uniform = sum(len(js) / (i + 1) for i, js in word_rows.items()) / len(word_rows)
    assert r.word.groups == 2 and abs(r.word.mean_weight - mean) < 1e-6 and abs(r.word.uniform - uniform) < 1e-9
    char_rows = {5: [4], 7: [6]}
    mean = sum(float(w[i, js].sum()) for i, js in char_rows.items()) / 2
    assert r.char.groups == 2 and abs(r.char.mean_weight - mean) < 1e-6
    text = explain_head(tr, 0, 0, lang="en")
    assert f"Words split into several pieces (2): each piece puts {r.word.mean_weight:.2f}" in text
    assert f"Characters split into byte pieces (2): each piece puts {r.char.mean_weight:.2f}" in text
    check_reading(tr, 0, 0)


def test_one_word_texts_say_nothing_about_words():
    tr = MapTrace(["東", "京", "は"], torch.zeros(1, 1, 3, 3), words=[0, 0, 0])
    assert read_head(tr, 0, 0).word is None


def test_the_overview_counts_first_token_heads_from_the_row_statistics():
    n = 5
    sink = torch.zeros(n, n)
    sink[:, 0] = 5.0
    tr = MapTrace(["<s>", "a", "b", "c", "d"], torch.stack([sink, torch.eye(n) * 5, sink])[None], causal=True)
    assert first_token_heads(tr) == (2, 3)
    assert overview(tr, "en") == ('In 2 of all 3 heads, at least half the rows put their largest weight on the '
                                  'first token "<s>".')


@pytest.mark.model
@pytest.mark.parametrize("model,text,heads", [
    ("minilm", "東京はとても美しい街です", [(5, None), (0, 3), (2, 7)]),
    ("minilm", "Tokenization is unbelievably interesting", [(0, 3), (5, None)]),
    ("smollm2", "東京はとても美しい街です", [(1, 0), (3, 2), (29, None)]),
])
def test_real_model_readings_recompute(model, text, heads):
    from attnlab.models.api import run_text

    tr = run_text(text, model=model)
    for layer, head in heads:
        check_reading(tr, layer, head)
        assert explain_head(tr, layer, head, lang="ja").startswith("読み取れること（")
    stats = tr.row_stats().argmax
    if tr.causal:
        stats = stats[..., 1:]
    k = int(((stats == 0).float().mean(-1) >= 0.5).sum())
    assert overview(tr, "en").startswith(f"In {k} of all {tr.n_layers * tr.n_heads} heads")
