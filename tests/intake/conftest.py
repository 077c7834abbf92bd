"""Intake tests use the API and CSV fixtures of tests/api (keys per role, real export headers)."""

from __future__ import annotations

from tests.api.conftest import (  # noqa: F401 - fixtures
    _fresh_throttle_counters,
    _import_files_in_tmp,
    client_for,
    hubspot_header,
    key_for,
    ops_api,
    rep_api,
    salesforce_header,
)
