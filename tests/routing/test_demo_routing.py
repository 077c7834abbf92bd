"""seed_demo gives the demo a sales team, so its MQLs land in the reps' queues."""

import pytest
from django.test import Client

from contacts.demo import seed_demo
from routing.demo import demo_routing_ensure
from routing.models import Assignment, AssignmentStatus, RepProfile, RoutingRule, Team

pytestmark = pytest.mark.django_db


def test_seeding_routes_the_demo_mqls_to_the_demo_reps(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        seed_demo(contacts=400)

    team = Team.objects.get(name="Inside Sales")
    assert team.manager.username == "manager"
    assert set(RepProfile.objects.values_list("user__username", flat=True)) == {
        "rep1",
        "rep2",
        "rep3",
        "ana",
        "eve",
        "raj",
    }
    assert Team.objects.get(name="Enterprise").reps.count() == 2
    assert RoutingRule.objects.filter(is_fallback=True).count() == 1
    held = Assignment.objects.filter(status=AssignmentStatus.PENDING)
    assert held.exists()
    assert set(held.values_list("rep__username", flat=True)) >= {"rep1", "rep2"}
    # Ana is away: she gets nothing, and the logs say so.
    assert not Assignment.objects.filter(rep__username="ana").exists()

    client = Client()
    client.force_login(Assignment.objects.filter(rep__username="rep1").first().rep)
    page = client.get("/queue/").content.decode()
    assert "Your queue" in page and "Accept" in page


def test_the_demo_team_is_created_once(django_user_model):
    demo_routing_ensure()
    demo_routing_ensure()
    assert Team.objects.count() == 2
    assert RoutingRule.objects.filter(is_fallback=True).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_demo_shows_escalated_overdue_and_a_rejected_lead_rerouted():
    """Real commits (as in `make demo`): routing runs, then the demo's routing scenes."""
    from django.utils import timezone

    from routing.models import DecisionKind

    seed_demo(contacts=400)

    now = timezone.now()
    assert Assignment.objects.filter(
        status=AssignmentStatus.UNASSIGNED, escalated_at__isnull=False
    ).exists()
    assert Assignment.objects.filter(status=AssignmentStatus.PENDING, sla_due_at__lt=now).exists()
    rejected = Assignment.objects.get(status=AssignmentStatus.REJECTED, rep__username="rep1")
    again = Assignment.objects.exclude(pk=rejected.pk).get(contact=rejected.contact)
    assert again.rep is not None and again.rep.username != "rep1"
    assert again.decisions.get(kind=DecisionKind.ASSIGNED)
    # Contacts were "created" over months, not all today.
    from contacts.models import Contact

    oldest = Contact.objects.order_by("created_at").first().created_at
    assert (now - oldest).days > 60
