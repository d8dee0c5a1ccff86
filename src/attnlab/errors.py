"""The one exception family for input a user can fix.

Library code raises `AttnlabError` (or a subclass) with a one-line message that names the wrong
value and what was expected; the CLI prints it as `attnlab: error: ...` and exits with code 2, the
web app answers 4xx. Anything else escaping is a bug.
"""


class AttnlabError(ValueError):
    """Bad input, explained in one line."""


class LayerHeadError(AttnlabError):
    """A layer or head index outside a trace's range (every trace raises this one type)."""


class NonFiniteError(AttnlabError):
    """A computed result holds NaN or inf: refused, never shown (the message names where and why)."""


class NotKeptError(AttnlabError):
    """A trace was asked for something its source does not keep (q/k/v of an eager trace, W_O of the toy...)."""
