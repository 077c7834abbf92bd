"""
A batch's scores, re-priced scores and timeline entries are written the same whichever way the
batch's size sends them (COPY on PostgreSQL for a batch, one statement or one per row for a
few): a rule change run over a few contacts, then a change of their profiles, with the batch
threshold at 1 and at its default, stores the same scores and timeline.
"""

import pytest
from django.db import transaction
from django.utils import timezone

from contacts.models import Company, Contact
from contacts.services import activity_record
from leadscore import bulk_sql
from scoring.models import ChangeReason, ContactScore, ScoreChange, ScoringRule
from scoring.services import contacts_score, rescore_run_execute, score_rows, scoring_model_changed
from scoring.specs import forget_cached_rules
from tests.factories import (
    CompanyFactory,
    ContactFactory,
    FitRuleFactory,
    InterestRuleFactory,
    ScoringModelFactory,
)

pytestmark = pytest.mark.django_db

SCORE_COLUMNS = ("contact_id", "fit", "interest", "grade", "band", "meets_threshold", "version")
CHANGE_COLUMNS = ("contact_id", "reason", "detail", "interest_before", "interest_after")


def _world():
    model = ScoringModelFactory()
    FitRuleFactory(scoring_model=model, name="Software", points=10)
    InterestRuleFactory(
        scoring_model=model, name="Viewed pricing", activity_kind="pricing_page_view", points=10
    )
    InterestRuleFactory(
        scoring_model=model, name="Webinar", activity_kind="webinar_attended", points=5
    )
    now = timezone.now()
    for n in range(4):
        contact = ContactFactory(company=CompanyFactory(industry="Software"))
        for _ in range(n):
            activity_record(contact=contact, kind="pricing_page_view", occurred_at=now)
        if n % 2:
            activity_record(contact=contact, kind="webinar_attended", occurred_at=now)
    return model


def _after_a_points_and_a_window_change(model):
    ScoringRule.objects.filter(name="Viewed pricing").update(points=25)
    rescore_run_execute(run_id=scoring_model_changed(model_id=model.pk, reason="points").pk)
    ScoringRule.objects.filter(name="Webinar").update(window_days=30)
    rescore_run_execute(run_id=scoring_model_changed(model_id=model.pk, reason="window").pk)
    # Every company moves out of the fit rule's industry: the contacts' scores are re-priced
    # from their stored units (score_rows.scores_reprice), all in one batch.
    Company.objects.update(industry="Retail")
    forget_cached_rules()  # the rules above were edited by queryset, which keeps no cache fresh
    ids = list(Contact.objects.values_list("pk", flat=True))
    with transaction.atomic():
        contacts_score(contact_ids=ids, reason=ChangeReason.PROFILE_CHANGE)
    contacts = {
        c: i
        for i, c in enumerate(sorted(ContactScore.objects.values_list("contact_id", flat=True)))
    }

    def rows(queryset, columns):
        return sorted((contacts[row[0]], *row[1:]) for row in queryset.values_list(*columns))

    return (
        rows(ContactScore.objects.all(), SCORE_COLUMNS),
        rows(ScoreChange.objects.all(), CHANGE_COLUMNS),
    )


def test_a_batch_threshold_of_one_stores_what_the_default_stores(monkeypatch):
    with transaction.atomic():
        default = _after_a_points_and_a_window_change(_world())
        transaction.set_rollback(True)  # the same world again, from nothing
    monkeypatch.setattr(score_rows, "COPY_MIN_ROWS", 1)  # scores
    monkeypatch.setattr(bulk_sql, "COPY_MIN_ROWS", 1)  # timeline entries (copy_insert)
    batched = _after_a_points_and_a_window_change(_world())

    assert batched == default
    assert any(change[1] == "rule_change" for change in batched[1])
    assert any(change[1] == "profile_change" for change in batched[1])
