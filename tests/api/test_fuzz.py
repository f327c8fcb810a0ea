"""A fuzz run of the OpenAPI schema against the running server: no input gives a 500."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from kite_app.api.app import api
from tests.api.test_api import ALL_DAY
from tests.seed import open_agent

SERVER_ENV = {"KITE_BOOKING_RATE_PER_MINUTE": "100000"}

# The schema the server serves (tested below to be the same document) drives the fuzzing.
schema = schemathesis.openapi.from_dict(api.openapi())


@pytest.fixture(scope="module")
def live(server):
    open_agent("Ann Around", "ann@example.com", hours=ALL_DAY)
    return server


def test_the_server_serves_this_schema(live):
    import httpx

    assert httpx.get(live.url + "/api/v1/openapi.json").json() == api.openapi()


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case, live):
    case.call_and_validate(base_url=live.url, checks=[not_a_server_error])
