"""
What-if (PostgreSQL): a draft's new rules are built from the history inside the SQL what-if
statement (scoring.refold_sql.fold_ctes): for a rule that matches on the activity kind alone no
activity of its kind comes to Python; for one with a condition on the activity's properties
Python reads its kind once to pick the activities it matches. Either way the result is the
Python replay's.
"""

from unittest import mock

import pytest
from django.utils import timezone

from contacts.models import Contact
from scoring import selectors
from scoring.models import RuleCondition
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
def draft(django_capture_on_commit_callbacks):
    """A live model counting pricing views; a draft adding webinars and blog reading."""
    with django_capture_on_commit_callbacks(execute=True):
        live = ScoringModelFactory(mql_mode="both", mql_fit_threshold=0, mql_interest_threshold=20)
        InterestRuleFactory(
            scoring_model=live, name="Pricing", activity_kind="pricing_page_view", points=10
        )
        now = timezone.now()
        for n in range(5):
            contact = ContactFactory(email=f"lead{n}@acme.test")
            ActivityFactory(contact=contact, kind="pricing_page_view", occurred_at=now)
            for days in range(n):
                moment = now - timezone.timedelta(days=days * 9)
                ActivityFactory(contact=contact, kind="webinar_attended", occurred_at=moment)
                ActivityFactory(
                    contact=contact,
                    kind="page_view",
                    occurred_at=moment,
                    properties={"url": "/blog/post"},
                )
    draft = scoring_model_draft_create(source=live, created_by=None, note="what if")
    InterestRuleFactory(
        scoring_model=draft,
        name="Webinars",
        activity_kind="webinar_attended",
        points=6,
        window_days=30,
    )
    blog = InterestRuleFactory(
        scoring_model=draft, name="Blog", activity_kind="page_view", points=1, max_occurrences=2
    )
    RuleCondition.objects.create(rule=blog, property="url", operator="contains", value="/blog")
    return draft


def test_a_new_kind_only_rule_is_built_in_sql(draft, monkeypatch):
    reads: list[tuple[set[str], set[int]]] = []
    real = selectors.events_by_contact

    def spy(contact_ids, *, kinds, **kwargs):
        reads.append((set(kinds), set(contact_ids)))
        return real(contact_ids, kinds=kinds, **kwargs)

    now = timezone.now()
    in_sql, in_python = (whatif_run_create(draft=draft, requested_by=None, now=now) for _ in "ab")

    with monkeypatch.context() as patched:
        patched.setattr(selectors, "events_by_contact", spy)
        sql_result = whatif_run_execute(run_id=in_sql.pk).result
    with mock.patch.object(whatif_runs, "_in_sql", lambda: False):
        python_result = whatif_run_execute(run_id=in_python.pk).result

    assert sql_result == python_result
    # Leads with two webinars and more in the last 30 days reach the bar of 20.
    assert sql_result["mql"]["entering"] == 3
    # The blog rule's kind (a condition) is read for every contact, to test it; webinars are
    # read only for the leads the result shows, whose whole scores give their reasons.
    shown = {lead["id"] for lead in sql_result["entering"]}
    everyone = set(Contact.objects.values_list("pk", flat=True))
    assert ({"page_view"}, everyone) in reads
    assert all(ids <= shown for kinds, ids in reads if "webinar_attended" in kinds)
