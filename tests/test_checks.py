"""checks: whole numbers and sizes from users, in their ranges; the float32 limits torch states."""

from __future__ import annotations

import pytest
import torch

from attnlab.checks import FLOAT32_MAX, FLOAT32_TINY, byte_size, whole_number
from attnlab.errors import AttnlabError
from attnlab.i18n import error_text


def test_float32_limits_are_torchs():
    assert FLOAT32_MAX == float(torch.finfo(torch.float32).max)
    assert FLOAT32_TINY == float(torch.finfo(torch.float32).smallest_normal)


@pytest.mark.parametrize(("value", "number"), [("42", 42), (" 7 ", 7), ("-3", -3), ("+5", 5), (9, 9), (0, 0)])
def test_whole_numbers(value, number):
    assert whole_number(value, "--n", -10, 100) == number


@pytest.mark.parametrize(("value", "said"), [
    ("101", "--n 101 is outside -10..100"), ("-11", "--n -11 is outside"), (10**23, "is outside"),
    ("1" * 31, "--n 111111111111...1111 (31 characters) is outside"), ("9" * 5000, "(5000 characters)"),
    ("1.5", "--n '1.5' is not a whole number"), ("1e3", "'1e3' is not"), ("10**23", "'10**23' is not"),
    ("", "'' is not"), ("nan", "'nan' is not"), ("0x10", "'0x10' is not"), ("\u0661", "is not a whole number"),
    (True, "True is not"), (1.0, "1.0 is not"), (None, "None is not"),
])
def test_what_is_no_whole_number_in_range(value, said):
    with pytest.raises(AttnlabError) as e:
        whole_number(value, "--n", -10, 100)
    assert said in str(e.value)
    assert "から" in error_text(e.value, "ja")


@pytest.mark.parametrize(("value", "size"), [("4096", 4096), ("1.5k", 1536), ("2 MiB", 2 * 2**20), ("1t", 2**40),
                                             (1000, 1000), ("0.5G", 2**29)])
def test_sizes(value, size):
    assert byte_size(value, "--max", 1, 2**41) == size


@pytest.mark.parametrize("value", ["1.5", "lots", "-1M", "1e3", "1" * 40 + "G", "2P", "", "0", "3T"])
def test_what_is_no_size_in_range(value):
    with pytest.raises(AttnlabError, match=r"--max .*: give a size from 1 bytes to 2.00 TiB"):
        byte_size(value, "--max", 1, 2**41)
