"""
`manage.py backtest` lists each rule's lift on the train period and flags, first, a rule whose
points and outcomes point opposite ways: here pricing views earn points, yet the leads who
viewed pricing were mostly lost.
"""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.factories import ActivityFactory, ContactFactory, OutcomeFactory


@pytest.fixture
def pricing_viewers_lose(live):
    now = timezone.now()
    for i in range(80):
        contact = ContactFactory()
        viewed = i % 2 == 0
        if viewed:
            ActivityFactory(
                contact=contact,
                kind="pricing_page_view",
                occurred_at=now - timedelta(days=90 - i, hours=1),
            )
        # Viewers win 1 in 8, the others 7 in 8.
        won = (i % 16 == 0) if viewed else (i % 16 != 1)
        OutcomeFactory(
            contact=contact,
            result="won" if won else "lost",
            decided_at=now - timedelta(days=90 - i),
        )


@pytest.mark.django_db
def test_a_rule_whose_leads_convert_worse_is_flagged_as_disagreeing(pricing_viewers_lose, tmp_path):
    out = StringIO()
    path = tmp_path / "bt.json"
    call_command("backtest", "--json", str(path), stdout=out)
    text = out.getvalue()
    assert "1 disagree" in text
    flagged = [line for line in text.splitlines() if "DISAGREES" in line]
    assert len(flagged) == 1
    assert flagged[0].strip().startswith("Pricing (+10): won ")
    assert "its leads convert worse" in flagged[0]
    rules = json.loads(path.read_text())["versions"]["v1 Tuned model (live)"]["rules"]
    assert rules[0]["name"] == "Pricing" and rules[0]["verdict"] == "disagrees"
    assert rules[0]["lift"] < 1 and rules[0]["lift_ci"][1] < 1
    assert rules[0]["suggested"] < 0


@pytest.mark.django_db
def test_rules_that_agree_are_listed_without_the_flag(live, tmp_path):
    now = timezone.now()
    for i in range(80):
        contact = ContactFactory()
        viewed = i % 2 == 0
        if viewed:
            ActivityFactory(
                contact=contact,
                kind="pricing_page_view",
                occurred_at=now - timedelta(days=90 - i, hours=1),
            )
        won = (i % 16 != 0) if viewed else (i % 16 == 1)
        OutcomeFactory(
            contact=contact,
            result="won" if won else "lost",
            decided_at=now - timedelta(days=90 - i),
        )
    out = StringIO()
    call_command("backtest", stdout=out)
    assert "0 disagree" in out.getvalue()
    assert "DISAGREES" not in out.getvalue()
    assert "Pricing (+10): won " in out.getvalue() and ": agrees" in out.getvalue()
