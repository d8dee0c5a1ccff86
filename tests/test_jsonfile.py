"""jsonfile: JSON read strictly (finite numbers, UTF-8, bounded), shapes checked by Field, in both languages."""

from __future__ import annotations

import pytest

from attnlab import jsonfile
from attnlab.errors import AttnlabError
from attnlab.i18n import error_text
from attnlab.jsonfile import Field


@pytest.mark.parametrize(("text", "said"), [
    ("", "is empty"),
    ("NaN", "holds NaN"),
    ("[Infinity]", "holds Infinity"),
    ('{"a": -Infinity}', "holds -Infinity"),
    ("[1e309]", "holds the number 1e309, too large"),
    ("[-1e400]", "holds the number -1e400, too large"),
    ("[" + "1" * 309 + "]", "(309 characters), too large"),
    ("[" + "1" * 10_000 + "]", "(10000 characters), too large"),
    ("[" * 50_000 + "]" * 50_000, "nests lists or objects too deeply"),
    ('{"a": 1,}', "is not valid JSON: Expecting property name"),
])
def test_what_python_json_takes_or_crashes_on_is_refused(text, said):
    with pytest.raises(AttnlabError, match=None) as e:
        jsonfile.loads(text, "f.json")
    assert str(e.value).startswith("f.json ") and said in str(e.value)


def test_numbers_within_float64_pass():
    assert jsonfile.loads("[1e308, " + "9" * 308 + ", -5, 0.5]", "f") == [1e308, int("9" * 308), -5, 0.5]


FIELDS = {"n": Field("int", required=True, lo=1, hi=10), "kind": Field("str", choices=("a", "b")),
          "names": Field("strs"), "flag": Field("bool"), "sub": Field("object", fields={"x": Field("int", lo=0)}),
          "files": Field("map", items=(Field("int", lo=0),)),
          "rows": Field("list", items=(Field("row", items=(Field("int"), Field("str"))),))}


@pytest.mark.parametrize(("obj", "said"), [
    ([], "holds [], expected a JSON object"),
    ({}, "n is missing"),
    ({"n": None}, "n is missing"),
    ({"n": 0}, "n is 0, expected a whole number from 1 to 10"),
    ({"n": 11}, "n is 11"),
    ({"n": 2.0}, "n is 2.0"),
    ({"n": True}, "n is true"),
    ({"n": "2"}, 'n is "2"'),
    ({"n": 1, "kind": "c"}, 'kind is "c", expected one of a, b'),
    ({"n": 1, "names": ["a", 1]}, "names[1] is 1, expected text"),
    ({"n": 1, "names": "a"}, 'names is "a", expected a list of strings'),
    ({"n": 1, "names": ["\udcff"]}, 'names[0] is "\\udcff", expected text'),
    ({"n": 1, "flag": 1}, "flag is 1, expected true or false"),
    ({"n": 1, "sub": []}, "sub is [], expected an object"),
    ({"n": 1, "sub": {"x": -1}}, "sub.x is -1"),
    ({"n": 1, "files": {"a": -1}}, 'files["a"] is -1'),
    ({"n": 1, "files": [1]}, "files is [1], expected an object"),
    ({"n": 1, "rows": [[1, "a"], [1]]}, "rows[1] is [1], expected a list of 2 values"),
    ({"n": 1, "rows": [["a", "a"]]}, 'rows[0][0] is "a", expected a whole number'),
])
def test_shapes_are_checked_field_by_field(obj, said):
    with pytest.raises(AttnlabError) as e:
        jsonfile.check(obj, FIELDS, "f.json")
    assert said in str(e.value), str(e.value)
    assert error_text(e.value, "ja") != str(e.value)  # said in Japanese too


def test_a_good_object_passes_unchanged():
    good = {"n": 3, "kind": "a", "names": ["x"], "flag": False, "sub": {"x": 0}, "files": {"a": 1},
            "rows": [[1, "a"]], "other": [None, {"any": "thing"}]}
    assert jsonfile.check(good, FIELDS, "f.json") is good


def test_read_refuses_a_folder_a_missing_file_a_big_one_and_bytes_that_are_not_utf8(tmp_path):
    with pytest.raises(AttnlabError, match="is a folder, not a file"):
        jsonfile.read(tmp_path)
    with pytest.raises(AttnlabError, match="no such file"):
        jsonfile.read(tmp_path / "none.json")
    (tmp_path / "big.json").write_text("[" + "1," * 100 + "1]")
    with pytest.raises(AttnlabError, match="is 203 bytes, more than 100 bytes"):
        jsonfile.read(tmp_path / "big.json", max_bytes=100)
    (tmp_path / "latin.json").write_bytes(b'["\xe9"]')
    with pytest.raises(AttnlabError, match=r"is not UTF-8 text \(byte 0xe9 at offset 2\)"):
        jsonfile.read(tmp_path / "latin.json")
    (tmp_path / "bom.json").write_bytes(b'\xef\xbb\xbf{"a": 1}')
    assert jsonfile.read(tmp_path / "bom.json") == {"a": 1}
