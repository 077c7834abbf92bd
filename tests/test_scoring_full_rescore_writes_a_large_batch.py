"""
A full rescore writes scores in batches large enough for PostgreSQL's COPY path
(scoring.services.score_rows.scores_upsert): every contact gets its score, and a second run
updates the same rows instead of adding any.
"""

import pytest
from django.utils import timezone

from contacts.models import Activity
from scoring.models import ContactScore
from scoring.services import scoring_model_rescore
from scoring.services.score_rows import COPY_MIN_ROWS
from tests.factories import ContactFactory, InterestRuleFactory, ScoringModelFactory

pytestmark = pytest.mark.django_db


def test_a_rescore_of_more_contacts_than_the_copy_threshold_scores_each_once():
    contacts = ContactFactory.create_batch(COPY_MIN_ROWS + 20)
    model = ScoringModelFactory()
    InterestRuleFactory(scoring_model=model, points=5)
    Activity.objects.bulk_create(  # bulk: no per-activity scoring, the rescore does it all
        Activity(contact=c, kind="pricing_page_view", occurred_at=timezone.now()) for c in contacts
    )

    for _ in range(2):
        run = scoring_model_rescore(model_id=model.pk, reason="test")
        assert run.done == len(contacts)

    scores = ContactScore.objects.filter(scoring_model=model)
    assert scores.count() == len(contacts)
    assert set(scores.values_list("interest", flat=True)) == {5}
