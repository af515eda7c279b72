"""The OpenAPI document fuzzed against the app (schemathesis): no 5xx, every response matches the schema.

Schemathesis's own pytest plugin does not run under pytest 9, so its strategies are driven
through Hypothesis directly, one test per operation.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from newsearch.web.openapi import openapi_document

OPERATIONS = [(path, method) for path, item in openapi_document()["paths"].items() for method in item]


@pytest.mark.parametrize("path,method", OPERATIONS, ids=[f"{m.upper()} {p}" for p, m in OPERATIONS])
def test_api_matches_its_openapi_document(app: Any, path: str, method: str) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operation = schema[path][method]

    @given(case=operation.as_strategy())
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case: Any) -> None:
        # Bounds across parameters (page x per_page <= 10,000; from <= to) cannot be written in
        # OpenAPI, so a schema-valid request may still get its documented 400: that check is off.
        case.call_and_validate(excluded_checks=[schemathesis.checks.positive_data_acceptance])

    run()
