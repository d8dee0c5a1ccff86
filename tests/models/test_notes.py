"""Notes for the reader: Japanese through MiniLM is said in one line, with what was computed."""

from __future__ import annotations

import pytest

from attnlab.errors import AttnlabError
from attnlab.i18n import STRINGS
from attnlab.models.notes import notes_for
from attnlab.trace import Token

EXAMPLE = "猫が窓辺で静かに眠っている"


class SeenTrace:
    """The part of a trace notes_for reads: its model and tokens."""

    def __init__(self, model, texts, special=(), prompt_len=None, truncated=0):
        self.model = model
        self.tokens = tuple(Token(t, special=t in special) for t in texts)
        self.prompt_len = prompt_len
        self.truncated = truncated


def test_only_japanese_text_and_only_known_models_by_name():
    assert notes_for("minilm", "Tokyo is beautiful") == []
    assert notes_for("smollm2", EXAMPLE) == []
    assert notes_for("some/hub-model", EXAMPLE) == []  # nothing known, no trace: say nothing
    (ja,) = notes_for("minilm", EXAMPLE)
    assert ja.startswith("minilm はこの日本語を") and "が → か" in ja and "smollm2" in ja and "\n" not in ja
    (en,) = notes_for("minilm", EXAMPLE, lang="en")
    assert en.startswith("minilm does not read this Japanese") and "が → か" in en and "smollm2" in en


def test_from_a_trace_the_note_says_what_the_model_saw():
    seen = SeenTrace("minilm", ["[CLS]", "[UNK]", "か", "[UNK]", "て", "[SEP]"], special={"[CLS]", "[SEP]", "[UNK]"})
    (en,) = notes_for(seen, "猫が窓で", lang="en")
    assert "が → か" in en and "[UNK]: 2" in en
    # a model that keeps every character: nothing to say, whatever its name
    kept = SeenTrace("byte-model", ["猫", "が", "窓", "で"])
    assert notes_for(kept, "猫が窓で") == []
    # characters changed in another way (full-width letters lower-cased) are still said
    (ja,) = notes_for(SeenTrace("other", ["ａｂ"]), "ＡＢ")
    assert "文字が変わる" in ja and "英語用" not in ja  # not claimed for a model we know nothing of


def test_generated_and_truncated_tokens_are_not_read_as_the_text():
    generated = SeenTrace("smollm2", ["猫", "が", "ね"], prompt_len=2)
    assert notes_for(generated, "猫が") == []
    cut = SeenTrace("smollm2", ["猫", "が"], truncated=5)
    assert notes_for(cut, "猫がでで") == []


def test_every_note_string_has_both_languages_and_a_bad_language_is_refused():
    assert all(set(v) == {"ja", "en"} for k, v in STRINGS.items() if k.startswith("note_"))
    with pytest.raises(AttnlabError, match="lang 'fr' is not available"):
        notes_for("minilm", EXAMPLE, lang="fr")


@pytest.mark.model
@pytest.mark.filterwarnings("ignore::attnlab.models.notes.NotAsWrittenWarning")  # run_text's copy of these notes
def test_real_minilm_and_smollm2_traces(minilm, smollm2):
    from attnlab.models.api import run_text

    (ja,) = notes_for(run_text(EXAMPLE, "minilm"), EXAMPLE)
    assert "が → か" in ja and "[UNK] に: 5 個" in ja  # 猫 窓 辺 静 眠: not in MiniLM's vocabulary
    assert notes_for(run_text(EXAMPLE, "smollm2"), EXAMPLE) == []
    (en,) = notes_for(run_text("東京は美しい街です。", "minilm"), "東京は美しい街です。", lang="en")
    assert "で → て" in en and "[UNK]" not in en  # these kanji are in its vocabulary; です is not as written
