"""The one vocabulary: both languages hold the same keys, and one word per concept everywhere."""

import re

import pytest

from attnlab.errors import AttnlabError
from attnlab.i18n import LANGS, STRINGS, check_lang, t


def test_both_languages_hold_every_key():
    for key, texts in STRINGS.items():
        assert set(texts) == set(LANGS), key
        assert all(texts[lang].strip() for lang in LANGS), key


def test_fields_fit_both_languages():
    """The {fields} of one language's template are among the other's, so a caller's fields fit either
    (a language may leave one out, e.g. the plural that Japanese does not mark)."""
    for key, texts in STRINGS.items():
        ja, en = (set(re.findall(r"{(\w+)", texts[lang])) for lang in LANGS)
        assert ja <= en or en <= ja, key


def test_the_tutorials_words_for_query_and_key():
    assert STRINGS["query"]["ja"] == "クエリ（注目側）" and STRINGS["key"]["ja"] == "キー（参照側）"
    # no other table spells Key differently (one word per concept)
    others = [k for k, v in STRINGS.items() if "参照される" in v["ja"] or "注目される" in v["ja"]]
    assert others == []


# one word per concept in Japanese (issue 17): the word used, and the words it replaces
ONE_WORD_JA = {"クエリ": ("Query",), "キー": ("Key",), "バリュー": ("値ベクトル",), "トークン": ("ピース",),
               "ステップ": ("手順",)}


def test_one_word_per_concept_in_japanese():
    for word, others in ONE_WORD_JA.items():
        assert any(word in v["ja"] for v in STRINGS.values()), word
        for other in others:
            found = [k for k, v in STRINGS.items() if re.search(rf"(?<![A-Za-z_]){other}(?![A-Za-z_])", v["ja"])]
            assert found == [], (other, found)
    # a value vector is バリュー, never a bare V in a Japanese sentence
    bare_v = [k for k, v in STRINGS.items() if re.search(r"(?<![A-Za-z_])V(?![A-Za-z_])", v["ja"])
              and "バリュー" not in v["ja"]]
    assert bare_v == [], bare_v
    assert not [k for k, v in STRINGS.items() if re.search(r"\bpieces?\b", v["en"])]  # en: "token" likewise


def _sentences(text: str) -> list[str]:
    """Japanese sentences: split at 。 outside brackets."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += ch in "（(「"
        depth -= ch in "）)」"
        if ch == "。" and depth == 0:
            out.append(text[start : i + 1].strip())
            start = i + 1
    return out


POLITE = re.compile(r"(です|ます|ました|ません|ください|でした)(?:[（(].*[）)])?。$")


def test_japanese_sentences_are_in_desu_masu():
    """Every sentence the explanations, readings, census, errors and lesson say ends in です・ます
    (labels such as "答え: ..." and the message joiner aside)."""
    families = ("read_", "census_", "err_", "fix_", "cause_", "ex_", "why_", "temp_", "mask_", "heads_",
                "row_range", "random_caveat", "demo_", "note_not", "figures_left", "seeds_summary", "top_",
                "corpus_", "rollout_", "vw_", "bridge_", "pipe_", "nb_", "effects_")
    plain = [(k, s) for k, v in STRINGS.items() if k.startswith(families) and k not in ("ex_solution", "err_with_fix")
             for s in _sentences(v["ja"]) if not POLITE.search(s)]
    assert plain == [], plain


def test_unknown_language_is_one_clear_error():
    with pytest.raises(AttnlabError, match="lang 'fr' is not available: choose one of ja, en"):
        check_lang("fr")
    assert t("head_n", "en", h=3) == "head 3"
