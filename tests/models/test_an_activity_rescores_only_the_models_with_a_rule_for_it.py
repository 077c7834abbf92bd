"""Ingest cost grows with the models that count the activity, not with every live model."""

import pytest
from django.utils import timezone

from contacts.services import activity_record
from tests.factories import ContactFactory, score_of

pytestmark = pytest.mark.django_db


def test_a_pricing_view_rewrites_the_core_score_and_leaves_the_enterprise_score_alone(
    core, enterprise
):
    contact = ContactFactory()
    core_before = score_of(contact, core.line)
    enterprise_before = score_of(contact, enterprise.line)

    activity_record(contact=contact, kind="pricing_page_view", occurred_at=timezone.now())

    core_after = score_of(contact, core.line)
    enterprise_after = score_of(contact, enterprise.line)
    assert core_after.version == core_before.version + 1 and core_after.interest == 10
    assert (enterprise_after.version, enterprise_after.scored_at) == (
        enterprise_before.version,
        enterprise_before.scored_at,
    )


def test_a_webinar_rewrites_only_the_enterprise_score(core, enterprise):
    contact = ContactFactory()
    core_version = score_of(contact, core.line).version

    activity_record(contact=contact, kind="webinar_attended", occurred_at=timezone.now())

    assert score_of(contact, core.line).version == core_version
    assert score_of(contact, enterprise.line).interest == 10


def test_a_contact_a_model_has_not_scored_yet_gets_its_score_with_any_activity(core, enterprise):
    contact = ContactFactory()
    contact.scores.filter(line=enterprise.line).delete()  # scored before Enterprise went live

    activity_record(contact=contact, kind="pricing_page_view", occurred_at=timezone.now())

    assert score_of(contact, enterprise.line).fit == 10
    assert score_of(contact, core.line).interest == 10
