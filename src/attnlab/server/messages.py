"""The server's own messages, in the language a request names (`?lang=ja|en`), English otherwise.

A refusal the server makes itself (the gate, a body that is not a JSON object of options, an unknown
or evicted trace, a full queue) is a `ServerError`: an i18n key with its fields, turned into text
when the answer is written, in the request's language. Why English when the request names none:
API clients (curl, scripts) get the CLI's wording, and the library's own messages (a toy that cannot
be computed, a text too long) are the CLI's, in English, whatever the request. The app names its
language in the address of the calls that carry it (`/api/toy/page?lang=`, page data, pages).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlencode

from ..errors import AttnlabError
from ..i18n import LANGS, t

DEFAULT_LANG = "en"  # when the request names no language (see the module docstring)
MAX_RERUN_URL = 8192  # characters; a longer "run it again" address (a toy's large x) opens the empty form


class ServerError(AttnlabError):
    """A refusal of the server's own: `key` in i18n.STRINGS, its fields, and the HTTP status it gets."""

    status = 400  # the answer's status (subclasses: 404, 410, 413, 503)

    def __init__(self, key: str, **fields: Any) -> None:
        self.key = key  # the message's i18n key
        self.fields = fields  # the values it names
        super().__init__(t(key, DEFAULT_LANG, **fields))

    def text(self, lang: str) -> str:
        return t(self.key, lang, **self.fields)

    def answer(self, lang: str) -> dict[str, Any]:
        """What the JSON answer carries besides "error" (a trace's refusals: its inputs, how to run it again)."""
        return {}


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
    """What an error says, as JSON-safe text: in `lang` when it is one of the server's own or a keyed
    library error (`i18n.tr_error`, with the app's advice: a control to change, not a CLI flag)."""
    from ..i18n import error_text as library_text

    return printable(e.text(lang) if isinstance(e, ServerError) else library_text(e, lang, "app"))


def printable(text: str) -> str:
    """`text` with any lone surrogate written as its escape (\\udcff): such text cannot be encoded as UTF-8."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def brief(value: Any, limit: int = 80) -> str:
    """repr(value), cut to `limit` characters: an error names the value without echoing a whole body."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def rerun_url(tid: str, inputs: dict[str, Any] | None, lang: str) -> str:
    """The app's address that runs a trace's inputs again (the form, filled; the empty form without them):
    a toy as /?screen=toy&toy=<its options as JSON>, a text as /?screen=text&text=...&run=1."""
    kind = "toy" if tid.startswith("toy-") else "text"
    query: dict[str, str] = {"screen": kind, "lang": lang}
    if inputs and kind == "toy":
        query["toy"] = json.dumps(inputs, ensure_ascii=False, separators=(",", ":"))
    elif inputs:
        query.update({k: json.dumps(v) if isinstance(v, bool) else str(v) for k, v in inputs.items()}, run="1")
    url = f"/?{urlencode(query)}"
    return url if len(url) <= MAX_RERUN_URL else f"/?{urlencode({'screen': kind, 'lang': lang})}"
