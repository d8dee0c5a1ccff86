"""Schemathesis over /openapi.json: generated requests (valid and invalid) never get a 5xx.

Bounded: a few examples per operation, so the run takes seconds. The trace routes are exercised on
a real trace (the tutorial's toy, the id the schema gives as its example) as well as on made-up ids.
The text routes load a model, so they run in the `model` variant only."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

from .conftest import make_client  # noqa: E402

CLIENT, APP = make_client()
CLIENT.post("/api/toy/page", json={})  # the tutorial's toy: the schema's example trace id exists
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", APP, headers={"host": "127.0.0.1:8765"})
BASE = "http://127.0.0.1:8765"  # the Host the server accepts (it refuses others: DNS rebinding)
SETTINGS = settings(max_examples=8, deadline=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))


@SCHEMA.exclude(path_regex="^/api/text").parametrize()
@SETTINGS
def test_no_request_gets_a_server_error(case):
    case.call_and_validate(base_url=BASE, checks=[not_a_server_error])


@pytest.mark.model
@SCHEMA.include(path_regex="^/api/text").parametrize()
@SETTINGS
def test_no_text_request_gets_a_server_error(case):
    case.call_and_validate(base_url=BASE, checks=[not_a_server_error])
