"""Markers shared by test modules."""

import pytest
from django.db import connection


def postgresql_only(what: str) -> pytest.MarkDecorator:
    """Skip unless the tests run on PostgreSQL: `what` is PostgreSQL's alone (CI runs both)."""
    return pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason=f"{what} is PostgreSQL's; runs in CI's PostgreSQL pass",
    )
