"""The one number formatter: any finite number prints sanely, a ratio e^r agrees with its printed r,
and a non-finite number is refused rather than shown."""

from __future__ import annotations

import math

import pytest

from attnlab.errors import NonFiniteError
from attnlab.i18n import t
from attnlab.numtext import exp_parts, exp_text, num, printed


def test_the_issues_ratios():
    assert exp_text(2.69) == "e^2.69 = 14.73"
    assert exp_text(31.96) == "e^31.96 = 7.6e13"  # was 75585744350796.53
    assert exp_text(0.30) == "e^0.30 = 1.35"
    assert exp_text(18.42) == "e^18.42 = 1.0e8"  # 9.997e7: the mantissa carries into the exponent
    assert exp_text(1e5) == "e^100000.00 = 2.8e43429"  # math.exp overflows past 709.78
    assert exp_text(1e7) == "e^1.00e7 = 10^4.34e6"  # r itself has 3 digits: the mantissa would be noise


@pytest.mark.parametrize("r", [0.0, 0.004, 0.3, 2.69, 4.6, 5.0, 9.21, 13.8, 31.96, 709.9, 710.0, 2982.18, 9.9e5])
def test_printed_ratio_is_e_to_the_printed_r(r):
    r_text, ratio = exp_parts(r)
    shown = float(r_text)
    assert r_text == f"{r:.2f}"
    if "e" in ratio:  # mantissa with 2 significant digits: within half its last digit of e^shown
        mantissa, exponent = ratio.split("e")
        assert abs(float(mantissa) - 10 ** (shown / math.log(10) - int(exponent))) <= 0.05 + 1e-9
        assert 1 <= float(mantissa) < 10
    else:
        decimals = len(ratio.split(".")[1]) if "." in ratio else 0
        assert abs(float(ratio) - math.exp(shown)) <= 0.5 * 10**-decimals


def test_fixed_point_turns_scientific_only_when_large():
    assert num(0.123456, ".2f") == "0.12" and num(123456.7, ".2f") == "123456.70"
    assert num(1.23e20, ".2f") == "1.23e20" and num(-4.5e6, ".1f") == "-4.5e6"
    assert num(-0.001, ".2f") == "0.00"  # no sign that is not there
    assert printed(0.4985) == 0.50 and printed(0.9449) == 0.94


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_is_refused_naming_the_field(bad):
    with pytest.raises(NonFiniteError, match="a weight is"):
        num(bad, ".2f", "a weight")
    with pytest.raises(NonFiniteError, match=r"^w is"):
        t("row_top", "en", q="a", k="b", w=bad)


def test_every_template_number_goes_through_the_formatter():
    assert t("row_top", "en", q="a", k="b", w=3.0e12) == "a -> b 3.00e12"
    assert t("temp_effect", "en", T=1e-30, f=1e30, rows="").count("1.00e30") == 1
