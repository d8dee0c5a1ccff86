"""One-line notes for the reader about what the model did to the text, in Japanese and English.

The case that needs saying: Japanese text through MiniLM (all-MiniLM-L6-v2), an English, uncased
model. Its tokenizer lower-cases and strips accents, and for Japanese that strips dakuten and
handakuten (です reaches the model as て + す, が as か), and most kanji are not in its vocabulary
([UNK]). The attention is then computed on text the reader did not write, so the output says so
and points to smollm2, whose byte-level pieces keep every character.

`notes_for` is what surfaces print (the CLI as `attnlab: note: ...`, the server as the `warnings`
of its JSON answers). With a trace the note is computed from what the model saw (its pieces against
the text); with only a model name it says what is known of that model. In Python, `run_text` warns
with the same note (`NotAsWrittenWarning`, via `warn_not_as_written`), in Japanese and English: it
has no language argument, and its reader may read either.
"""

from __future__ import annotations

import unicodedata
import warnings

from ..i18n import check_lang, t
from ..trace import AttentionTrace
from .registry import BUNDLED, bundled_names
from .segment import JAPANESE, has_japanese
from .tokens import plain_text

_UNKNOWN = frozenset({"[UNK]", "<unk>"})  # the unknown-token texts of WordPiece and SentencePiece vocabularies
_VOICING = ("\u3099", "\u309a")  # combining dakuten and handakuten (what NFD splits off が and ぱ)

class NotAsWrittenWarning(UserWarning):
    """The model did not read the text as written (Japanese through MiniLM): `notes_for`'s note."""


def notes_for(source: AttentionTrace | str, text: str, *, lang: str = "ja") -> list[str]:
    """Notes (one line each) on what `source` made of `text`; empty when there is nothing to say.

    Args:
        source: the trace of `text` (the note is computed from its tokens), or a model name.
        text: the text as the user gave it.
        lang: "ja" or "en".

    >>> notes_for("smollm2", "猫が窓辺で静かに眠っている")
    []
    """
    check_lang(lang)
    if not has_japanese(text):
        return []
    model = source if isinstance(source, str) else source.model
    spec = BUNDLED.get(model)
    known = [t("note_uncased_english", lang)] if spec is not None and not spec.reads_japanese else []
    if isinstance(source, str):
        if not known:
            return []  # a model we know nothing of, and no trace to look at
        seen, unknown = _stripped(text), 0
    else:
        read = source.tokens[: getattr(source, "prompt_len", None)]  # generated tokens are not the text
        seen = plain_text(read)
        unknown = sum(t.special and t.text in _UNKNOWN for t in read)
        if getattr(source, "truncated", 0):
            text = text[: len(seen)]  # the part the model read (about: normalisation may change lengths)
    observed = []
    dropped = next((c for c in text if _voiced(c) and c not in seen), None)
    if dropped is not None:
        observed.append(t("note_dakuten", lang, src=dropped, dst=_stripped(dropped)))
    if unknown:
        observed.append(t("note_unknown", lang, n=unknown))
    if not observed and _japanese(seen) != _japanese(text):
        observed.append(t("note_changed", lang))
    if not observed:
        return []
    what = t("note_separator", lang).join(known + observed)
    readers = " / ".join(n for n in bundled_names() if BUNDLED[n].reads_japanese)
    return [t("note_not_as_written", lang, model=model, what=what, readers=readers)]


def _voiced(ch: str) -> bool:
    return any(mark in unicodedata.normalize("NFD", ch) for mark in _VOICING)


def _stripped(text: str) -> str:
    """`text` as an accent-stripping tokenizer sees it: NFD, combining marks removed (BERT's rule)."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def _japanese(text: str) -> list[str]:
    return [c for c in text if JAPANESE.match(c)]


def warn_not_as_written(trace: AttentionTrace, text: str, *, stacklevel: int = 3) -> None:
    """warnings.warn(NotAsWrittenWarning) with `notes_for`'s note in both languages, when there is one.
    (The CLI and the server print the note themselves, in their reader's language, and skip this.)"""
    ja = notes_for(trace, text, lang="ja")
    if ja:
        en = notes_for(trace, text, lang="en")
        warnings.warn(NotAsWrittenWarning("\n".join([*ja, *en])), stacklevel=stacklevel)
