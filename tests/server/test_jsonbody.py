"""Hostile JSON bodies, by class, on every route that takes JSON (read from the app's OpenAPI schema):
an integer too long for Python's int-str limit, nesting 100,000 deep, a number beyond float64, a lone
surrogate in any string or key. Each is a 400 with a JSON error naming the problem, never a 500,
wherever it sits in the body; what is fine (an emoji's surrogate pair, brackets inside a string,
a 40-digit integer) is not refused for it."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attnlab.server.jsonbody import MAX_DEPTH, MAX_INT_DIGITS, nesting

from .conftest import make_client

CLIENT, APP = make_client()
JSON_ROUTES = sorted(path for path, ops in APP.fastapi.openapi()["paths"].items() for op in ops.values()
                     if "application/json" in op.get("requestBody", {}).get("content", {}))
SETTINGS = settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


def post(path: str, body: str | bytes):
    """POST `body` to `path`, a trace's route given a well-formed id that names no trace: the body is read
    (and refused) before the trace is looked up."""
    raw = body.encode() if isinstance(body, str) else body
    path = path.replace("{tid}", "text-0123456789abcdef")
    return CLIENT.post(path, content=raw, headers={"content-type": "application/json"})


def refused(r, *words: str) -> str:
    """The error of a 400 JSON answer, checked to name the problem with `words`."""
    assert r.status_code == 400, (r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/json")
    error = r.json()["error"]
    assert all(w in error for w in words), error
    return error


def test_every_json_route_is_covered():
    assert JSON_ROUTES == ["/api/text", "/api/text/stream", "/api/toy", "/api/toy/page", "/api/traces/{tid}/effects"]


# where a hostile leaf can sit: any field, known or not, at any depth of arrays and objects
def _around(leaf: str) -> st.SearchStrategy[str]:
    keys = st.sampled_from(["text", "tokens", "x", "seed", "layer", "model", "zzz", "d_model"])

    def wrap(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(inner.map(lambda s: f"[{s}]"), inner.map(lambda s: f"[1, {s}, \"a\"]"),
                         st.tuples(keys, inner).map(lambda kv: f'{{"{kv[0]}": {kv[1]}}}'))

    return st.tuples(keys, st.recursive(st.just(leaf), wrap, max_leaves=4)).map(
        lambda kv: f'{{"text": "ok", "model": "none", "{kv[0]}": {kv[1]}}}')


BIG_INTS = ["9" * 400, "-" + "1" * 4301, "7" * 5000, "1" * (MAX_INT_DIGITS + 1)]
PAST_FLOAT64 = ["1e400", "-1e999", "1.5e309", "123456789e400"]
NUMBERS = [(d, "digits") for d in BIG_INTS] + [(f, "64-bit float") for f in PAST_FLOAT64]


@pytest.mark.parametrize("path", JSON_ROUTES)
@pytest.mark.parametrize("literal,named", NUMBERS, ids=[n[:12] for n, _ in NUMBERS])
def test_an_oversized_number_anywhere_is_refused(path, literal, named):
    @given(_around(literal))
    @SETTINGS
    def check(body):
        refused(post(path, body), named)

    check()


@pytest.mark.parametrize("path", JSON_ROUTES)
@pytest.mark.parametrize("body", [
    "[" * 100_000 + "]" * 100_000,
    '{"x": ' + "[" * 100_000 + "]" * 100_000 + "}",
    '{"a": ' * 50_000 + "1" + "}" * 50_000,
    '{"tokens": [' + '{"a": [' * 30_000 + "]}" * 30_000 + "]}",
    "[" * 100_000,  # never closed
    '{"x": ' + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "}",  # one level beyond the limit
], ids=["arrays", "in-x", "objects", "mixed", "unclosed", "limit+1"])
def test_deep_nesting_anywhere_is_refused(path, body):
    refused(post(path, body), "nests", f"at most {MAX_DEPTH}")


def test_nesting_counts_brackets_outside_strings_only():
    assert nesting('{"x": [[1, 2], [3]]}') == 3
    assert nesting('{"text": "[[[[{{{{", "a": "\\"[[["}') == 1
    assert nesting("[]") == 1 and nesting("5") == 0
    r = post("/api/toy", '{"tokens": "' + "[" * 100_000 + '"}')  # brackets in a string: not nesting
    assert r.status_code != 500 and "nests" not in r.text


SURROGATES = ["\\udcff", "\\ud800", "\\udfff", "\\ud83dx", "\\ude00\\ud83d", "a\\uDCFFb"]


@pytest.mark.parametrize("path", JSON_ROUTES)
@pytest.mark.parametrize("escape", SURROGATES)
def test_a_lone_surrogate_in_any_string_or_key_is_refused(path, escape):
    @given(_around(f'"{escape}"'))
    @SETTINGS
    def check(body):
        error = refused(post(path, body), "lone surrogate")
        assert "\\u" in error  # the surrogate is named by its escape, not sent back raw

    check()
    refused(post(path, f'{{"{escape}": 1}}'), "lone surrogate", "a key of the body")
    error = refused(post(path, f'{{"text": "a{escape}", "tokens": ["a", "b{escape}"]}}'), "lone surrogate")
    assert error.startswith(("text ", "tokens[1] ")), error


def test_the_reported_inputs_are_refused_by_name():
    r = post("/api/text", json.dumps({"text": "a\udcff"}))  # json.dumps writes the escape \\udcff
    assert refused(r, "lone surrogate").startswith("text holds a lone surrogate (\\udcff at character 1)")
    refused(post("/api/toy", '{"seed": ' + "4" * 400 + "}"), "400 digits")
    refused(post("/api/toy/page", '{"x": [[' + "5" * 5000 + "]]}"), "5000 digits")


def test_what_is_fine_is_not_refused_for_it():
    # an emoji as a surrogate pair, a 40-digit integer, 32 levels: no refusal of these classes
    r = post("/api/toy", '{"tokens": ["\\ud83d\\ude00", "b"], "seed": 3}')
    assert r.status_code == 200 and r.json()["tokens"][0] == "😀"
    r = post("/api/toy", '{"seed": ' + "1" * MAX_INT_DIGITS + "}")
    assert "digits" not in refused(r)  # the toy's own range check, not the parser's
    r = post("/api/toy", '{"x": ' + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "}")
    assert "nests" not in refused(r)
