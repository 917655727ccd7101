"""Fuzz every operation of the OpenAPI schema (schemathesis): no input makes the server fail.

Each answer must also be one the schema documents, in the documented shape. It runs twice: with
requests that follow the schema, and with malformed ones (wrong types, missing and extra fields,
out-of-range values) from schemathesis's negative mode.

The budget is ``DERMAPORT_FUZZ_EXAMPLES`` examples per operation and database (default 20,
which CI runs; half as many malformed ones). A longer run:
``DERMAPORT_FUZZ_EXAMPLES=500 .venv/bin/pytest tests/web/test_fuzz.py``.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests.web.conftest import Api
from tests.web.routes import make_fixtures

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
EXAMPLES = int(os.environ.get("DERMAPORT_FUZZ_EXAMPLES", "20"))


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_input_makes_a_server_error(api: Api, mode: GenerationMode) -> None:
    """Valid requests (positive) and requests that break the schema on purpose (negative)."""
    make_fixtures(api)
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.client.app)
    headers = api.headers["owner"]
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operations.append(result.ok())
    assert len(operations) >= 25
    for operation in operations:
        if operation.path == "/api/logout":  # would end the session the other calls use
            continue

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES if mode is GenerationMode.POSITIVE else max(5, EXAMPLES // 2),
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def fuzz(case: Case[Any]) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            fuzz()
        except Unsatisfiable:  # nothing in this operation can be made malformed (no parameters, no body)
            if mode is GenerationMode.POSITIVE:
                raise
