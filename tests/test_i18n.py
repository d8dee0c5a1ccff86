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
    assert STRINGS["query"]["ja"] == "Query (注目側)" and STRINGS["key"]["ja"] == "Key (参照側)"
    # no other table spells Key differently (one word per concept)
    others = [k for k, v in STRINGS.items() if "参照される" in v["ja"] or "注目される" in v["ja"]]
    assert others == []


def test_unknown_language_is_one_clear_error():
    with pytest.raises(AttnlabError, match="lang 'fr' is not available: choose one of ja, en"):
        check_lang("fr")
    assert t("head_n", "en", h=3) == "head 3"
