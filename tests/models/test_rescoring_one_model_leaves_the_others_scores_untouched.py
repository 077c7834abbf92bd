"""Publishing and rescoring one model rewrites its own scores only."""

import pytest
from django.utils import timezone

from contacts.services import activity_record
from scoring.models import ContactScore, RescoreRun
from scoring.services import (
    rescore_run_execute,
    scoring_model_draft_create,
    scoring_model_publish,
)
from tests.factories import ContactFactory, score_of

pytestmark = pytest.mark.django_db


def stored(line):
    return sorted(
        ContactScore.objects.filter(line=line).values_list(
            "contact_id", "scoring_model_id", "fit", "interest", "version", "scored_at"
        )
    )


def test_publishing_a_new_version_of_one_model_leaves_the_other_models_scores_as_they_were(
    core, enterprise
):
    contacts = [ContactFactory() for _ in range(3)]
    for contact in contacts:
        activity_record(contact=contact, kind="pricing_page_view", occurred_at=timezone.now())
        activity_record(contact=contact, kind="webinar_attended", occurred_at=timezone.now())
    core_before = stored(core.line)
    draft = scoring_model_draft_create(source=enterprise, created_by=None)
    rule = draft.rules.get(dimension="interest")
    rule.points = 25
    rule.save()

    scoring_model_publish(draft=draft, published_by=None)
    rescore_run_execute(run_id=RescoreRun.objects.get(scoring_model=draft).pk)

    assert stored(core.line) == core_before
    for contact in contacts:
        assert (
            score_of(contact, enterprise.line).interest,
            score_of(contact, core.line).interest,
        ) == (25, 10)
        assert score_of(contact, enterprise.line).scoring_model_id == draft.pk
    assert ContactScore.objects.count() == 2 * len(contacts)


def test_a_draft_stays_in_its_models_line_and_publishing_it_retires_only_that_lines_version(
    core, enterprise
):
    draft = scoring_model_draft_create(source=enterprise, created_by=None)
    assert draft.line == enterprise.line and draft.version == enterprise.version + 1

    scoring_model_publish(draft=draft, published_by=None)

    core.refresh_from_db()
    enterprise.refresh_from_db()
    assert core.is_live  # the other model's live version is untouched
    assert not enterprise.is_live and enterprise.retired_at is not None
