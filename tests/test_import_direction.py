"""Imports run one way: contacts <- scoring <- routing, and integrations imports no app."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = {"contacts", "scoring", "routing", "integrations", "reports", "predictive"}
# What each app may import (besides itself and the neutral `leadscore` package). The API
# modules of every app use integrations (keys, scopes, pagination); integrations uses none.
ALLOWED = {
    "contacts": {"integrations"},
    "scoring": {"contacts", "integrations"},
    "routing": {"contacts", "scoring", "integrations"},
    "integrations": set(),
}


def _imported_apps(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found & APPS


@pytest.mark.parametrize("app", sorted(ALLOWED))
def test_an_app_imports_only_the_apps_before_it(app):
    offending = {}
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        bad = _imported_apps(path) - ALLOWED[app] - {app}
        if bad:
            offending[str(path.relative_to(ROOT))] = sorted(bad)
    assert offending == {}


def test_the_bulk_result_types_are_importable_from_their_old_home_too():
    from contacts import services
    from leadscore import bulk

    for name in ("BULK_MAX_ROWS", "BulkResult", "RowResult", "RowStatus"):
        assert getattr(services, name) is getattr(bulk, name)
