"""Options named like the CLI's -> a validated ToySpec: the one path the CLI and the web app share."""

import pytest

from attnlab.toy import TUTORIAL_TOKENS, ToyInputError, ToySpec
from attnlab.toy.options import OPTION_NAMES, toy_spec


def test_defaults_are_the_tutorials():
    assert toy_spec({}) == ToySpec() == toy_spec(None)


def test_tokens_as_a_string_or_a_list():
    assert toy_spec({"tokens": "I love transformers"}).tokens == ("I", "love", "transformers")
    assert toy_spec({"tokens": ["東京", "は"]}).tokens == ("東京", "は")


def test_x_decides_width_and_default_tokens():
    spec = toy_spec({"x": [[1, 2], [3, 4]]})
    assert spec.d_model == 2 and spec.tokens == ("Token 1", "Token 2")
    assert toy_spec({"x": [[1, 2]] * 3}).tokens == TUTORIAL_TOKENS


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"colour": 1}, "unknown toy option 'colour'"),
        ({"tokens": "   "}, "no tokens"),
        ({"tokens": 5}, "tokens must be a list of strings"),
        ({"x": "1,2;3,4"}, "x must be a list of rows"),
        ({"x": [1, 2]}, "x must be a list of rows"),
        ({"d_model": 6, "heads": 4}, "d_model 6 is not divisible by heads 4"),
    ],
)
def test_bad_options_name_the_problem(options, message):
    with pytest.raises(ToyInputError, match=message):
        toy_spec(options)


def test_limits_are_the_surfaces_not_the_librarys():
    from attnlab.cli.limits import MAX_TOKENS, check_cli_limits

    big = toy_spec({"tokens": " ".join(["t"] * (MAX_TOKENS + 1))})
    assert len(big.tokens) == MAX_TOKENS + 1  # the library takes it
    with pytest.raises(ToyInputError, match=f"limit of {MAX_TOKENS}"):
        check_cli_limits(big)  # the CLI and the web app do not
    assert set(OPTION_NAMES) == {"tokens", "d_model", "heads", "seed", "temperature", "causal", "x"}
