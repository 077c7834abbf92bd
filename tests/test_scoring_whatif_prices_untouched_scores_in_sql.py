"""
What-if (PostgreSQL): a score a rescore left untouched (it counts nothing the changed rule
counts, so it keeps the price key of the rules before the change) is priced in SQL from its
stored units like every other score, not replayed in Python, and the result is the replay's.
Before, the SQL what-if took only scores stamped with the live rules' own price key: after a
points change to a busy rule, every score the rescore rightly left alone went to the slow path.
"""

from unittest import mock

import pytest
from django.utils import timezone

from contacts.models import Contact
from scoring import selectors
from scoring.models import ContactScore, RescoreRun, RescoreStatus
from scoring.services import (
    scoring_model_draft_create,
    whatif_run_create,
    whatif_run_execute,
    whatif_runs,
)
from tests.factories import (
    ActivityFactory,
    ContactFactory,
    InterestRuleFactory,
    ScoringModelFactory,
)
from tests.markers import postgresql_only

pytestmark = [postgresql_only("the SQL what-if"), pytest.mark.django_db]


@pytest.fixture
def live(django_capture_on_commit_callbacks):
    """A live model whose pricing rule's points changed after every contact was scored."""
    capture = django_capture_on_commit_callbacks
    with capture(execute=True):
        model = ScoringModelFactory(mql_mode="both", mql_fit_threshold=0, mql_interest_threshold=15)
        pricing = InterestRuleFactory(
            scoring_model=model, name="Pricing page", activity_kind="pricing_page_view", points=10
        )
        InterestRuleFactory(
            scoring_model=model, name="Webinar", activity_kind="webinar_attended", points=8
        )
        for n in range(6):
            contact = ContactFactory(email=f"lead{n}@acme.test")
            kind = "pricing_page_view" if n % 2 else "webinar_attended"
            for _ in range(n % 3 + 1):
                ActivityFactory(contact=contact, kind=kind)
    with capture(execute=True):  # a finished run: what the next one compares against
        InterestRuleFactory(scoring_model=model, name="Trial", activity_kind="trial_started")
    with capture(execute=True):
        pricing.points = 12
        pricing.save(update_fields=["points"])
    run = RescoreRun.objects.order_by("-pk").first()
    assert (run.status, run.untouched) == (RescoreStatus.DONE, 3)
    return model


def test_scores_left_untouched_by_a_rescore_are_priced_in_sql(live):
    spec = selectors.model_spec(live)
    keys = dict(ContactScore.objects.values_list("contact_id", "priced_key"))
    assert sorted(key == spec.price_key for key in keys.values()) == [False] * 3 + [True] * 3

    draft = scoring_model_draft_create(source=live, created_by=None, note="what if")
    rule = draft.rules.get(name="Webinar")
    rule.points = 20
    rule.save(update_fields=["points"])
    draft_spec = selectors.model_spec(draft)
    ids = list(Contact.objects.order_by("pk").values_list("pk", flat=True))

    priced = whatif_runs._priced_in_sql(
        (spec, draft_spec), ids, timezone.now(), live_model_id=live.pk, line_id=live.line_id
    )

    assert sorted(priced) == ids


def test_a_whatif_over_untouched_scores_equals_the_python_replay(live):
    draft = scoring_model_draft_create(source=live, created_by=None, note="what if")
    rule = draft.rules.get(name="Webinar")
    rule.points = 20
    rule.save(update_fields=["points"])
    now = timezone.now()
    in_sql, in_python = (whatif_run_create(draft=draft, requested_by=None, now=now) for _ in "ab")

    sql_result = whatif_run_execute(run_id=in_sql.pk).result
    with mock.patch.object(whatif_runs, "_in_sql", lambda: False):
        python_result = whatif_run_execute(run_id=in_python.pk).result

    assert sql_result == python_result
    # The one-webinar lead (8 points) reaches the bar at 20; the others were over it already.
    assert sql_result["mql"]["entering"] == 1
