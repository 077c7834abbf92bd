"""
Schemathesis fuzzes every operation of the app's own OpenAPI schema (bounded): no 5xx.

Runs in-process through the WSGI app with an Admin's key holding every scope.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from integrations.services import api_key_create
from leadscore.wsgi import application
from tests.factories import ContactFactory, ScoringModelFactory

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """As Django's test client does: the WSGI handler must not close the test's connection."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def auth_header(admin_user):
    _, raw = api_key_create(
        name="fuzz",
        owner=admin_user,
        scopes=["read", "write", "import", "rules"],
        throttle_rate="100000/min",
    )
    ScoringModelFactory()
    ContactFactory(email="ada@example.com")
    return {"Authorization": f"Bearer {raw}"}


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_with_a_server_error(case, auth_header):
    response = case.call(headers=auth_header)
    case.validate_response(response, checks=[not_a_server_error])
