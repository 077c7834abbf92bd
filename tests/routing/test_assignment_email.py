"""The rep hears about a new lead: an email, and an unread badge beside Queue in the nav."""

import pytest
from django.core import mail

from routing.models import Notification, RepProfile
from tests.factories import CompanyFactory, ContactFactory
from tests.routing.conftest import RoutingRuleFactory, route

pytestmark = pytest.mark.django_db


@pytest.fixture
def rule(team, rep_profile):
    return RoutingRuleFactory(name="EMEA SaaS", team=team, account_match=False)


def test_the_rep_is_emailed_the_lead_with_why_and_the_deadline(
    rule, rep, django_capture_on_commit_callbacks
):
    contact = ContactFactory(
        first_name="Ada",
        last_name="Lovelace",
        job_title="VP of Sales",
        company=CompanyFactory(name="Acme Robotics"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assignment = route(contact, fit=65, interest=55)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [rep.email]
    assert message.subject.startswith("New lead: Ada Lovelace at Acme Robotics (A1), accept within")
    assert "VP of Sales" in message.body
    assert "Why you: Matched 'EMEA SaaS'; round robin; assigned to Rita" in message.body
    assert f"/queue/{assignment.pk}/" in message.body


def test_a_rep_who_opted_out_gets_no_email_but_still_the_badge(
    rule, rep, rep_client, django_capture_on_commit_callbacks
):
    RepProfile.objects.filter(user=rep).update(notify_by_email=False)
    with django_capture_on_commit_callbacks(execute=True):
        route()
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=rep, read_at__isnull=True).count() == 1


def test_the_unread_badge_shows_in_the_nav_until_the_rep_opens_the_queue(rule, rep_client):
    route()
    route()
    contacts_page = rep_client.get("/contacts/").content.decode()
    assert 'aria-label="2 new lead notifications">2</span>' in contacts_page

    queue_page = rep_client.get("/queue/").content.decode()
    assert queue_page.count('class="badge badge-new">New</span>') == 2

    assert "nav-count" not in rep_client.get("/contacts/").content.decode()
    assert 'badge-new">New' not in rep_client.get("/queue/").content.decode()
