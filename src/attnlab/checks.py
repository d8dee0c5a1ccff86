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

import torch

from .errors import AttnlabError

FLOAT32_MAX = float(torch.finfo(torch.float32).max)  # 3.4028234663852886e38
FLOAT32_TINY = float(torch.finfo(torch.float32).smallest_normal)  # 1.1754943508222875e-38
FLOAT32_MIN_SUBNORMAL = 2.0**-149  # 1.4e-45: the smallest positive float32; below half of it rounds to 0


def describe(value: object) -> str:
    """`'4' (str)`: the value and its type, for messages about a wrong type."""
    text = repr(value)
    return f"{text[:60]}... ({type(value).__name__})" if len(text) > 60 else f"{text} ({type(value).__name__})"


def size_text(n: int) -> str:
    """A byte count for messages: "9998 bytes", "8.0 MiB", "2.50 GiB"."""
    if n < 2**20:
        return f"{n} bytes"
    return f"{n / 2**20:.1f} MiB" if n < 2**30 else f"{n / 2**30:.2f} GiB"


def first_non_finite(
    t: torch.Tensor, *, allow_neg_inf: torch.Tensor | None = None
) -> tuple[tuple[int, ...], float] | None:
    """(index, value) of the first NaN or inf in `t` (row-major order), or None when all are finite.

    allow_neg_inf: bool, broadcastable to t; True where -inf is expected (masked scores).
    """
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


def check_text(text: str, what: str, *, error: type[AttnlabError] = AttnlabError) -> None:
    """Refuse text that cannot be written as UTF-8 (lone surrogates from undecodable bytes)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        code = ord(text[e.start])
        if 0xDC80 <= code <= 0xDCFF:  # surrogateescape's stand-in for an undecodable byte
            raise error(
                f"{what} holds a byte that is not UTF-8 (0x{code - 0xDC00:02x}, character {e.start}): "
                "was the command line, terminal or file in another encoding? use UTF-8"
            ) from None
        raise error(f"{what} holds a lone surrogate (U+{code:04X}, character {e.start}), which is not text") from None
