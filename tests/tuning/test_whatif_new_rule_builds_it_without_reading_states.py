"""
A draft's new rule is built from the history alone: the stored scores never had its units, so
they have no state of it and the what-if reads no stored rule state; its result is the same
as scoring the draft from scratch.
"""

import pytest

from scoring import services
from scoring.models import WhatIfStatus
from scoring.services import whatif_runs
from tests.factories import ActivityFactory, ContactFactory, InterestRuleFactory

pytestmark = pytest.mark.django_db


def test_a_new_webinar_rule_reads_no_stored_state_and_brings_the_attendee_in(
    live, draft, marketing_ops, monkeypatch
):
    attendee, viewer = ContactFactory(first_name="Attendee"), ContactFactory(first_name="Viewer")
    ActivityFactory(contact=attendee, kind="pricing_page_view")  # 20 fit, 10 interest
    ActivityFactory(contact=attendee, kind="webinar_attended")
    ActivityFactory(contact=viewer, kind="pricing_page_view")
    InterestRuleFactory(
        scoring_model=draft, name="Webinar", activity_kind="webinar_attended", points=15
    )
    read: list[set[int]] = []
    real = whatif_runs.score_reads.stored_rule_states

    def spy(contact_ids, **kwargs):
        read.append(set(contact_ids))
        return real(contact_ids, **kwargs)

    monkeypatch.setattr(whatif_runs.score_reads, "stored_rule_states", spy)
    run = services.whatif_run_execute(
        run_id=services.whatif_run_create(draft=draft, requested_by=marketing_ops).pk
    )

    assert run.status == WhatIfStatus.DONE
    assert read == []
    assert run.result["mql"]["entering"] == 1
    (entering,) = run.result["entering"]
    assert entering["id"] == attendee.pk
    assert entering["reasons"] == [
        "Software (Software): +20",
        "Webinar in the last day: +15",
        "Pricing in the last day: +10",
    ]
