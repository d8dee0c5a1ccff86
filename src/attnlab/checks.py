"""Checks shared by every source: numbers that are finite, text that is valid Unicode.

Finite numbers. float32 holds magnitudes up to FLOAT32_MAX (3.4e38); beyond that a value becomes
inf, and inf - inf or inf / inf in a softmax becomes NaN. A NaN drawn on a page looks like a masked
cell and prints as "nan" in a report, so a trace with one is wrong without looking wrong: sources
check what they computed with `check_finite` and refuse with the stage, the position and the cause.
Masked scores are -inf on purpose; `allow_neg_inf` says where.

Valid text. Python turns bytes that are not UTF-8 (a command-line argument or a file in another
encoding) into lone surrogates ('abc\\udcff' for b'abc\\xff'). They cannot be encoded as UTF-8, so
they break JSON files, pages and fonts later; `check_text` refuses them up front with the position.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import AttnlabError
from .i18n import Msg, tr_error

if TYPE_CHECKING:  # torch is imported where a tensor is checked: reading options and files needs none of it
    import torch

FLOAT32_MAX = (2 - 2.0**-23) * 2.0**127  # 3.4028234663852886e38, torch.finfo(torch.float32).max (tested)
FLOAT32_TINY = 2.0**-126  # 1.1754943508222875e-38, torch.finfo(torch.float32).smallest_normal (tested)
FLOAT32_MIN_SUBNORMAL = 2.0**-149  # 1.4e-45: the smallest positive float32; below half of it rounds to 0


def describe(value: object) -> str:
    """`'4' (str)`: the value and its type, for messages about a wrong type."""
    text = repr(value)
    return f"{text[:60]}... ({type(value).__name__})" if len(text) > 60 else f"{text} ({type(value).__name__})"


def first_line(e: BaseException, limit: int = 200) -> str:
    """The first line of an exception's text (a library's multi-line message in a one-line error)."""
    text = str(e).strip().splitlines()
    return text[0][:limit] if text else type(e).__name__


def size_text(n: int) -> str:
    """A byte count for messages: "9998 bytes", "8.0 MiB", "2.50 GiB", "1.00 TiB"."""
    if n < 2**20:
        return f"{n} bytes"
    if n < 2**30:
        return f"{n / 2**20:.1f} MiB"
    return f"{n / 2**30:.2f} GiB" if n < 2**40 else f"{n / 2**40:.2f} TiB"


def first_non_finite(
    t: torch.Tensor, *, allow_neg_inf: torch.Tensor | None = None
) -> tuple[tuple[int, ...], float] | None:
    """(index, value) of the first NaN or inf in `t` (row-major order), or None when all are finite.

    allow_neg_inf: bool, broadcastable to t; True where -inf is expected (masked scores).
    """
    import torch

    bad = ~torch.isfinite(t)
    if allow_neg_inf is not None:
        bad &= ~(torch.isneginf(t) & allow_neg_inf)
    if not bool(bad.any()):
        return None
    index = tuple(int(i) for i in bad.nonzero()[0])
    return index, float(t[index])


def check_finite(
    name: str,
    t: torch.Tensor,
    *,
    allow_neg_inf: torch.Tensor | None = None,
    cause: str = "",
    error: type[AttnlabError] = AttnlabError,
) -> None:
    """Raise `error` naming the first non-finite value of `t`, e.g. "weights[0, 2, 1] is nan: <cause>".

    Args:
        name: what `t` is, as the user knows it ("scores", "layer 3 queries").
        allow_neg_inf: bool, broadcastable to t; True where -inf is expected (masked cells).
        cause: why it happened and what to change; appended after a colon.
        error: the AttnlabError subclass to raise.
    """
    found = first_non_finite(t, allow_neg_inf=allow_neg_inf)
    if found is None:
        return
    index, value = found
    where = f"[{', '.join(map(str, index))}]" if index else ""
    raise error(f"{name}{where} is {value}" + (f": {cause}" if cause else ""))


def check_text(text: str, what: str | Msg, *, error: type[AttnlabError] = AttnlabError) -> None:
    """Refuse text that cannot be written as UTF-8 (lone surrogates from undecodable bytes)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        code = ord(text[e.start])
        if 0xDC80 <= code <= 0xDCFF:  # surrogateescape's stand-in for an undecodable byte
            raise _said(error, "err_text_byte", what, byte=f"{code - 0xDC00:02x}", at=e.start) from None
        raise _said(error, "err_text_surrogate", what, code=f"{code:04X}", at=e.start) from None


def _said(error: type[AttnlabError], key: str, what: str | Msg, **fields: object) -> AttnlabError:
    """STRINGS[key] as an error: in any language when `what` is a Msg; in English alone when it is the
    caller's English text (a Japanese sentence around "the text" would mix the two)."""
    made = tr_error(error, key, what=what, **fields)
    return made if isinstance(what, Msg) else error(str(made))


MAX_DIGITS = 30  # a whole number written with more digits is outside every range attnlab takes


def whole_number(value: object, what: str, lo: int, hi: int, *, error: type[AttnlabError] = AttnlabError) -> int:
    """`value` (an int, or text such as "42") as an int in lo..hi; else `error` naming it and the range.

    The one check of every whole number a user gives (command-line options, sizes, seeds), made
    before torch or the OS meets it, where 10**23 is an OverflowError and -1 threads a crash.
    Refused: bools, floats, text such as "1.5", "1e3" or "10**23", and numbers outside lo..hi
    (text of more than MAX_DIGITS digits is not converted at all: int() of 5000 digits raises).
    """
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        digits = text.removeprefix("-").removeprefix("+")
        if digits.isascii() and digits.isdigit():
            if len(digits) > MAX_DIGITS:
                raise tr_error(error, "err_range", what=what, value=short_number(text), lo=lo, hi=hi)
            number = int(text)
    if number is None:
        raise tr_error(error, "err_whole", what=what, value=short_number(repr(value)), lo=lo, hi=hi)
    if not lo <= number <= hi:
        raise tr_error(error, "err_range", what=what, value=short_number(str(number)), lo=lo, hi=hi)
    return number


def short_number(text: str, keep: int = 24) -> str | Msg:
    """A number's text as a message shows it: whole up to `keep` characters, else cut
    ("111111111111...1111 (400 characters)", in the message's language)."""
    if len(text) <= keep:
        return text
    return Msg("cut_number", {"head": text[: keep // 2], "tail": text[-4:], "n": len(text)})


_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


def byte_size(value: object, what: str, lo: int, hi: int, *, error: type[AttnlabError] = AttnlabError) -> int:
    """A size given as 4096, "512MiB", "1.5G" or "2 gb" (units of 1024) as bytes in lo..hi; else `error`
    naming it and the range in sizes ("1 MiB to 1 TiB"). An int is taken as bytes."""
    import re
    from fractions import Fraction

    if isinstance(value, int) and not isinstance(value, bool):
        size: int | None = value
    else:
        m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([kmgt]?)(i?b)?\s*", str(value).lower())
        size = None
        whole = m is not None and (m.group(2) or "." not in m.group(1))  # bytes alone: a whole number of them
        if m is not None and whole and len(m.group(1)) <= MAX_DIGITS:
            size = int(Fraction(m.group(1)) * _UNITS[m.group(2)])  # exact: no float to overflow
    if size is None or not lo <= size <= hi:
        shown = short_number(str(value), 40)
        raise tr_error(error, "err_size", what=what, value=shown, lo=size_text(lo), hi=size_text(hi))
    return size
