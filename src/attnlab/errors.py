"""The one exception family for input a user can fix.

Library code raises `AttnlabError` (or a subclass) with a one-line message that names the wrong
value and what was expected; the CLI prints it as `attnlab: error: ...` and exits with code 2, the
web app answers 4xx. Anything else escaping is a bug.

In the user's language: an error made with `i18n.tr_error` carries its message as an i18n key and
fields (`i18n`, an `i18n.Msg`) and optionally advice per surface (a flag in the CLI, a keyword in
Python, a control in the web app). `i18n.error_text(e, lang, surface)` renders it; `str(e)` is the
English text with the generic advice (or the language `i18n.set_error_lang` chose, for notebooks).
This module imports nothing of attnlab: the message object renders itself.
"""

from __future__ import annotations

from typing import Any


class AttnlabError(ValueError):
    """Bad input, explained in one line."""

    i18n: Any = None  # the message as an i18n.Msg (key, fields, advice), or None: English text only

    def __str__(self) -> str:
        return str(self.i18n) if self.i18n is not None else super().__str__()


class LayerHeadError(AttnlabError):
    """A layer or head index outside a trace's range (every trace raises this one type)."""


class NonFiniteError(AttnlabError):
    """A computed result holds NaN or inf: refused, never shown (the message names where and why)."""


class NotKeptError(AttnlabError):
    """A trace was asked for something its source does not keep (q/k/v of an eager trace, W_O of the toy...)."""
