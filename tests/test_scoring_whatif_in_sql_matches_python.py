"""
Property (PostgreSQL): every contact the SQL what-if prices from its stored units
(scoring.whatif_sql) gets, under both versions, the numbers the Python replay gives: fit,
interest, grade, band, MQL rule, hand-raise, and what the account comparison reads (signals,
last engaged); and a what-if's whole result is the same either way (MQL counts, leads entering
and leaving with their reasons, the matrix, histograms, accounts). For random rules,
activities, pricing changes and a new rule in the draft, and moments of the run before and
after the stored scores' next changes.
"""

import dataclasses
import datetime as dt
from unittest import mock

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from contacts.models import Activity, Contact
from scoring import selectors, whatif
from scoring.models import ScoringRule
from scoring.services import (
    scoring_model_draft_create,
    whatif_run_create,
    whatif_run_execute,
    whatif_runs,
)
from scoring.services.rescoring import contacts_score
from tests.pricing_strategies import (
    EXAMPLE,
    START,
    activities,
    build_model,
    change_pricing,
    fit_rules,
    interest_rules,
    rule_change,
    settings_change,
)

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the SQL what-if is PostgreSQL's; runs in CI's PostgreSQL pass",
    ),
    pytest.mark.django_db,
]

_EXAMPLE = {
    **EXAMPLE,
    "half_life": 30.0,
    "settings_values": {
        "mql_mode": "both",
        "mql_fit_threshold": 10.0,
        "mql_interest_threshold": 10.0,
        "mql_combined_threshold": 1000.0,
    },
    "changes": [
        {"points": 14, "max_points": None, "name": "Pricing page", "is_hand_raise": False},
        {"points": 9, "max_points": 12.5, "name": "a; b", "is_hand_raise": False},
        None,
        *[None] * 6,
    ],
    "hours_later": 2,
    "new_rule": False,
}


def _results(run_ids: tuple[int, int]) -> tuple[dict, dict, int]:
    """Each run's result, priced in SQL and in Python; and how many contacts SQL priced."""
    priced = []
    real = whatif_runs._priced_in_sql

    def counting(*args, **kwargs):
        found = real(*args, **kwargs)
        priced.append(len(found))
        return found

    in_sql, in_python = run_ids
    with mock.patch.object(whatif_runs, "_priced_in_sql", counting):
        sql_result = whatif_run_execute(run_id=in_sql).result
    with mock.patch.object(whatif_runs, "_in_sql", lambda: False):
        python_result = whatif_run_execute(run_id=in_python).result
    return sql_result, python_result, sum(priced)


def _same_prices(live, draft, now) -> None:
    """Each contact SQL prices has the replay's numbers, under both versions."""
    specs = (selectors.model_spec(live), selectors.model_spec(draft))
    contacts = list(Contact.objects.select_related("company").order_by("pk"))
    ids = [c.pk for c in contacts]
    in_sql = whatif_runs._priced_in_sql(
        specs, ids, now, live_model_id=live.pk, line_id=live.line_id
    )
    replayed = whatif_runs._replayed(specs, contacts, now, line_id=live.line_id)
    for contact_id, pair in in_sql.items():
        expected = tuple(
            dataclasses.replace(whatif.Priced.of(score), score=None)
            for score in replayed[contact_id]
        )
        assert pair == expected


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    fit=st.lists(fit_rules, max_size=4),
    interest=st.lists(interest_rules, min_size=1, max_size=5),
    events=activities,
    half_life=st.sampled_from([0.0, 30.0]),
    settings_values=settings_change,
    changes=st.lists(rule_change, min_size=9, max_size=9),
    hours_later=st.sampled_from([0, 2, 30, 24 * 40]),
    new_rule=st.booleans(),
)
@example(**_EXAMPLE)
def test_whatif_priced_in_sql_equals_the_python_replay(
    fit, interest, events, half_life, settings_values, changes, hours_later, new_rule
):
    with transaction.atomic():
        live, contacts = build_model(fit, interest, half_life)
        for number, (index, kind, url, hours) in enumerate(events):
            Activity.objects.create(
                contact=contacts[index],
                kind=kind,
                occurred_at=START + dt.timedelta(hours=hours),
                properties={"url": url},
                source="prop",
                external_id=str(number),
            )
        contacts_score(contact_ids=[c.pk for c in contacts], rebuild=True, now=START)
        draft = scoring_model_draft_create(source=live, created_by=None, note="what if")
        change_pricing(draft, settings_values, changes)
        if new_rule:
            ScoringRule.objects.create(
                scoring_model=draft,
                name="new",
                dimension="interest",
                points=3,
                activity_kind="email_click",
                window_days=14,
            )
        now = START + dt.timedelta(hours=hours_later)
        _same_prices(live, draft, now)
        runs = tuple(
            whatif_run_create(draft=draft, requested_by=None, now=now).pk for _ in range(2)
        )
        sql_result, python_result, priced = _results(runs)
        event(f"priced in SQL: {priced} of {len(contacts)}")
        assert sql_result == python_result
        if (fit, events, hours_later, new_rule) == (EXAMPLE["fit"], EXAMPLE["events"], 2, False):
            # The explicit example: every contact is priced in SQL, and some lead moves.
            assert priced == len(contacts)
            assert sql_result["mql"]["entering"] + sql_result["mql"]["leaving"] > 0
        transaction.set_rollback(True)
