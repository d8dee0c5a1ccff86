"""The server's own messages, in the language a request names (`?lang=ja|en`), English otherwise.

A refusal the server makes itself (the gate, a body that is not a JSON object of options, an unknown
or evicted trace, a full queue) is a `ServerError`: an i18n key with its fields, turned into text
when the answer is written, in the request's language. Why English when the request names none:
API clients (curl, scripts) get the CLI's wording, and the library's own messages (a toy that cannot
be computed, a text too long) are the CLI's, in English, whatever the request. The app names its
language in the address of the calls that carry it (`/api/toy/page?lang=`, page data, pages).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from ..errors import AttnlabError
from ..i18n import LANGS, t

DEFAULT_LANG = "en"  # when the request names no language (see the module docstring)


class ServerError(AttnlabError):
    """A refusal of the server's own: `key` in i18n.STRINGS, its fields, and the HTTP status it gets."""

    status = 400  # the answer's status (subclasses: 404, 410, 413, 503)

    def __init__(self, key: str, **fields: Any) -> None:
        self.key = key  # the message's i18n key
        self.fields = fields  # the values it names
        super().__init__(t(key, DEFAULT_LANG, **fields))

    def text(self, lang: str) -> str:
        return t(self.key, lang, **self.fields)


class NotFound(ServerError):
    """Something the request addresses is not here: a page that is off, a level or tile a trace lacks (404)."""

    status = 404


def lang_of(query: bytes | str) -> str:
    """The language a query string names with lang=ja|en; DEFAULT_LANG when none (or another)."""
    text = query.decode("latin-1") if isinstance(query, bytes) else query
    for k, v in parse_qsl(text, keep_blank_values=True):
        if k == "lang" and v in LANGS:
            return v
    return DEFAULT_LANG


def error_text(e: BaseException, lang: str) -> str:
    """What an error says, in `lang` when it is one of the server's own, as JSON-safe text."""
    return printable(e.text(lang) if isinstance(e, ServerError) else str(e))


def printable(text: str) -> str:
    """`text` with any lone surrogate written as its escape (\\udcff): such text cannot be encoded as UTF-8."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def brief(value: Any, limit: int = 80) -> str:
    """repr(value), cut to `limit` characters: an error names the value without echoing a whole body."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."
