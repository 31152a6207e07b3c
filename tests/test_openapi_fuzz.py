"""Fuzzing (issue 13): schemathesis generates requests from the OpenAPI document, valid and invalid, for every
operation, anonymous and as the admin, and no answer may be a 5xx or a status or content type the document
does not declare.

It runs against a database of its own (no samples: nothing it writes can disturb another test), with a
throttle of its own (its wrong logins must not lock the other tests' address out), and a bounded number of
examples per operation (``BLUEPRINT_FUZZ_EXAMPLES``, default 12), so that it takes about a minute.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import content_type_conformance, not_a_server_error, status_code_conformance

from api.app import create_app
from gis.db import get_engine
from gis.settings import database_settings
from projects.accounts import Role, create_account, issue_token

EXAMPLES = int(os.environ.get("BLUEPRINT_FUZZ_EXAMPLES", "12"))


@pytest.fixture(scope="module")
def admin_token(isolated_engine) -> Iterator[str]:
    """The app (:data:`schema`'s) over a database of its own while this module runs; an admin's token there."""
    previous = os.environ["DATABASE_URL"]
    os.environ["DATABASE_URL"] = isolated_engine.url.render_as_string(hide_password=False)
    database_settings.cache_clear()
    get_engine.cache_clear()
    try:
        with isolated_engine.begin() as connection:
            create_account(connection, username="fuzz-admin", secret="fuzz-admin-secret", role=Role.ADMIN)
            token = issue_token(connection, "fuzz-admin", "fuzz-admin-secret")
        assert token
        yield token
    finally:
        os.environ["DATABASE_URL"] = previous
        database_settings.cache_clear()
        get_engine.cache_clear()


# Building the app and its OpenAPI document touches no database; requests reach it only inside the test.
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_request_gets_a_server_error_or_an_undeclared_answer(case, admin_token):
    # Half the examples as the admin (who may reach every operation), half as the public.
    as_admin = zlib.crc32(repr((case.method, case.path, case.query, case.body)).encode()) % 2 == 0
    headers = {"Authorization": f"Bearer {admin_token}"} if as_admin else {}
    case.call_and_validate(headers=headers, checks=[not_a_server_error, status_code_conformance,
                                                    content_type_conformance])
