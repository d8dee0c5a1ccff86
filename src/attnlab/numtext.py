"""Numbers as people read them: the one formatter every printed number goes through.

Why one place: a format spec like `.2f` is right for a weight (0.37) and wrong for what softmax
makes of a large score range (e^31.96 printed as 75585744350796.53, or `math.exp` raising
OverflowError past e^709). `num(value, spec)` prints a finite number as the spec asks while it is
below BIG, and in short scientific form above ("7.6e13": mantissa and exponent, no '+', no
padding); a NaN or inf is never printed: it raises NonFiniteError naming what it was.

`exp_text(r)` prints e^r for a ratio of weights so that the two numbers agree as printed: r is
rounded first, and the ratio is e^(the printed r), computed through log10 so that no r overflows
(e^2.69 = 14.73; e^31.96 = 7.6e13; e^100000.00 = 2.8e43429; beyond e^(2.3e6) the power of ten alone,
10^1.00e6, since the mantissa would be noise).

`printed(value, spec)` is the value as printed, for classifying on what the reader sees (a row
printed "0.50" is "at least half on one key", never "shared").

`i18n.t` passes every real-number field through `Num`, so a template's `{w:.2f}` is `num(w, ".2f")`.
"""

from __future__ import annotations

import math
import numbers

from .errors import NonFiniteError

BIG = 1e6  # from here on, a fixed-point spec prints in scientific form
RATIO_SIG = 2  # significant digits of a large ratio (7.6e13)
SMALL_RATIO = 100.0  # ratios below this print with 2 decimals (1.35, 14.73); up to BIG as whole numbers


def _check(value: float, what: str) -> float:
    if not math.isfinite(value):
        raise NonFiniteError(f"{what} is {value}: a non-finite number is never shown as a result")
    return value


def sci(value: float, digits: int = RATIO_SIG) -> str:
    """`value` with `digits` significant digits as "7.6e13" / "-1.2e-7" (value finite and non-zero)."""
    text = format(value, f".{max(digits - 1, 0)}e")
    mantissa, exponent = text.split("e")
    return f"{mantissa}e{int(exponent)}"


def num(value: float, spec: str = "", what: str = "a number") -> str:
    """`value` formatted by `spec`, safely: scientific from BIG on for fixed-point specs, never NaN/inf."""
    value = _check(float(value), what)
    kind = spec[-1:] if spec else ""
    if kind in ("f", "F", "") and abs(value) >= BIG:
        precision = spec[spec.rfind(".") + 1 : -1] if "." in spec else ""
        return sci(value, int(precision) + 1 if precision.isdigit() else 3)
    text = format(value, spec)
    return text[1:] if text.startswith("-") and float(text) == 0 else text  # "-0.00" reads as a sign that is not there


def printed(value: float, spec: str = ".2f") -> float:
    """The value a reader sees when it is printed with `spec` (for labels that must agree with it)."""
    return float(num(value, spec))


def exp_parts(r: float, decimals: int = 2) -> tuple[str, str]:
    """(r as printed, e^(r as printed) as printed): the two agree at the printed digits."""
    r_text = num(r, f".{decimals}f", "a score range")
    shown = float(r_text)
    log10 = shown / math.log(10)  # e^r = 10^log10, without overflow
    if log10 < math.log10(SMALL_RATIO):
        return r_text, f"{math.exp(shown):.2f}"
    if log10 < math.log10(BIG):
        return r_text, f"{math.exp(shown):.0f}"
    if log10 >= BIG:  # the mantissa would be noise: say the power of ten alone ("10^4.34e29")
        return r_text, f"10^{sci(log10, 3)}"
    exponent = math.floor(log10)
    mantissa = round(10 ** (log10 - exponent), RATIO_SIG - 1)
    if mantissa >= 10:  # 9.96 rounds to 10.0: carry into the exponent
        mantissa, exponent = mantissa / 10, exponent + 1
    return r_text, f"{mantissa:.{RATIO_SIG - 1}f}e{exponent}"


def exp_text(r: float, decimals: int = 2) -> str:
    """"e^2.69 = 14.73": a weight ratio from a score difference r (see the module docstring)."""
    r_text, ratio = exp_parts(r, decimals)
    return f"e^{r_text} = {ratio}"


class Num:
    """A real number inside an i18n template: `{w:.2f}` formats it with `num` (safe for any size,
    never NaN/inf). `what` names it in the error a non-finite value raises."""

    __slots__ = ("value", "what")

    def __init__(self, value: float, what: str) -> None:
        self.value = value  # the number
        self.what = what  # its field's name, for the error

    def __format__(self, spec: str) -> str:
        return num(self.value, spec, self.what)

    def __str__(self) -> str:
        return num(self.value, "", self.what)


def wrap_field(name: str, value: object) -> object:
    """A template field as `t` formats it: real non-integer numbers through `Num`, the rest as given."""
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, numbers.Integral)):
        return Num(float(value), name)
    return value
